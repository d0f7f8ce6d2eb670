/**
 * The keyed-actor building block on its own: a service that supplies only a state and its handlers
 * (StateActor + keyedActorMixin), on in-process brokers over Moleculer's Fake transporter sharing
 * one MemoryStore. Activation from snapshot + log, operator passivation, idle passivation, and a
 * node joining: only the keys that move are handed off, and no count is lost or doubled.
 */
import { expect } from "chai";
import { ServiceBroker, type Context, type ServiceSchema } from "moleculer";
import { keyedActorMixin, routedBy, type KeyedActorMethods } from "../../../mixins/keyed-actor.mixin.ts";
import { StateActor, type StateHooks } from "../../../lib/keyed/state-actor.ts";
import { MemoryStore } from "../../../lib/store/index.ts";
import { UnavailableError } from "../../../lib/protocol/errors.ts";
import { ownerOf, registerRendezvousStrategy } from "../../../middlewares/rendezvous.strategy.ts";
import { OwnerForwardMiddleware } from "../../../middlewares/owner-forward.middleware.ts";
import { waitFor } from "../../helpers/ports.ts";

type Count = { n: number; sum: number };
type Add = { x: number };
type Counter = StateActor<Count, Add>;
const hooks: StateHooks<Count, Add> = {
	initial: () => ({ n: 0, sum: 0 }),
	apply: (s, e) => {
		s.n++;
		s.sum += e.x;
	},
};

function counters(store: MemoryStore, passivateAfterMs = 60_000, leaseMs = 3000): ServiceSchema {
	return {
		name: "counters",
		mixins: [
			keyedActorMixin<Counter>({
				key: "id",
				keyRule: "string",
				noun: "counter",
				limits: { leaseMs, passivateAfterMs, maxActivations: 4, activationQueue: 1000 },
				now: Date.now,
				activate(id) {
					const leasing = { leases: store.leases, holder: this.broker.nodeID, ttlMs: 3000, waitMs: 2000, now: Date.now, held: (k: string, h: string) => new UnavailableError(`${k} is held by ${h}`) };
					return StateActor.activate(id, hooks, { store, leasing, mailboxLimit: 100, snapshotEvery: 5, now: Date.now });
				},
				describe: a => ({ n: a.state.n }),
			}),
		],
		actions: {
			add: {
				...routedBy("id"),
				params: { id: "string", x: "number" },
				async handler(this: KeyedActorMethods<Counter>, ctx: Context<{ id: string; x: number }>) {
					const a = await this.actor(ctx.params.id, this.callDeadline(ctx));
					return this.actorCall(ctx.params.id, a, () => a.handle({ x: ctx.params.x }));
				},
			},
			get: {
				...routedBy("id"),
				params: { id: "string" },
				async handler(this: KeyedActorMethods<Counter>, ctx: Context<{ id: string }>) {
					return (await this.actor(ctx.params.id)).read((s, seq) => ({ ...s, seq }));
				},
			},
		},
	} as unknown as ServiceSchema;
}

let namespaceNo = 0;
const brokerOf = (nodeID: string, namespace: string, store: MemoryStore, passivateAfterMs?: number, leaseMs?: number) => {
	const b = new ServiceBroker({ nodeID, namespace, transporter: "Fake", logger: false, middlewares: [OwnerForwardMiddleware()] });
	b.createService(counters(store, passivateAfterMs, leaseMs));
	return b;
};

