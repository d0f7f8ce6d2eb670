/** InstrumentClaims over a MemoryKv with a fake clock: lease = safety, rendezvous = preference. */
import { expect } from "chai";
import { MemoryKv } from "../../../lib/kv/memory-kv.ts";
import { InstrumentClaims, leaseKey } from "../../../lib/workers/instrument-claims.ts";
import { rendezvousOwner } from "../../../lib/routing/rendezvous.ts";
import { UnavailableError } from "../../../lib/protocol/errors.ts";

const SYMBOLS = Array.from({ length: 40 }, (_, i) => `S${i}`);
const times = { intervalMs: 1000, ttlMs: 7000 };

describe("InstrumentClaims", () => {
	let now: number;
	let kv: MemoryKv;
	let seen: string[];
	const node = (id: string, k = kv) => new InstrumentClaims({ kv: k, nodeId: id, nodes: () => seen, now: () => now });
	/** One run of each node over every symbol at the same time; the symbols each polled. */
	const run = async (...nodes: InstrumentClaims[]) => {
		const polled = new Map<string, string[]>();
		for (const n of nodes) for (const s of SYMBOLS) if (await n.claim("market_data", s, times)) polled.set(s, [...(polled.get(s) ?? []), n.deps.nodeId]);
		return polled;
	};

	beforeEach(() => {
		now = 1_000_000;
		kv = new MemoryKv({ now: () => now });
		seen = ["a", "b"];
	});

	it("two nodes that see each other split the symbols by rendezvous and never both poll one", async () => {
		const [a, b] = [node("a"), node("b")];
		for (let r = 0; r < 5; r++, now += 1000) {
			const polled = await run(a, b);
			for (const s of SYMBOLS) expect(polled.get(s), `${s} run ${r}`).to.deep.equal([rendezvousOwner(`market_data:${s}`, ["a", "b"])]);
		}
		const mine = SYMBOLS.filter(s => rendezvousOwner(`market_data:${s}`, ["a", "b"]) === "a").length;
		expect(mine).to.be.within(10, 30);
	});

	it("a dead node's symbols are taken after its leases lapse and one interval free, though the survivor still 'sees' it", async () => {
		const [a, b] = [node("a"), node("b")];
		await run(a, b);
		const aOwned = SYMBOLS.filter(s => rendezvousOwner(`market_data:${s}`, ["a", "b"]) === "a");
		const killedAt = now;
		let takenAt: number | null = null;
		for (let r = 1; r <= 15 && takenAt === null; r++) {
			now = killedAt + r * 1000;
			const polled = await run(b); // a is dead; b's broker has not noticed (seen stays [a, b])
			if (aOwned.every(s => polled.get(s)?.[0] === "b")) takenAt = now;
			else
				expect(
					aOwned.some(s => polled.has(s)),
					`run ${r}: taken before the lease lapsed`,
				).to.equal(r * 1000 > times.ttlMs);
		}
		// The lease lapses at 7 s, where a run sees it free; the next run (1 s later) takes it.
		expect(takenAt! - killedAt).to.equal(times.ttlMs + times.intervalMs);
	});

	it("a joining preferred node gets its symbols handed over, without a run where both poll", async () => {
		seen = ["a"];
		const a = node("a");
		await run(a);
		expect((await kv.leaseHolder(leaseKey("market_data", "S0"))) === "a").to.equal(true);
		seen = ["a", "b"];
		const b = node("b");
		const bOwned = SYMBOLS.filter(s => rendezvousOwner(`market_data:${s}`, ["a", "b"]) === "b");
		for (let r = 0; r < 4; r++) {
			now += 1000;
			const polled = await run(a, b);
			for (const s of SYMBOLS) expect(polled.get(s)?.length ?? 0, `${s} run ${r}`).to.be.at.most(1);
			// Run 0: a hands over (nobody polls b's symbols); from run 1 on b polls them.
			if (r >= 1) for (const s of bOwned) expect(polled.get(s), s).to.deep.equal(["b"]);
		}
	});

	it("hands a lease over once: if the preferred node does not take it, the holder keeps polling", async () => {
		seen = ["a", "b"];
		const b = node("b");
		const sym = SYMBOLS.find(s => rendezvousOwner(`market_data:${s}`, ["a", "b"]) === "a")!;
		await kv.acquireLease(leaseKey("market_data", sym), "b", times.ttlMs);
		expect(await b.claim("market_data", sym, times)).to.equal(false); // handed over
		now += 1000;
		expect(await b.claim("market_data", sym, times)).to.equal(false); // free, first sighting
		now += 1000;
		expect(await b.claim("market_data", sym, times)).to.equal(true); // a never took it
		for (let r = 0; r < 3; r++) {
			now += 1000;
			expect(await b.claim("market_data", sym, times)).to.equal(true);
		}
	});

	it("while the KV is down, the preferred node polls (placement only)", async () => {
		class DownKv extends MemoryKv {
			override async acquireLease(): Promise<boolean> {
				throw new UnavailableError("redis: down");
			}
			override async leaseHolder(): Promise<string | null> {
				throw new UnavailableError("redis: down");
			}
		}
		const down = new DownKv();
		const [a, b] = [node("a", down), node("b", down)];
		const polled = await run(a, b);
		for (const s of SYMBOLS) expect(polled.get(s)).to.deep.equal([rendezvousOwner(`market_data:${s}`, ["a", "b"])]);
	});
});
