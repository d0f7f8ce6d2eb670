import { expect } from "chai";
import { Redis } from "ioredis";
import { MemoryRateLimiter } from "../../../lib/ratelimit/token-bucket.ts";
import { RedisRateLimiter } from "../../../lib/ratelimit/redis-rate-limiter.ts";
import { startRedis, type TestServer } from "../../helpers/servers.ts";

describe("lib/ratelimit", () => {
	describe("MemoryRateLimiter", () => {
		it("allows the burst, refuses the next with the wait until one token, and refills over time", async () => {
			let now = 1_000_000;
			const rl = new MemoryRateLimiter({ now: () => now, maxKeys: 100 });
			const spec = { ratePerSecond: 2, burst: 3 };
			const r = [];
			for (let i = 0; i < 4; i++) r.push(await rl.take("k", spec));
			expect(r.map(x => x.allowed)).to.deep.equal([true, true, true, false]);
			expect(r.map(x => x.remaining)).to.deep.equal([2, 1, 0, 0]);
			expect(r[3].retryAfterMs).to.equal(500);
			expect(r[3].resetMs).to.equal(1500);
			now += 500;
			expect((await rl.take("k", spec)).allowed).to.equal(true);
			expect((await rl.take("k", spec)).allowed).to.equal(false);
			expect((await rl.take("other", spec)).allowed, "buckets are per key").to.equal(true);
		});

		it("treats rate 0 as unlimited and stays bounded in keys", async () => {
			const rl = new MemoryRateLimiter({ now: () => 0, maxKeys: 50 });
			for (let i = 0; i < 10; i++) expect((await rl.take("k", { ratePerSecond: 0, burst: 1 })).allowed).to.equal(true);
			for (let i = 0; i < 500; i++) await rl.take(`ip${i}`, { ratePerSecond: 1, burst: 5 });
			expect(rl.size).to.be.at.most(50);
		});
	});

	describe("RedisRateLimiter (real redis-server)", function () {
		this.timeout(20_000);
		let redis: TestServer;
		const clients: Redis[] = [];
		before(async () => {
			redis = await startRedis();
		});
		after(async () => {
			for (const c of clients) c.disconnect();
			await redis?.stop();
		});
		const limiter = () => {
			const c = new Redis(redis.url);
			clients.push(c);
			return new RedisRateLimiter(c, `t${Math.random()}:`);
		};

		it("shares one bucket between limiters on separate connections (two gateway nodes), atomically", async () => {
			const a = limiter();
			const b = new RedisRateLimiter(clients[0], (a as unknown as { prefix: string }).prefix);
			const c2 = new Redis(redis.url);
			clients.push(c2);
			const b2 = new RedisRateLimiter(c2, b.prefix);
			const spec = { ratePerSecond: 0.001, burst: 25 };
			// 60 concurrent takes from two connections: exactly the burst passes.
			const results = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? a : b2).take("user1", spec)));
			expect(results.filter(r => r.allowed)).to.have.length(25);
			const refused = results.find(r => !r.allowed)!;
			expect(refused.remaining).to.equal(0);
			expect(refused.retryAfterMs).to.be.greaterThan(900_000);
		});

		/** A limiter whose script calls are counted, on a connection of its own. */
		const counted = (prefix: string, opts: ConstructorParameters<typeof RedisRateLimiter>[2] = {}) => {
			const c = new Redis(redis.url);
			clients.push(c);
			const rl = new RedisRateLimiter(c, prefix, opts);
			const calls = { n: 0 };
			const client = c as unknown as { rkRateTake(...a: unknown[]): Promise<unknown> };
			const take = client.rkRateTake.bind(c);
			client.rkRateTake = (...a) => (calls.n++, take(...a));
			return { rl, calls, client: c };
		};
		const bucketTokens = async (c: Redis, key: string) => Number(await c.hget(key, "tokens"));

		it("takes one token a script call from a bucket under 200 a second, as the burst test above counts", async () => {
			const { rl, calls } = counted(`t${Math.random()}:`);
			const spec = { ratePerSecond: 100, burst: 200 };
			expect(rl.reservationSize(spec)).to.equal(1);
			const r = [];
			for (let i = 0; i < 30; i++) r.push(await rl.take("k", spec));
			expect(r.every(x => x.allowed)).to.equal(true);
			expect(r.slice(0, 3).map(x => x.remaining)).to.deep.equal([199, 198, 197]);
			expect(calls.n).to.equal(30);
		});

		it("reserves a fast bucket's tokens 10 ms of rate at a time: 5,000/s costs one script call per 50 requests, and concurrent requests share one call", async () => {
			const prefix = `t${Math.random()}:`;
			const { rl, calls, client } = counted(prefix);
			const spec = { ratePerSecond: 5000, burst: 10_000 };
			expect(rl.reservationSize(spec)).to.equal(50);
			for (let i = 0; i < 120; i++) expect((await rl.take("k", spec)).allowed).to.equal(true);
			expect(calls.n).to.equal(3);
			// The shared bucket gave out exactly what was reserved (plus what refilled meanwhile).
			const left = await bucketTokens(client, `${prefix}k`);
			expect(left)
				.to.be.at.least(10_000 - 150)
				.and.at.most(10_000 - 50);
			// 200 at once on a new key: one call in flight at a time, so four calls, not 200.
			const results = await Promise.all(Array.from({ length: 200 }, () => rl.take("burst", spec)));
			expect(results.every(r => r.allowed)).to.equal(true);
			expect(calls.n - 3).to.equal(4);
		});

		it("never admits more than the shared bucket gives, over two nodes' reservations, and refuses once it is spent", async () => {
			const prefix = `t${Math.random()}:`;
			// A reservation of 10 from a bucket of 200 refilled at 1 a second: the refill cannot blur the count.
			const opts = { reserveMs: 10_000 };
			const a = counted(prefix, opts);
			const b = counted(prefix, opts);
			const spec = { ratePerSecond: 1, burst: 200 };
			expect(a.rl.reservationSize(spec)).to.equal(10);
			const results = await Promise.all(Array.from({ length: 600 }, (_, i) => (i % 2 ? a.rl : b.rl).take("user", spec)));
			const allowed = results.filter(r => r.allowed).length;
			// Each node asks again until the bucket refuses it, so nothing is left stranded either.
			expect(allowed)
				.to.be.at.least(200)
				.and.at.most(200 + 2);
			const refused = results.find(r => !r.allowed)!;
			expect(refused.retryAfterMs).to.be.greaterThan(0);
			expect(await bucketTokens(a.client, `${prefix}user`)).to.be.below(3);
		});

		it("drops a reservation's leftover after holdMs: the next request reserves again", async () => {
			const prefix = `t${Math.random()}:`;
			let now = 1_000_000;
			const { rl, calls, client } = counted(prefix, { reserveMs: 10_000, holdMs: 1000, now: () => now });
			const spec = { ratePerSecond: 1, burst: 200 };
			expect((await rl.take("k", spec)).allowed).to.equal(true);
			expect((await rl.take("k", spec)).allowed).to.equal(true);
			expect(calls.n).to.equal(1);
			now += 1000;
			const r = await rl.take("k", spec);
			expect(r.allowed).to.equal(true);
			expect(calls.n).to.equal(2);
			// Two reservations of 10 left the shared bucket, though only 3 requests were served.
			expect(await bucketTokens(client, `${prefix}k`))
				.to.be.at.most(200 - 20 + 1)
				.and.at.least(200 - 20);
			expect(r.remaining, "the bucket's tokens plus this node's leftover").to.be.within(189, 190);
		});

		it("refuses the requests waiting on a refused reservation with it, in one script call", async () => {
			const { rl, calls } = counted(`t${Math.random()}:`, { reserveMs: 10_000 });
			const spec = { ratePerSecond: 1, burst: 40 };
			expect(rl.reservationSize(spec)).to.equal(2);
			for (let i = 0; i < 40; i++) expect((await rl.take("k", spec)).allowed).to.equal(true);
			const before = calls.n;
			const results = await Promise.all(Array.from({ length: 50 }, () => rl.take("k", spec)));
			expect(results.every(r => !r.allowed && r.retryAfterMs > 0)).to.equal(true);
			expect(calls.n - before).to.equal(1);
		});

		it("rejects every request waiting on a reservation when Redis fails, and the next one asks again", async () => {
			// Nothing listens on this port and nothing is queued offline: each call fails at once.
			const dead = new Redis({ port: 1, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
			dead.on("error", () => {});
			clients.push(dead);
			const rl = new RedisRateLimiter(dead, "dead:");
			const spec = { ratePerSecond: 5000, burst: 10_000 };
			const settled = await Promise.allSettled(Array.from({ length: 10 }, () => rl.take("k", spec)));
			expect(settled.every(r => r.status === "rejected")).to.equal(true);
			const again = await Promise.allSettled([rl.take("k", spec)]);
			expect(again[0].status).to.equal("rejected");
		});

		it("holds reservations for at most maxKeys callers", async () => {
			const { rl } = counted(`t${Math.random()}:`, { maxKeys: 20 });
			const spec = { ratePerSecond: 5000, burst: 10_000 };
			for (let i = 0; i < 100; i++) await rl.take(`ip${i}`, spec);
			expect(rl.heldKeys).to.be.at.most(20);
		});

		it("refills at the rate (Redis clock)", async () => {
			const rl = limiter();
			const spec = { ratePerSecond: 20, burst: 2 };
			expect((await rl.take("k", spec)).allowed).to.equal(true);
			expect((await rl.take("k", spec)).allowed).to.equal(true);
			const refused = await rl.take("k", spec);
			expect(refused.allowed).to.equal(false);
			await new Promise(r => setTimeout(r, refused.retryAfterMs + 20));
			expect((await rl.take("k", spec)).allowed).to.equal(true);
		});
	});
});
