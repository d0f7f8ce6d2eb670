/**
 * Latency stamps over a real NATS bus (lib/metrics/stages.ts): they travel in a header beside the
 * message, so a team's plain subscriber reads exactly the documented JSON, and a node's NatsBus
 * subscriber gets the stamps back.
 */
import { expect } from "chai";
import { connect, JSONCodec, type NatsConnection } from "nats";
import { NatsBus } from "../../lib/bus/nats-bus.ts";
import type { Hops } from "../../lib/metrics/stages.ts";
import { subjects } from "../../lib/protocol/wire.ts";
import { startNats, type TestServer } from "../helpers/servers.ts";
import { waitFor } from "../helpers/ports.ts";

describe("NatsBus latency stamps", function () {
	this.timeout(30_000);
	let nats: TestServer;
	let owner: NatsBus;
	let gateway: NatsBus;
	let team: NatsConnection;

	before(async () => {
		nats = await startNats();
		owner = await NatsBus.connect(nats.url, "owner");
		gateway = await NatsBus.connect(nats.url, "gateway");
		team = await connect({ servers: nats.url });
	});
	after(async () => {
		await team?.close().catch(() => {});
		await gateway?.close().catch(() => {});
		await owner?.close().catch(() => {});
		await nats?.stop();
	});

	it("a stamped tick reaches a plain subscriber as the same JSON, and a bus subscriber with its stamps", async () => {
		const msg = { v: 1, seq: 3, symbol: "STMP", price: 10.5, size: 2, ts: 1_765_000_000_000 };
		const plain: string[] = [];
		team.subscribe(subjects.ticks("STMP"), { callback: (_e, m) => plain.push(new TextDecoder().decode(m.data)) });
		const got: Array<{ msg: unknown; hops?: Hops }> = [];
		gateway.subscribe(subjects.ticks("STMP"), (m, _s, hops) => got.push({ msg: m, hops }));
		await team.flush();
		await gateway.flush();
		const hops = { t0: 1_765_000_000_000.125, at: 1_765_000_000_003.5 };
		owner.publish(subjects.ticks("STMP"), msg, hops);
		owner.publish(subjects.ticks("STMP"), { ...msg, seq: 4 });
		await owner.flush();
		await waitFor(() => plain.length === 2 && got.length === 2, { what: "both messages at both subscribers" });
		expect(plain).to.deep.equal([JSON.stringify(msg), JSON.stringify({ ...msg, seq: 4 })]);
		expect(JSONCodec().decode(new TextEncoder().encode(plain[0]))).to.deep.equal(msg);
		expect(got).to.deep.equal([
			{ msg, hops },
			{ msg: { ...msg, seq: 4 }, hops: undefined },
		]);
	});
});
