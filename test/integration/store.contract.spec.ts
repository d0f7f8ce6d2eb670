/**
 * One contract for every store adapter: the in-memory store must behave as Redis does, or
 * embedded mode would hide bugs that only show in a cluster.
 */
import { expect } from "chai";
import { MemoryStore, RedisStore, type Store } from "../../lib/store/index.ts";
import { MemoryKv, RedisKv } from "../../lib/kv/index.ts";
import type { Leases } from "../../lib/keyed/lease.ts";
import { FencedError, SequenceConflictError, StoreUnavailableError } from "../../lib/protocol/errors.ts";
import { startRedis, type TestServer } from "../helpers/servers.ts";

interface Adapter {
	name: string;
	make(opts: { maxLen?: number; latestTtlMs?: number; now?: () => number }): Promise<Store>;
}

let redis: TestServer;
let prefixSeq = 0;
const adapters: Adapter[] = [
	{ name: "MemoryStore", make: async opts => new MemoryStore(opts) },
	{
		name: "RedisStore",
		make: async opts => {
			// Each test gets its own key prefix, so tests never see each other's data.
			const s = new RedisStore({ ...opts, url: redis.url, prefix: `t${process.pid}x${++prefixSeq}` });
			await s.connect();
			return s;
		},
	},
];

before(async () => {
	redis = await startRedis();
});
after(async () => {
	await redis?.stop();
});

