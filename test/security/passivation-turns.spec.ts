/**
 * Issue 13 ("long loops yield"), found in the audit: the symbols of a 5,000-new-symbol burst idle
 * out together 15 minutes later (and a join hands thousands off at once). With the in-memory store
 * every step of a passivation (mailbox idle, snapshot, release) resolves at once, so the whole
 * loop ran in one event-loop turn: 5,000 snapshots blocked the node for about a second. Now
 * passivation yields every 5 ms (lib/keyed/actor-host.ts). Measured in turns, not time: how many
 * actors are snapshotted between two turns of the event loop.
 */
import { expect } from "chai";
import { ActorHost, type KeyedActor } from "../../lib/keyed/actor-host.ts";

/** An actor whose every step resolves at once and whose snapshot costs `ms` of CPU, as with MemoryStore. */
function actor(ms: number, onSnapshot: () => void, onRelease: () => void = () => {}): KeyedActor {
	return {
		lastActivity: 0,
		mailbox: { pending: 0, idle: () => Promise.resolve() },
		epoch: 1,
		renew: () => Promise.resolve(true),
		snapshot: () => {
			const until = performance.now() + ms;
			while (performance.now() < until);
			onSnapshot();
			return Promise.resolve();
		},
		release: () => {
			onRelease();
			return Promise.resolve();
		},
	};
}

describe("security: passivating many actors yields to the event loop", () => {
	for (const [what, run] of [
		["idle passivation", (h: ActorHost<KeyedActor>) => h.passivateIdle(1000)],
		["a handoff", (h: ActorHost<KeyedActor>) => h.handOffMoved("me", () => "other")],
		["shutdown", (h: ActorHost<KeyedActor>) => h.passivate("stopping", () => true)],
	] as const) {
		it(`${what}: 300 snapshots of 1 ms each take many turns, at most a few per turn`, async () => {
			const ACTORS = 300;
			let sinceTurn = 0;
			const perTurn: number[] = [];
			const host = new ActorHost<KeyedActor>({ activate: () => Promise.resolve(actor(1, () => sinceTurn++)), gate: { limit: 1000, queueLimit: 1000 }, now: () => 10_000 });
			await Promise.all(Array.from({ length: ACTORS }, (_, i) => host.get(`K${i}`, Infinity)));
			expect(host.size).to.equal(ACTORS);
			// A ticker in the check phase: each of its turns records how many snapshots ran since the last.
			let done = false;
			const tick = () => {
				perTurn.push(sinceTurn);
				sinceTurn = 0;
				if (!done) setImmediate(tick);
			};
			setImmediate(tick);
			const n = await run(host);
			done = true;
			perTurn.push(sinceTurn);
			expect(n).to.equal(ACTORS);
			expect(host.size).to.equal(0);
			expect(perTurn.reduce((a, b) => a + b, 0)).to.equal(ACTORS);
			// 5 ms slices of 1 ms snapshots: about 6 a turn (fewer when the machine is busy); before, all 300 in one.
			expect(Math.max(...perTurn), `snapshots per turn: ${perTurn.join(",")}`).to.be.at.most(10);
		});
	}

	it("idle passivation: an actor used after the pick, before its turn, is kept and served", async () => {
		const ACTORS = 300;
		const released = new Set<string>();
		const host = new ActorHost<KeyedActor>({
			activate: key =>
				Promise.resolve(
					actor(
						1,
						() => {},
						() => released.add(key),
					),
				),
			gate: { limit: 1000, queueLimit: 1000 },
			now: () => 10_000,
		});
		await Promise.all(Array.from({ length: ACTORS }, (_, i) => host.get(`K${i}`, Infinity)));
		const passivation = host.passivateIdle(1000);
		// Two turns in (a dozen of the 1 ms snapshots done), a call uses the last picked actor.
		await new Promise(resolve => setImmediate(resolve));
		await new Promise(resolve => setImmediate(resolve));
		expect(released.has("K299"), "K299 released before its turn").to.equal(false);
		const used = await host.get("K299", Infinity);
		used.lastActivity = 10_000;
		const n = await passivation;
		expect(released.has("K299"), "K299 released although used").to.equal(false);
		expect(n).to.equal(ACTORS - 1);
		expect([...host.actors.keys()]).to.deep.equal(["K299"]);
		expect(await host.get("K299", Infinity)).to.equal(used);
		// Still an actor of this host: a later idle sweep (once it is idle again) takes it out.
		used.lastActivity = 0;
		expect(await host.passivateIdle(1000)).to.equal(1);
		expect(released.has("K299")).to.equal(true);
	});
});
