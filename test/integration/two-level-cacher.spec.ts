/**
 * middlewares/two-level-cacher.ts as Moleculer's cacher on real brokers and a real redis-server:
 * actions opt in with `cache: { keys, ttl }` and each entry lives its action's TTL in both levels;
 * the L1 LRU stays within its entry and byte bounds and counts what it evicts; Redis going away
 * makes L2 a counted miss, never an error; `clean` by glob and `getCacheKeys` (what the REPL's
 * `cache clear` and `cache keys` call) see both levels.
 */
import { expect } from "chai";
import { Redis } from "ioredis";
import { ServiceBroker, type Context } from "moleculer";
import { TwoLevelCacher, type TwoLevelCacherOptions } from "../../middlewares/two-level-cacher.ts";
import { startRedis, type TestServer } from "../helpers/servers.ts";
import { waitFor } from "../helpers/ports.ts";

const PREFIX = "rk-tlc";
/** The `id` param of a cache key (`svc.metrics:"1"|10`). */
const idOf = (key: string) => /:"?([^"|]+)/.exec(key)![1];

describe("two-level cacher: Moleculer `cache` options on real brokers, L2 on a real redis-server", function () {
	this.timeout(30_000);
	let redis: TestServer;
	let client: Redis;
	const brokers: ServiceBroker[] = [];
	/** Handler runs per action: a cached answer does not run it. */
	let runs: Record<string, number>;

	async function start(nodeID: string, over: Partial<TwoLevelCacherOptions> = {}): Promise<{ broker: ServiceBroker; cacher: TwoLevelCacher }> {
		const cacher = new TwoLevelCacher({ redisUrl: redis.url, l1MaxEntries: 100, l1MaxBytes: 1 << 20, compressAbove: 1024, ttl: 300, prefix: PREFIX, ...over });
		const broker = new ServiceBroker({ nodeID, logger: false, cacher: cacher as never });
		const answer = (name: string) => (ctx: Context<{ id: string; size?: number }>) => {
			runs[name] = (runs[name] ?? 0) + 1;
			return { id: ctx.params.id, by: nodeID, pad: "x".repeat(ctx.params.size ?? 10) };
		};
		broker.createService({
			name: "svc",
			actions: {
				// Two data types with their own TTLs, as `cache.ttlSeconds` gives them to real actions.
				metrics: { cache: { keys: ["id", "size"], ttl: 60 }, handler: answer("metrics") },
				insights: { cache: { keys: ["id", "size"], ttl: 1800 }, handler: answer("insights") },
			},
		});
		await broker.start();
		if (cacher.redis) await waitFor(() => cacher.redis!.status === "ready", { what: `${nodeID}'s L2 connected` });
		brokers.push(broker);
		return { broker, cacher };
	}
	const pttl = async (action: string, id: string) => {
		const [key] = await client.keys(`${PREFIX}*${action}*${id}*`);
		expect(key, `an L2 key for ${action} ${id}`).to.be.a("string");
		return client.pttl(key);
	};

	before(async () => {
		redis = await startRedis();
		client = new Redis(redis.url);
	});
	beforeEach(async () => {
		runs = {};
		await client.flushall();
	});
	afterEach(async () => {
		for (const b of brokers.splice(0)) await b.stop();
	});
	after(async () => {
		client?.disconnect();
		await redis?.stop();
	});

	it("runs the action once; then L1 on the node, L2 on another node (copied into its L1); each entry lives its action's TTL", async () => {
		const a = await start("tlc-a");
		const b = await start("tlc-b");
		expect(await a.broker.call("svc.insights", { id: "1" })).to.include({ by: "tlc-a" });
		expect(await a.broker.call("svc.insights", { id: "1" })).to.include({ by: "tlc-a" });
		expect(await b.broker.call("svc.insights", { id: "1" }), "node b is served node a's answer").to.include({ by: "tlc-a" });
		expect(await b.broker.call("svc.insights", { id: "1" })).to.include({ by: "tlc-a" });
		expect(runs).to.deep.equal({ insights: 1 });
		expect(a.cacher.stats.l1).to.include({ hits: 1, misses: 1, sets: 1 });
		expect(a.cacher.stats.l2).to.include({ hits: 0, misses: 1, sets: 1 });
		expect(b.cacher.stats.l1).to.include({ hits: 1, misses: 1, sets: 0 });
		expect(b.cacher.stats.l2).to.include({ hits: 1, misses: 0, sets: 0 });

		await a.broker.call("svc.metrics", { id: "1" });
		const [metricsTtl, insightsTtl] = [await pttl("metrics", "1"), await pttl("insights", "1")];
		expect(metricsTtl).to.be.within(55_000, 60_000);
		expect(insightsTtl).to.be.within(1_795_000, 1_800_000);
		// The L1 copies expire with the entry: node a's from its own set, node b's from L2's remaining TTL.
		const l1Ttl = (c: TwoLevelCacher, action: string) => c.l1.getRemainingTTL([...c.l1.keys()].find(k => k.startsWith(`svc.${action}:`))!);
		expect(l1Ttl(a.cacher, "metrics")).to.be.within(55_000, 60_000);
		expect(l1Ttl(b.cacher, "insights")).to.be.within(1_795_000, 1_800_000);
	});

	it("L1 stays within its entry and byte bounds, evicting the least recently used and counting each eviction", async () => {
		const { broker, cacher } = await start("tlc-lru", { redisUrl: null, l1MaxEntries: 3, l1MaxBytes: 3100 });
		for (const id of ["1", "2", "3"]) await broker.call("svc.metrics", { id });
		await broker.call("svc.metrics", { id: "1" }); // now 2 is the least recently used
		await broker.call("svc.metrics", { id: "4" });
		expect(cacher.stats.l1.evictions).to.equal(1);
		expect([...cacher.l1.keys()].map(idOf).sort()).to.deep.equal(["1", "3", "4"]);
		// A ~3,040-byte answer (small ones take ~40): the byte bound (3,100) leaves room for it and one small entry.
		await broker.call("svc.metrics", { id: "big", size: 3000 });
		expect([...cacher.l1.keys()].map(idOf)).to.deep.equal(["big", "4"]);
		expect(cacher.l1.calculatedSize).to.be.within(3000, 3100);
		expect(cacher.stats.l1.evictions).to.equal(3);
		expect(cacher.status().l1).to.include({ entries: 2, bytes: cacher.l1.calculatedSize, evictions: 3, max_entries: 3, max_bytes: 3100 });
		expect(cacher.status().l2, "no Redis: L1 only").to.equal(null);
	});

	it("Redis away: L2 is a counted miss and the action answers; back again, L2 serves", async () => {
		const { broker, cacher } = await start("tlc-down", { l1MaxEntries: 100 });
		await redis.kill();
		try {
			await waitFor(() => cacher.status().l2?.connected === false, { what: "the cacher's Redis client saw the server go" });
			expect(await broker.call("svc.metrics", { id: "d1" })).to.include({ id: "d1" });
			expect(runs.metrics).to.equal(1);
			expect(cacher.stats.l2.errors, "the failed L2 read and write").to.equal(2);
			expect(cacher.stats.l2.hits + cacher.stats.l2.sets).to.equal(0);
		} finally {
			await redis.restart();
		}
		await waitFor(() => cacher.redis!.status === "ready", { what: "the cacher's Redis client reconnected by itself" });
		cacher.cleanL1("**");
		await broker.call("svc.metrics", { id: "d2" });
		cacher.cleanL1("**");
		expect(await broker.call("svc.metrics", { id: "d2" })).to.include({ id: "d2" });
		expect(runs.metrics, "d2 answered from L2 the second time").to.equal(2);
		expect(cacher.stats.l2.hits).to.equal(1);
	});

	it("clean by glob empties both levels of the matching keys only; getCacheKeys lists both levels (REPL `cache keys`)", async () => {
		const a = await start("tlc-clean-a");
		const b = await start("tlc-clean-b");
		await a.broker.call("svc.metrics", { id: "m" });
		await a.broker.call("svc.insights", { id: "i" });
		await b.broker.call("svc.insights", { id: "only-b" });
		const levels = Object.fromEntries((await a.cacher.getCacheKeys()).map(k => [idOf(k.key), k.level]));
		expect(levels).to.deep.equal({ m: "l1+l2", i: "l1+l2", "only-b": "l2" });
		await a.cacher.clean("svc.insights:**");
		expect((await a.cacher.getCacheKeys()).map(k => k.key)).to.have.length(1);
		expect((await a.cacher.getCacheKeys())[0].key).to.match(/^svc\.metrics:/);
		// Node b's L1 copy is its own (the monitor service's `cache.cleared` broadcast drops it); L2 is gone.
		b.cacher.cleanL1("**");
		await b.broker.call("svc.insights", { id: "only-b" });
		expect(runs.insights).to.equal(3);
	});
});