describe("mixins/keyed-actor: a keyed actor from a state and its handlers", () => {
	const brokers: ServiceBroker[] = [];
	before(() => registerRendezvousStrategy());
	afterEach(async () => {
		await Promise.all(brokers.splice(0).map(b => b.stop()));
	});

	it("activates from snapshot + log, passivates on request with a new epoch next time, and keeps every event", async () => {
		const store = new MemoryStore();
		const a = brokerOf("solo", `keyed-${process.pid}-${++namespaceNo}`, store);
		brokers.push(a);
		await a.start();
		for (let i = 1; i <= 7; i++) expect(await a.call("counters.add", { id: "k1", x: i })).to.equal(i);
		const [row] = await a.call<Array<{ id: string; epoch: number; n: number }>>("counters.actors");
		expect(row).to.include({ id: "k1", node: "solo", n: 7 });
		expect(await a.call("counters.passivate", { id: "k1" })).to.deep.equal({ id: "k1", node: "solo", passivated: true });
		expect(await a.call("counters.actors")).to.deep.equal([]);
		expect(await store.getSnapshot("k1")).to.deep.equal({ seq: 7, state: { n: 7, sum: 28 } });
		await a.call("counters.add", { id: "k1", x: 100 });
		expect(await a.call("counters.get", { id: "k1" })).to.deep.equal({ n: 8, sum: 128, seq: 8 });
		const [again] = await a.call<Array<{ epoch: number }>>("counters.actors");
		expect(again.epoch).to.be.greaterThan(row.epoch);
	});

	it("passivates idle actors and rebuilds them unchanged on the next call", async () => {
		const store = new MemoryStore();
		const a = brokerOf("idle", `keyed-${process.pid}-${++namespaceNo}`, store, 50);
		brokers.push(a);
		await a.start();
		await a.call("counters.add", { id: "k2", x: 5 });
		await waitFor(async () => (await a.call<unknown[]>("counters.actors")).length === 0, { what: "idle passivation", timeoutMs: 5000 });
		expect(await store.getLease("k2")).to.equal(null);
		expect(await a.call("counters.get", { id: "k2" })).to.deep.equal({ n: 1, sum: 5, seq: 1 });
	});

	it("a node joining takes only the keys it now owns: the old owner hands them off, nothing lost or doubled", async () => {
		const store = new MemoryStore();
		const ns = `keyed-${process.pid}-${++namespaceNo}`;
		const a = brokerOf("node-a", ns, store);
		brokers.push(a);
		await a.start();
		const keys = Array.from({ length: 40 }, (_, i) => `key-${i}`);
		for (const id of keys) await a.call("counters.add", { id, x: 1 });
		expect(await a.call<unknown[]>("counters.actors")).to.have.length(40);

		const b = brokerOf("node-b", ns, store);
		brokers.push(b);
		await b.start();
		const nodes = [{ id: "node-a" }, { id: "node-b" }];
		const toB = keys.filter(id => ownerOf(id, nodes)?.id === "node-b");
		expect(toB.length).to.be.within(8, 32);
		await waitFor(async () => (await a.call<unknown[]>("counters.actors")).length === 40 - toB.length, { what: "handoff of the moved keys", timeoutMs: 5000 });
		const onA = (await a.call<Array<{ id: string }>>("counters.actors")).map(r => r.id);
		expect(
			onA.filter(id => toB.includes(id)),
			"moved keys left on node-a",
		).to.deep.equal([]);

		// Calls through either node reach the owner, which continues each key's log.
		for (const id of keys) await (id.endsWith("7") ? b : a).call("counters.add", { id, x: 2 });
		const onB = (await b.call<Array<{ id: string }>>("counters.actors")).map(r => r.id).sort();
		expect(onB).to.deep.equal([...toB].sort());
		for (const id of keys) expect(await a.call("counters.get", { id }), id).to.deep.equal({ n: 2, sum: 3, seq: 2 });
	});

	it("a key activated on a node that does not own it (a caller's view lagging) is handed off within a lease period", async () => {
		const store = new MemoryStore();
		const ns = `keyed-${process.pid}-${++namespaceNo}`;
		const [a, b] = [brokerOf("node-a", ns, store, 60_000, 600), brokerOf("node-b", ns, store, 60_000, 600)];
		brokers.push(a, b);
		await Promise.all([a.start(), b.start()]);
		const seesBoth = (x: ServiceBroker) => x.registry.getServiceList({ onlyAvailable: true, skipInternal: true }).filter(sv => sv.name === "counters").length === 2;
		await waitFor(async () => seesBoth(a) && seesBoth(b), { what: "both nodes seen" });
		const nodes = [{ id: "node-a" }, { id: "node-b" }];
		const id = Array.from({ length: 20 }, (_, i) => `stray-${i}`).find(k => ownerOf(k, nodes)?.id === "node-b")!;
		// Sent to node-a by a caller that picked it: a call from another node runs where it was sent.
		await b.call("counters.add", { id, x: 1 }, { nodeID: "node-a" });
		expect((await a.call<Array<{ id: string }>>("counters.actors")).map(r => r.id)).to.deep.equal([id]);
		await waitFor(async () => (await a.call<unknown[]>("counters.actors")).length === 0, { what: "the stray handed off", timeoutMs: 5000 });
		expect(await b.call("counters.add", { id, x: 2 })).to.equal(2);
		expect((await b.call<Array<{ id: string }>>("counters.actors")).map(r => r.id)).to.deep.equal([id]);
	});
});
