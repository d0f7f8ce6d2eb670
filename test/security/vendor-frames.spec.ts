/**
 * The push vendor's WebSocket listener (lib/vendors/alpaca-stream.ts) is reached from the network
 * too: a frame with an object where a string belongs used to throw out of it (String() of
 * `{"toString":"x"}`) and end the process. Now it is counted as malformed and the stream goes on.
 */
import { expect } from "chai";
import { AlpacaStreamVendor } from "../../lib/vendors/alpaca-stream.ts";
import type { VendorItem } from "../../lib/vendors/vendor.ts";
import { startAlpacaServer, trade, type AlpacaServer } from "../helpers/vendor-servers/alpaca-stream.ts";
import { waitFor } from "../helpers/ports.ts";

describe("security: vendor stream frames cannot throw out of the listener", () => {
	let srv: AlpacaServer;
	let v: AlpacaStreamVendor;
	beforeEach(async () => (srv = await startAlpacaServer()));
	afterEach(async () => {
		await v?.stop();
		await srv.close();
	});

	it("a trade whose id is an object with a toString trap is malformed; the next trade is taken", async () => {
		const got: VendorItem[] = [];
		v = new AlpacaStreamVendor("alpaca", { url: srv.url, key: "k", secret: "s", backoff: { initialMs: 20, maxMs: 50, jitter: "none" } });
		v.start(["AAPL"], { items: i => void got.push(...i), state: () => {} });
		await waitFor(() => v.state.state === "streaming", { timeoutMs: 5000, what: "streaming" });
		srv.push([{ ...trade("AAPL", 10, 1), i: { toString: "x" } }, trade("AAPL", 11, 2)]);
		await waitFor(() => got.length === 1, { timeoutMs: 5000, what: "the good trade" });
		expect(got[0].tick?.price).to.equal(11);
		expect(v.counters.malformed).to.equal(1);
	});

	it("a sink that rejects is counted, not left unhandled", async () => {
		v = new AlpacaStreamVendor("alpaca", { url: srv.url, key: "k", secret: "s", backoff: { initialMs: 20, maxMs: 50, jitter: "none" } });
		v.start(["AAPL"], { items: () => Promise.reject(new Error("store down")), state: () => {} });
		await waitFor(() => v.state.state === "streaming", { timeoutMs: 5000, what: "streaming" });
		const errors = v.counters.errors;
		srv.push([trade("AAPL", 10, 1)]);
		await waitFor(() => v.counters.errors === errors + 1, { timeoutMs: 5000, what: "the sink failure counted" });
	});
});