for (const adapter of adapters) {
	describe(`Store contract: ${adapter.name}`, () => {
		let store: Store;
		const open = async (opts = {}) => (store = await adapter.make(opts));
		afterEach(async () => store?.close());

		it("gives entries, latest and snapshot back as JSON would, and neither their writer nor a reader can change them", async () => {
			await open();
			const data = { price: 1.5, size: -0, bad: Infinity, gone: undefined, tags: ["a"] };
			const asJson = JSON.parse(JSON.stringify(data)) as typeof data;
			await store.append("AAPL", [{ seq: 1, data }], data);
			await store.putSnapshot("AAPL", { state: data });
			data.tags.push("changed by the writer");
			const reads = [async () => (await store.range("AAPL", 1, 1))[0].data, async () => (await store.tail("AAPL", 1))[0].data, () => store.getLatest("AAPL"), async () => (await store.getSnapshot<{ state: unknown }>("AAPL"))?.state];
			for (const read of reads) {
				const got = (await read()) as typeof data;
				expect(got).to.deep.equal(asJson);
				got.tags.push("changed by a reader");
				expect(await read()).to.deep.equal(asJson);
			}
		});

		it("gives handed-over entries and latest back as JSON would, and a reader cannot change them", async () => {
			await open();
			const data = { price: 1.5, size: -0, bad: NaN, gone: undefined, tags: ["a"] };
			const latest = { v: 1, price: 1.5, at: new Date(0) };
			await store.append("AAPL", [{ seq: 1, data }], latest, undefined, { handOver: true });
			const reads = [async () => (await store.range("AAPL", 1, 1))[0].data, async () => (await store.tail("AAPL", 1))[0].data];
			for (const read of reads) {
				const got = (await read()) as typeof data;
				expect(got).to.deep.equal({ price: 1.5, size: 0, bad: null, tags: ["a"] });
				got.tags.push("changed by a reader");
				expect(((await read()) as typeof data).tags).to.deep.equal(["a"]);
			}
			const got = await store.getLatest<Record<string, unknown>>("AAPL");
			expect(got).to.deep.equal({ v: 1, price: 1.5, at: "1970-01-01T00:00:00.000Z" });
		});

		it("reads a snapshot or latest value JSON makes no text of as none", async () => {
			await open();
			await store.append("AAPL", [{ seq: 1, data: { p: 1 } }], () => 1);
			await store.putSnapshot("AAPL", undefined);
			expect(await store.getLatest("AAPL")).to.equal(null);
			expect(await store.getSnapshot("AAPL")).to.equal(null);
		});

		it("appends entries with caller-given seqs and reads them back by range", async () => {
			await open();
			await store.append(
				"AAPL",
				[1, 2, 3].map(seq => ({ seq, data: { p: seq * 10 } })),
			);
			expect(await store.range("AAPL", 2, 10)).to.deep.equal([
				{ seq: 2, data: { p: 20 } },
				{ seq: 3, data: { p: 30 } },
			]);
			expect(await store.range("AAPL", 1, 2)).to.have.length(2);
			expect(await store.range("AAPL", 4, 10)).to.deep.equal([]);
			expect(await store.lastSeq("AAPL")).to.equal(3);
			expect(await store.tail("AAPL", 2)).to.deep.equal([
				{ seq: 2, data: { p: 20 } },
				{ seq: 3, data: { p: 30 } },
			]);
		});

		it("refuses a seq that is not after the last one and writes nothing of that batch", async () => {
			await open();
			await store.append("MSFT", [{ seq: 5, data: "a" }], { price: 1 });
			let err: unknown;
			try {
				await store.append(
					"MSFT",
					[
						{ seq: 5, data: "b" },
						{ seq: 6, data: "c" },
					],
					{ price: 2 },
				);
			} catch (e) {
				err = e;
			}
			expect(err).to.be.instanceOf(SequenceConflictError);
			expect((err as SequenceConflictError).lastSeq).to.equal(5);
			expect(await store.range("MSFT", 0, 10)).to.deep.equal([{ seq: 5, data: "a" }]);
			expect(await store.getLatest("MSFT")).to.deep.equal({ price: 1 });
		});

		it("writes nothing of a batch with an entry JSON cannot write, ticks before it included", async () => {
			await open();
			const tick = { symbol: "ORCL", price: 1, size: 1, ts: 1 };
			let err: unknown;
			try {
				await store.append("ORCL", [
					{ seq: 1, data: tick },
					{ seq: 2, data: { n: 1n } },
				]);
			} catch (e) {
				err = e;
			}
			expect(err).to.be.instanceOf(TypeError);
			expect([await store.range("ORCL", 0, 10), await store.lastSeq("ORCL")]).to.deep.equal([[], 0]);
			await store.append("ORCL", [{ seq: 1, data: tick }]);
			expect(await store.range("ORCL", 0, 10)).to.deep.equal([{ seq: 1, data: tick }]);
		});

		it("keeps symbols apart and lists the ones written", async () => {
			await open();
			await store.append("A", [{ seq: 1, data: 1 }]);
			await store.append("BRK.B", [{ seq: 1, data: 2 }]);
			expect(await store.range("A", 0, 10)).to.deep.equal([{ seq: 1, data: 1 }]);
			expect(await store.listSymbols()).to.deep.equal(["A", "BRK.B"]);
			expect([...(await store.knownSymbols(["NONE", "BRK.B", "A"]))].sort()).to.deep.equal(["A", "BRK.B"]);
			expect((await store.knownSymbols([])).size).to.equal(0);
			expect(await store.lastSeq("NONE")).to.equal(0);
			expect(await store.range("NONE", 0, 10)).to.deep.equal([]);
		});

		it("caps the log near maxLen and never lets the seq go backwards after trimming", async () => {
			await open({ maxLen: 100 });
			for (let b = 0; b < 30; b++) {
				await store.append(
					"X",
					Array.from({ length: 20 }, (_, i) => ({ seq: b * 20 + i + 1, data: i })),
				);
			}
			const all = await store.range("X", 0, 10_000);
			expect(all.length)
				.to.be.at.least(100)
				.and.at.most(600 - 1);
			expect(all[all.length - 1].seq).to.equal(600);
			expect(await store.lastSeq("X")).to.equal(600);
			try {
				await store.append("X", [{ seq: 1, data: 0 }]);
				expect.fail("an old seq was accepted after trimming");
			} catch (e) {
				expect(e).to.be.instanceOf(SequenceConflictError);
			}
		});

		it("expires the latest value after its TTL", async function () {
			// Redis expires on its own clock; the memory store on the injected one.
			let now = 1_000_000;
			await open({ latestTtlMs: 1000, now: () => now });
			await store.append("T", [{ seq: 1, data: 0 }], { price: 9 });
			expect(await store.getLatest("T")).to.deep.equal({ price: 9 });
			if (store.kind === "redis") {
				const ttl = await (store as RedisStore).client.pttl(store.key("T", "latest"));
				expect(ttl).to.be.within(1, 1000);
				await (store as RedisStore).client.pexpire(store.key("T", "latest"), 1);
				await new Promise(r => setTimeout(r, 5));
			} else {
				now += 1001;
			}
			expect(await store.getLatest("T")).to.equal(null);
		});

		it("puts and gets snapshots", async () => {
			await open();
			expect(await store.getSnapshot("S")).to.equal(null);
			await store.putSnapshot("S", { v: 1, seq: 10, bars: [1, 2] });
			expect(await store.getSnapshot("S")).to.deep.equal({ v: 1, seq: 10, bars: [1, 2] });
		});

		it("leases a symbol to one holder at a time, with a new epoch each time it is taken", async () => {
			await open();
			const a = await store.acquireLease("L", "node-a", 60_000);
			expect(a).to.deep.include({ type: "acquired", token: "node-a:1", epoch: 1 });
			const b = await store.acquireLease("L", "node-b", 60_000);
			expect(b.type).to.equal("held");
			expect(b).to.include({ holder: "node-a" });
			expect((b as { ttlMs: number }).ttlMs).to.be.within(1, 60_000);
			// The holder itself may take it again (a restarted node with the same id): new epoch.
			expect(await store.acquireLease("L", "node-a", 60_000)).to.deep.include({ token: "node-a:2", epoch: 2 });
			expect(await store.getLease("L")).to.deep.include({ token: "node-a:2", holder: "node-a", epoch: 2 });
			expect(await store.renewLease("L", "node-a:1", 60_000), "an old token renews nothing").to.equal(false);
			expect(await store.renewLease("L", "node-a:2", 60_000)).to.equal(true);
			expect(await store.releaseLease("L", "node-a:1")).to.equal(false);
			expect(await store.releaseLease("L", "node-a:2")).to.equal(true);
			expect(await store.getLease("L")).to.equal(null);
			expect(await store.acquireLease("L", "node-b", 60_000)).to.deep.include({ type: "acquired", token: "node-b:3", epoch: 3 });
		});

		it("fences writes: only the current lease token writes the log, latest and snapshot", async () => {
			await open();
			const a = (await store.acquireLease("F", "node-a", 60_000)) as { token: string };
			await store.append("F", [{ seq: 1, data: "a1" }], { p: 1 }, a.token);
			await store.putSnapshot("F", { seq: 1 }, a.token);
			await store.releaseLease("F", a.token);
			const b = (await store.acquireLease("F", "node-b", 60_000)) as { token: string };
			for (const write of [() => store.append("F", [{ seq: 2, data: "stale" }], { p: 2 }, a.token), () => store.putSnapshot("F", { seq: 2 }, a.token)]) {
				let err: unknown;
				try {
					await write();
				} catch (e) {
					err = e;
				}
				expect(err).to.be.instanceOf(FencedError);
				expect((err as FencedError).holder).to.equal("node-b");
			}
			expect(await store.range("F", 0, 10)).to.deep.equal([{ seq: 1, data: "a1" }]);
			expect(await store.getLatest("F")).to.deep.equal({ p: 1 });
			expect(await store.getSnapshot("F")).to.deep.equal({ seq: 1 });
			await store.append("F", [{ seq: 2, data: "b2" }], { p: 3 }, b.token);
			expect(await store.lastSeq("F")).to.equal(2);
		});

		it("lets a lease lapse when it is not renewed", async () => {
			let now = 5_000_000;
			await open({ now: () => now });
			await store.acquireLease("X", "node-a", 100);
			if (store.kind === "redis") await new Promise(r => setTimeout(r, 150));
			else now += 101;
			expect(await store.getLease("X")).to.equal(null);
			expect(await store.acquireLease("X", "node-b", 60_000)).to.deep.include({ type: "acquired", token: "node-b:2" });
		});

		it("uses {SYM} hash-tagged key names", async () => {
			await open();
			expect(store.key("AAPL", "ticks")).to.match(/^[^{]+:\{AAPL\}:ticks$/);
			expect(store.key("AAPL", "latest")).to.match(/\{AAPL\}:latest$/);
			expect(store.key("AAPL", "snap")).to.match(/\{AAPL\}:snap$/);
		});
	});
}

// The one fenced lease API (lib/keyed/lease.ts), wherever it is kept: the symbol store's leases
// (keyed by symbol, fencing its writes) and the KV's (any key: ingest, intelligence streams).
const leaseAdapters: Array<{ name: string; make(now: () => number): Promise<{ leases: Leases; close(): Promise<void> }> }> = [
	{ name: "MemoryStore.leases", make: async now => new MemoryStore({ now }) },
	{ name: "MemoryKv.leases", make: async now => new MemoryKv({ now }) },
	{
		name: "RedisStore.leases",
		make: async () => {
			const s = new RedisStore({ url: redis.url, prefix: `t${process.pid}x${++prefixSeq}` });
			await s.connect();
			return s;
		},
	},
	{
		name: "RedisKv.leases",
		make: async () => {
			const kv = new RedisKv({ url: redis.url, prefix: `t${process.pid}x${++prefixSeq}:` });
			await kv.connect();
			return kv;
		},
	},
];

for (const adapter of leaseAdapters) {
	describe(`Lease contract: ${adapter.name}`, () => {
		let now = 7_000_000;
		let backend: { leases: Leases; close(): Promise<void> };
		const lapse = async (ms: number) => (adapter.name.startsWith("Redis") ? new Promise(r => setTimeout(r, ms)) : void (now += ms));
		beforeEach(async () => (backend = await adapter.make(() => now)));
		afterEach(() => backend.close());

		it("grants one holder at a time; the epoch in the token grows with every acquisition and fences the old token", async () => {
			const { leases } = backend;
			const a = await leases.acquire("K", "node-a", 60_000);
			expect(a).to.deep.equal({ type: "acquired", token: "node-a:1", epoch: 1 });
			const held = await leases.acquire("K", "node-b", 60_000);
			expect(held).to.deep.include({ type: "held", holder: "node-a" });
			expect(await leases.acquire("K", "node-a", 60_000)).to.deep.equal({ type: "acquired", token: "node-a:2", epoch: 2 });
			expect(await leases.renew("K", "node-a:1", 60_000), "a superseded token renews nothing").to.equal(false);
			expect(await leases.release("K", "node-a:1"), "nor releases").to.equal(false);
			expect(await leases.get("K")).to.deep.include({ token: "node-a:2", holder: "node-a", epoch: 2 });
			expect(await leases.renew("K", "node-a:2", 60_000)).to.equal(true);
			expect(await leases.release("K", "node-a:2")).to.equal(true);
			expect(await leases.get("K")).to.equal(null);
			expect(await leases.renew("K", "node-a:2", 60_000), "a released lease is not renewed").to.equal(false);
			expect(await leases.acquire("K", "node-b", 60_000)).to.deep.equal({ type: "acquired", token: "node-b:3", epoch: 3 });
		});

		it("lapses without renewal, and the next holder's epoch is still a new one", async () => {
			const { leases } = backend;
			await leases.acquire("T", "node-a", 60);
			await lapse(120);
			expect(await leases.get("T")).to.equal(null);
			expect(await leases.renew("T", "node-a:1", 60_000)).to.equal(false);
			expect(await leases.acquire("T", "node-b", 60_000)).to.deep.include({ type: "acquired", epoch: 2 });
		});

		it("lets exactly one of many concurrent acquirers win", async () => {
			const results = await Promise.all(["n1", "n2", "n3", "n4", "n5"].map(n => backend.leases.acquire("C", n, 60_000)));
			expect(results.filter(r => r.type === "acquired")).to.have.length(1);
		});
	});
}

describe("RedisStore when Redis refuses a write for another reason", () => {
	it("reports an out-of-memory refusal as unavailable, not as a sequence conflict", async () => {
		const store = new RedisStore({ url: redis.url, prefix: `oom${process.pid}` });
		await store.connect();
		await store.client.config("SET", "maxmemory-policy", "noeviction");
		await store.client.config("SET", "maxmemory", "1");
		try {
			let err: unknown;
			try {
				await store.append("O", [{ seq: 1, data: 1 }]);
			} catch (e) {
				err = e;
			}
			expect(err).to.be.instanceOf(StoreUnavailableError);
			expect((err as Error).message).to.match(/OOM/);
		} finally {
			await store.client.config("SET", "maxmemory", "0");
		}
		await store.append("O", [{ seq: 1, data: 1 }]);
		expect(await store.lastSeq("O")).to.equal(1);
		await store.close();
	});
});

describe("RedisStore when Redis is down", () => {
	it("fails fast with StoreUnavailableError and recovers when Redis is back", async () => {
		const store = new RedisStore({ url: redis.url, prefix: `down${process.pid}` });
		await store.connect();
		await store.append("D", [{ seq: 1, data: 1 }]);
		await redis.kill();
		try {
			const t0 = Date.now();
			let err: unknown;
			try {
				await store.append("D", [{ seq: 2, data: 2 }]);
			} catch (e) {
				err = e;
			}
			expect(err).to.be.instanceOf(StoreUnavailableError);
			expect(Date.now() - t0).to.be.below(3000);
		} finally {
			await redis.restart();
		}
		// The server restarted empty (no persistence in tests); the client reconnects by itself.
		const { waitFor } = await import("../helpers/ports.ts");
		await waitFor(() => store.ping().then(() => true), { what: "redis reconnect" });
		await store.append("D", [{ seq: 3, data: 3 }]);
		expect(await store.lastSeq("D")).to.equal(3);
		await store.close();
	});
});
