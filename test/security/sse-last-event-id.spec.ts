/**
 * Issue 13 item 14: SSE `Last-Event-ID` is read strictly and only for the topics asked for: a 15 KB
 * header of other topics is not repeated in every event's `id:`, and `ticks:AAPL/` is not seq 0
 * (a full replay) but no position (the snapshot).
 */
import { expect } from "chai";
import { postJson } from "../helpers/http.ts";
import { waitFor } from "../helpers/ports.ts";
import { parseLastEventId } from "../../lib/streaming/sse.ts";
import { startNode, type TestNode } from "./gateway-node.ts";
import { sse } from "../helpers/sse.ts";

const NOW = Date.now();

describe("security: SSE Last-Event-ID", function () {
	this.timeout(20_000);
	let n: TestNode;
	before(async () => {
		n = await startNode();
		await postJson(
			`${n.base}/api/v1/ticks`,
			[1, 2, 3].map(i => ({ symbol: "SSEA", price: 10 + i, size: 1, ts: NOW - 1000 + i })),
		);
	});
	after(async () => n?.node.stop());

	it("a 15 KB header of other topics is not echoed: ids name only the topics asked for", async () => {
		const junk = Array.from({ length: 1000 }, (_, i) => `ticks:JUNK${i}/5`).join(",");
		expect(junk.length).to.be.greaterThan(14_000);
		const s = sse(`${n.base}/api/v1/stream?topics=ticks:SSEA`, { headers: { "Last-Event-ID": `${junk},ticks:SSEA/1` } });
		try {
			// Resumed after seq 1: the two missed ticks, as updates.
			await waitFor(() => s.events.filter(e => e.event === "update").length === 2, { timeoutMs: 5000, what: "two replayed updates" });
			expect(s.events.filter(e => e.id).map(e => e.id)).to.deep.equal(["ticks:SSEA/2", "ticks:SSEA/3"]);
		} finally {
			s.abort();
		}
	});

	it("'ticks:SSEA/' is no position: the snapshot, not a replay from 0", async () => {
		const s = sse(`${n.base}/api/v1/stream?topics=ticks:SSEA`, { headers: { "Last-Event-ID": "ticks:SSEA/" } });
		try {
			await waitFor(() => s.events.some(e => e.event === "snapshot"), { timeoutMs: 5000, what: "snapshot" });
			expect(s.events.filter(e => e.event === "update")).to.deep.equal([]);
			expect(s.events.find(e => e.event === "snapshot")!.id).to.equal("ticks:SSEA/3");
		} finally {
			s.abort();
		}
	});

	it("parses strictly: only decimal non-negative safe integers after the last '/'", () => {
		const topics = ["ticks:A", "bars:1m:A", "ticks:B"];
		expect(parseLastEventId("ticks:A/7,bars:1m:A/0,ticks:C/9", topics)).to.deep.equal({ "ticks:A": 7, "bars:1m:A": 0 });
		for (const bad of ["ticks:A/", "ticks:A/-1", "ticks:A/1e3", "ticks:A/0x10", "ticks:A/ 5", "ticks:A/01", "ticks:A/99999999999999999", "/5", "ticks:A"]) {
			expect(parseLastEventId(bad, topics), bad).to.deep.equal({});
		}
	});
});
