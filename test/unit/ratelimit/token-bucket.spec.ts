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
