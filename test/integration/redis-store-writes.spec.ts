/**
 * The appends a turn sends (one per symbol a request touched) leave for Redis in one socket
 * write, and each still answers on its own.
 */
import { expect } from "chai";
import { RedisStore } from "../../lib/store/index.ts";
import { startRedis, type TestServer } from "../helpers/servers.ts";

describe("RedisStore: one write per turn", function () {
	this.timeout(30_000);
	let redis: TestServer;
	let store: RedisStore;
	before(async () => {
		redis = await startRedis();
		store = new RedisStore({ url: redis.url, prefix: `w${process.pid}` });
		await store.connect();
	});
	after(async () => {
		await store?.close();
		await redis?.stop();
	});

	it("sends 20 symbols' appends of one turn in one write, each answered and durable", async () => {
		const symbols = Array.from({ length: 20 }, (_, i) => `W${i}`);
		// First appends list the symbols (a follow-up SADD each); measure the steady state after.
		await Promise.all(symbols.map(s => store.append(s, [{ seq: 1, data: { price: 1 } }])));
		const socket = store.client.stream as unknown as { _writev: (...a: unknown[]) => void; _write: (...a: unknown[]) => void };
		let writes = 0;
		const writev = socket._writev.bind(socket);
		const write = socket._write.bind(socket);
		socket._writev = (...a) => (writes++, writev(...a));
		socket._write = (...a) => (writes++, write(...a));
		try {
			await Promise.all(symbols.map(s => store.append(s, [{ seq: 2, data: { price: 2 } }])));
		} finally {
			socket._writev = writev;
			socket._write = write;
		}
		expect(writes).to.equal(1);
		for (const s of symbols) expect((await store.range(s, 0, 10)).map(e => e.seq)).to.deep.equal([1, 2]);
	});
});
