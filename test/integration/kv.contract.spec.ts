/**
 * One contract for both KV backends: MemoryKv must behave as RedisKv does (values, TTLs, hashes,
 * capped streams, leases), or embedded mode would hide bugs that only show in a cluster.
 */
import { expect } from "chai";
import fc from "fast-check";
import { MemoryKv, RedisKv, type KvScored, type KvStore } from "../../lib/kv/index.ts";
import { UnavailableError } from "../../lib/protocol/errors.ts";
import { startRedis, type TestServer } from "../helpers/servers.ts";

interface Adapter {
	name: string;
	/** Real time for Redis (its TTLs run on its own clock); a fake clock for memory. */
	make(): Promise<{ kv: KvStore; advance(ms: number): Promise<void> }>;
}

let redis: TestServer;
let prefixSeq = 0;
const adapters: Adapter[] = [
	{
		name: "MemoryKv",
		make: async () => {
			let t = 1_000_000;
			return { kv: new MemoryKv({ now: () => t }), advance: async ms => void (t += ms) };
		},
	},
	{
		name: "RedisKv",
		make: async () => {
			const kv = new RedisKv({ url: redis.url, prefix: `t${process.pid}x${++prefixSeq}:` });
			await kv.connect();
			return { kv, advance: ms => new Promise(r => setTimeout(r, ms)) };
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
	describe(`KV contract: ${adapter.name}`, () => {
		let kv: KvStore;
		let advance: (ms: number) => Promise<void>;
		beforeEach(async () => ({ kv, advance } = await adapter.make()));
		afterEach(async () => kv?.close());

		it("gets, sets and deletes JSON values", async () => {
			expect(await kv.get("a")).to.equal(null);
			await kv.set("a", { x: 1, s: "é" });
			expect(await kv.get("a")).to.deep.equal({ x: 1, s: "é" });
			await kv.set("a", "plain");
			expect(await kv.get("a")).to.equal("plain");
			expect(await kv.del("a")).to.equal(true);
			expect(await kv.del("a")).to.equal(false);
			expect(await kv.get("a")).to.equal(null);
		});

		it("gives values back as JSON would, and neither their writer nor a reader can change what is stored", async () => {
			const value = { n: -0, bad: NaN, gone: undefined, list: [1, undefined], at: new Date(0), nested: { k: ["a"] } };
			const asJson = JSON.parse(JSON.stringify(value)) as unknown;
			await kv.set("v", value);
			await kv.hset("h", "f", value);
			await kv.streamAppendMany("s", [value], 100);
			value.nested.k.push("changed by the writer");
			for (const read of [() => kv.get("v"), () => kv.hget("h", "f"), async () => (await kv.streamTail("s", 1))[0].value]) {
				const got = (await read()) as typeof value;
				expect(got).to.deep.equal(asJson);
				got.nested.k.push("changed by a reader");
				expect(await read()).to.deep.equal(asJson);
			}
			expect(await kv.hgetall("h")).to.deep.equal({ f: asJson });
		});

		it("expires a value set with a TTL, and not one set without", async () => {
			await kv.set("short", 1, 40);
			await kv.set("long", 2);
			expect(await kv.get("short")).to.equal(1);
			await advance(80);
			expect(await kv.get("short")).to.equal(null);
			expect(await kv.get("long")).to.equal(2);
		});

		it("keeps hash fields apart and removes a field on hdel", async () => {
			expect(await kv.hgetall("h")).to.deep.equal({});
			await kv.hset("h", "AAPL", { enabled: true });
			await kv.hset("h", "MSFT", { enabled: false });
			expect(await kv.hget("h", "AAPL")).to.deep.equal({ enabled: true });
			expect(await kv.hget("h", "NOPE")).to.equal(null);
			expect(await kv.hgetall("h")).to.deep.equal({ AAPL: { enabled: true }, MSFT: { enabled: false } });
			expect(await kv.hdel("h", "AAPL")).to.equal(true);
			expect(await kv.hdel("h", "AAPL")).to.equal(false);
			expect(await kv.hgetall("h")).to.deep.equal({ MSFT: { enabled: false } });
		});

		it("hsetMax keeps a field's high-water mark: it sets a new or larger value, never a smaller one", async () => {
			await kv.hsetMax("hm", "r1", 1_700_000_000_500);
			await kv.hsetMax("hm", "r1", 1_700_000_000_100);
			expect(await kv.hget("hm", "r1")).to.equal(1_700_000_000_500);
			await kv.hsetMax("hm", "r1", 1_700_000_000_900);
			await kv.hsetMax("hm", "r2", -5);
			expect(await kv.hgetall("hm")).to.deep.equal({ r1: 1_700_000_000_900, r2: -5 });
			// Concurrent calls: the largest wins whatever the order they run in.
			await Promise.all([kv.hsetMax("hm", "r3", 300), kv.hsetMax("hm", "r3", 200)]);
			await Promise.all([kv.hsetMax("hm", "r4", 200), kv.hsetMax("hm", "r4", 300), kv.hsetMax("hm", "r4", 100)]);
			expect(await kv.hget("hm", "r3")).to.equal(300);
			expect(await kv.hget("hm", "r4")).to.equal(300);
		});

		it("appends many to a stream in one call, in order, after single appends", async () => {
			const first = await kv.streamAppend("m", { i: 0 }, 100);
			const ids = await kv.streamAppendMany(
				"m",
				[1, 2, 3].map(i => ({ i })),
				100,
			);
			expect(ids).to.have.length(3);
			expect(new Set([first, ...ids]).size).to.equal(4);
			const tail = await kv.streamTail<{ i: number }>("m", 10);
			expect(tail.map(e => e.value.i)).to.deep.equal([0, 1, 2, 3]);
			expect(tail.map(e => e.id)).to.deep.equal([first, ...ids]);
			expect(await kv.streamAppendMany("m", [], 100)).to.deep.equal([]);
		});

		it("appends none of a batch to a stream when one of its values JSON cannot write", async () => {
			const first = await kv.streamAppend("x", { i: 0 }, 100);
			const err = await kv.streamAppendMany("x", [{ i: 1 }, { i: 2, n: 1n }], 100).then(
				() => null,
				(e: unknown) => e,
			);
			expect(err, "a BigInt has no JSON").to.be.instanceOf(TypeError);
			const ids = await kv.streamAppendMany("x", [{ i: 3 }], 100);
			const tail = await kv.streamTail<{ i: number }>("x", 10);
			expect(tail.map(e => e.value.i)).to.deep.equal([0, 3]);
			expect(tail.map(e => e.id)).to.deep.equal([first, ...ids]);
		});

		it("gives handed-over stream values back as JSON would, and a reader cannot change them", async () => {
			const values = [
				{ i: 1, bad: NaN, size: -0, gone: undefined, tags: ["a"] },
				{ i: 2, at: new Date(0) },
			];
			await kv.streamAppendMany("h", values, 100, { handOver: true });
			const read = async () => (await kv.streamTail<Record<string, unknown>>("h", 10)).map(e => e.value);
			const got = await read();
			expect(got).to.deep.equal([
				{ i: 1, bad: null, size: 0, tags: ["a"] },
				{ i: 2, at: "1970-01-01T00:00:00.000Z" },
			]);
			(got[0].tags as string[]).push("changed by a reader");
			expect((await read())[0].tags).to.deep.equal(["a"]);
		});

		it("appends to a capped stream and reads the newest N oldest first", async () => {
			const ids: string[] = [];
			for (let i = 0; i < 500; i++) ids.push(await kv.streamAppend("s", { i }, 100));
			expect(new Set(ids).size).to.equal(500);
			const tail = await kv.streamTail<{ i: number }>("s", 3);
			expect(tail.map(e => e.value.i)).to.deep.equal([497, 498, 499]);
			expect(tail.map(e => e.id)).to.deep.equal(ids.slice(-3));
			// MAXLEN ~ keeps at least maxLen and trims the rest (approximately).
			const all = await kv.streamTail<{ i: number }>("s", 10_000);
			expect(all.length).to.be.at.least(100).and.below(500);
			expect(all.at(-1)!.value.i).to.equal(499);
			expect(await kv.streamTail("none", 5)).to.deep.equal([]);
			expect(await kv.streamTail("s", 0)).to.deep.equal([]);
		});

		it("grants a lease to one holder at a time; renew and release only by the holder", async () => {
			expect(await kv.acquireLease("L", "a", 5000)).to.equal(true);
			expect(await kv.acquireLease("L", "b", 5000)).to.equal(false);
			expect(await kv.acquireLease("L", "a", 5000)).to.equal(true);
			expect(await kv.leaseHolder("L")).to.equal("a");
			expect(await kv.renewLease("L", "b", 5000)).to.equal(false);
			expect(await kv.renewLease("L", "a", 5000)).to.equal(true);
			expect(await kv.releaseLease("L", "b")).to.equal(false);
			expect(await kv.releaseLease("L", "a")).to.equal(true);
			expect(await kv.leaseHolder("L")).to.equal(null);
			expect(await kv.renewLease("L", "a", 5000)).to.equal(false);
			expect(await kv.acquireLease("L", "b", 5000)).to.equal(true);
		});

		it("lets a lease lapse after its TTL so another holder can take it", async () => {
			expect(await kv.acquireLease("L2", "a", 40)).to.equal(true);
			await advance(80);
			expect(await kv.leaseHolder("L2")).to.equal(null);
			expect(await kv.renewLease("L2", "a", 40)).to.equal(false);
			expect(await kv.acquireLease("L2", "b", 1000)).to.equal(true);
		});

		it("counts with incrBy", async () => {
			expect(await kv.incrBy("n", 5)).to.equal(5);
			expect(await kv.incrBy("n", 3)).to.equal(8);
			expect(await kv.get("n")).to.equal(8);
		});

		it("setIfAbsent writes once and answers the first value after", async () => {
			expect(await kv.setIfAbsent("once", { a: 1 }, 60)).to.equal(null);
			expect(await kv.setIfAbsent("once", { a: 2 }, 60)).to.deep.equal({ a: 1 });
			expect(await kv.get("once")).to.deep.equal({ a: 1 });
			await advance(90);
			expect(await kv.setIfAbsent("once", { a: 3 })).to.equal(null);
			expect(await kv.get("once")).to.deep.equal({ a: 3 });
		});

		it("keeps a sorted set in (score, member) order, ranges and trims by score", async () => {
			await kv.zadd("z", [
				{ score: 30, member: "c" },
				{ score: 10, member: "b" },
				{ score: 10, member: "a" },
				{ score: 20, member: "d" },
			]);
			await kv.zadd("z", [{ score: 40, member: "d" }]);
			const all = await kv.zrangeByScore("z", -Infinity, Infinity, 100);
			expect(all).to.deep.equal([
				{ score: 10, member: "a" },
				{ score: 10, member: "b" },
				{ score: 30, member: "c" },
				{ score: 40, member: "d" },
			]);
			expect(await kv.zrangeByScore("z", 10, 30, 2, { score: 10, member: "a" })).to.deep.equal([
				{ score: 10, member: "b" },
				{ score: 30, member: "c" },
			]);
			// A position that is not a member: past it, in (score, member) order.
			expect(await kv.zrangeByScore("z", -Infinity, Infinity, 10, { score: 10, member: "aa" })).to.deep.equal([
				{ score: 10, member: "b" },
				{ score: 30, member: "c" },
				{ score: 40, member: "d" },
			]);
			expect(await kv.zrangeByScore("z", 35, Infinity, 10, { score: 10, member: "a" })).to.deep.equal([{ score: 40, member: "d" }]);
			expect(await kv.zrangeByScore("z", -Infinity, 35, 10, { score: 40, member: "d" })).to.deep.equal([]);
			expect(await kv.zrangeByScore("z", 11, 29, 10)).to.deep.equal([]);
			expect(await kv.zremRangeByScore("z", -Infinity, 10)).to.equal(2);
			expect((await kv.zrangeByScore("z", -Infinity, Infinity, 10)).map(e => e.member)).to.deep.equal(["c", "d"]);
			expect(await kv.zremRangeByScore("z", 0, 100)).to.equal(2);
			expect(await kv.zrangeByScore("z", -Infinity, Infinity, 10)).to.deep.equal([]);
		});

		it("pages a sorted set past the last member read, any position, in Redis's byte order", async () => {
			// Members that are prefixes of each other, bytes past ASCII, many of one score, infinite
			// scores and bounds. (Not U+E000–U+FFFF beside characters past U+FFFF: MemoryKv's `<`
			// orders those by UTF-16 unit, lib/kv/memory-kv.ts.)
			const member = fc.string({ unit: fc.constantFrom("a", "b", "B", "0", "~", "é", "\u{1F600}"), maxLength: 3 });
			const score = fc.constantFrom(Number.NEGATIVE_INFINITY, -1.5, 0, 1, 2, Number.POSITIVE_INFINITY);
			const row = fc.record({ score, member });
			const bytes = (m: string) => Buffer.from(m);
			const order = (a: KvScored, b: KvScored) => (a.score === b.score ? 0 : a.score < b.score ? -1 : 1) || Buffer.compare(bytes(a.member), bytes(b.member));
			let run = 0;
			await fc.assert(
				fc.asyncProperty(fc.array(row, { maxLength: 40 }), fc.option(row, { nil: undefined }), fc.integer({ min: 1, max: 7 }), score, score, async (rows, at, count, min, max) => {
					const key = `zp${++run}`;
					await kv.zadd(key, rows);
					const model = new Map(rows.map(r => [r.member, r.score]));
					const held = [...model].map(([m, score]) => ({ score, member: m })).sort(order);
					const want = held.filter(r => r.score >= min && r.score <= max && (!at || order(r, at) > 0)).slice(0, count);
					expect(await kv.zrangeByScore(key, min, max, count, at)).to.deep.equal(want);
					// Paged to the end, past each page's last member: every member once, in order.
					const paged: KvScored[] = [];
					for (let page = await kv.zrangeByScore(key, -Infinity, Infinity, count); page.length > 0; page = await kv.zrangeByScore(key, -Infinity, Infinity, count, page.at(-1))) paged.push(...page);
					expect(paged).to.deep.equal(held);
				}),
				{ numRuns: adapter.name === "RedisKv" ? 60 : 300 },
			);
		});

		it("removes sorted-set members by name and counts them", async () => {
			await kv.zadd("zr", [
				{ score: 5, member: "x" },
				{ score: 5, member: "y" },
				{ score: 7, member: "z" },
			]);
			expect(await kv.zcard("zr")).to.equal(3);
			expect(await kv.zrem("zr", ["y", "missing"])).to.equal(1);
			expect((await kv.zrangeByScore("zr", -Infinity, Infinity, 10)).map(e => e.member)).to.deep.equal(["x", "z"]);
			expect(await kv.zrem("zr", ["x", "z"])).to.equal(2);
			expect(await kv.zcard("zr")).to.equal(0);
			expect(await kv.zrem("nothing", ["a"])).to.equal(0);
		});

		it("zaddCapped admits members up to the cap, one winner among concurrent adds for the last place", async () => {
			expect(await kv.zaddCapped("zc", { score: 1, member: "a" }, 2)).to.equal(true);
			const racers = await Promise.all(["b", "c", "d", "e"].map((m, i) => kv.zaddCapped("zc", { score: 2 + i, member: m }, 2)));
			expect(racers.filter(Boolean)).to.have.length(1);
			expect(await kv.zcard("zc")).to.equal(2);
			expect(await kv.zaddCapped("zc", { score: 9, member: "a" }, 2)).to.equal(true); // already there: rescored
			expect((await kv.zrangeByScore("zc", -Infinity, Infinity, 10)).at(-1)).to.deep.equal({ score: 9, member: "a" });
			expect(await kv.zaddCapped("zc", { score: 1, member: "z" }, 0)).to.equal(false);
		});
	});
}

describe("RedisKv when Redis is down", () => {
	it("throws UnavailableError (503, retryable) from connect and from every call", async () => {
		const dead = await startRedis();
		const kv = new RedisKv({ url: dead.url, redis: { retryStrategy: () => null } });
		await kv.connect();
		await kv.set("x", 1);
		// The client has seen the connection close (retryStrategy null: it gives up at once).
		const ended = new Promise(r => kv.client.once("end", r));
		await dead.stop();
		await ended;
		const calls = [() => kv.get("x"), () => kv.set("x", 2), () => kv.hgetall("h"), () => kv.streamAppend("s", 1, 10), () => kv.streamAppendMany("s", [1], 10), () => kv.acquireLease("L", "a", 100), () => kv.ping()];
		for (const call of calls) {
			const err = await call().then(
				() => null,
				(e: unknown) => e,
			);
			expect(err).to.be.instanceOf(UnavailableError);
			expect((err as UnavailableError).code).to.equal(503);
		}
		await kv.close();
		const never = new RedisKv({ url: dead.url, redis: { retryStrategy: () => null } });
		const err = await never.connect().then(
			() => null,
			(e: unknown) => e,
		);
		expect(err).to.be.instanceOf(UnavailableError);
		await never.close();
	});
});
