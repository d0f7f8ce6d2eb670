/**
 * The keyed-actor building block's always-on mode: keys come from configuration (here a shared
 * Set standing for the KV), not from calls. Each runs on its rendezvous owner among the nodes
 * running the service, under a fenced lease; a node joining takes only the keys that move; a key
 * removed from the set is passivated; the REPL's `<service>.actors` shows them.
 */
import { expect } from "chai";
import { ServiceBroker, type ServiceSchema } from "moleculer";
import { keyedActorMixin } from "../../../mixins/keyed-actor.mixin.ts";
import type { KeyedActor } from "../../../lib/keyed/actor-host.ts";
import { HeldLease, MemoryLeases } from "../../../lib/keyed/lease.ts";
import { Mailbox } from "../../../lib/keyed/mailbox.ts";
import { UnavailableError } from "../../../lib/protocol/errors.ts";
import { ownerOf, registerRendezvousStrategy } from "../../../middlewares/rendezvous.strategy.ts";
import { waitFor } from "../../helpers/ports.ts";

/** A timer-driven actor: it holds its key's lease and counts releases (handoffs). */
class Ticker implements KeyedActor {
	lastActivity = Date.now();
	readonly mailbox = new Mailbox(10, "ticker");
	constructor(
		readonly lease: HeldLease,
		readonly released: string[],
	) {}
	get epoch() {
		return this.lease.epoch;
	}
	renew() {
		return this.lease.renew();
	}
	async snapshot() {}
	async release() {
		this.released.push(this.lease.key);
		await this.lease.release();
	}
}

function tickers(leases: MemoryLeases, keys: Set<string>, released: string[], homes: Record<string, string> = {}): ServiceSchema {
	return {
		name: "tickers",
		mixins: [
			keyedActorMixin<Ticker>({
				key: "id",
				keyRule: "string",
				noun: "ticker",
				limits: { leaseMs: 600, passivateAfterMs: 60_000, maxActivations: 4, activationQueue: 1000 },
				now: Date.now,
				alwaysOn: { keys: async () => Object.fromEntries([...keys].map(k => [k, homes[k] ?? null])), everyMs: 100 },
				async activate(id) {
					const lease = await HeldLease.take(id, { leases, holder: this.broker.nodeID, ttlMs: 600, waitMs: 0, now: Date.now, held: (k, h) => new UnavailableError(`${k} is held by ${h}`) });
					return new Ticker(lease, released);
				},
			}),
		],
	} as unknown as ServiceSchema;
}

describe("mixins/keyed-actor: always-on keys (from configuration, not calls)", () => {
	const brokers: ServiceBroker[] = [];
	before(() => registerRendezvousStrategy());
	afterEach(async () => {
		await Promise.all(brokers.splice(0).map(b => b.stop()));
	});

	it("runs every key on its owner, hands off only the keys that move when a node joins, and passivates removed keys", async () => {
		const leases = new MemoryLeases(Date.now);
		const keys = new Set(Array.from({ length: 30 }, (_, i) => `stream-${i}`));
		const released: string[] = [];
		const ns = `always-on-${process.pid}`;
		const brokerOf = (nodeID: string) => {
			const b = new ServiceBroker({ nodeID, namespace: ns, transporter: "Fake", logger: false });
			b.createService(tickers(leases, keys, released));
			brokers.push(b);
			return b;
		};
		const ids = async (b: ServiceBroker) => (await b.call<Array<{ id: string }>>("tickers.actors")).map(r => r.id).sort();
		const a = brokerOf("node-a");
		await a.start();
		await waitFor(async () => (await ids(a)).length === 30, { what: "node-a running every key", timeoutMs: 5000 });
		const epochsBefore = new Map((await a.call<Array<{ id: string; epoch: number }>>("tickers.actors")).map(r => [r.id, r.epoch]));
		for (const id of keys) expect((await leases.get(id))?.holder, id).to.equal("node-a");

		const b = brokerOf("node-b");
		await b.start();
		const nodes = [{ id: "node-a" }, { id: "node-b" }];
		const toB = [...keys].filter(id => ownerOf(id, nodes)?.id === "node-b").sort();
		expect(toB.length).to.be.within(5, 25);
		await waitFor(async () => (await ids(b)).join() === toB.join(), { what: "node-b running the keys it owns", timeoutMs: 5000 });
		await waitFor(async () => (await ids(a)).length === 30 - toB.length, { what: "node-a keeping the rest", timeoutMs: 5000 });
		expect(released.sort(), "only the moved keys were handed off").to.deep.equal(toB);
		for (const r of await a.call<Array<{ id: string; epoch: number }>>("tickers.actors")) expect(r.epoch, `${r.id} kept its lease`).to.equal(epochsBefore.get(r.id));
		for (const id of keys) expect((await leases.get(id))?.holder, id).to.equal(ownerOf(id, nodes)?.id);

		// The configuration changes: a removed key stops (lease released), a new key starts on its owner.
		const [gone] = toB;
		keys.delete(gone);
		keys.add("stream-new");
		const newOwner = ownerOf("stream-new", nodes)!.id === "node-a" ? a : b;
		await waitFor(async () => !(await ids(b)).includes(gone) && (await ids(newOwner)).includes("stream-new"), { what: "the key set followed", timeoutMs: 5000 });
		expect(await leases.get(gone)).to.equal(null);
		expect((await ids(a)).length + (await ids(b)).length).to.equal(30);
	});

	it("a key with a home node runs there while it is up, and on its rendezvous owner once it is gone", async () => {
		const leases = new MemoryLeases(Date.now);
		const nodes = [{ id: "home-a" }, { id: "home-b" }];
		// A key rendezvous would give to home-b, homed on home-a.
		const key = Array.from({ length: 20 }, (_, i) => `homed-${i}`).find(k => ownerOf(k, nodes)?.id === "home-b")!;
		const ns = `always-on-home-${process.pid}`;
		const [a, b] = ["home-a", "home-b"].map(nodeID => {
			const x = new ServiceBroker({ nodeID, namespace: ns, transporter: "Fake", logger: false });
			x.createService(tickers(leases, new Set([key]), [], { [key]: "home-a" }));
			brokers.push(x);
			return x;
		});
		await Promise.all([a.start(), b.start()]);
		const seesBoth = (x: ServiceBroker) => x.registry.getServiceList({ onlyAvailable: true, skipInternal: true }).filter(sv => sv.name === "tickers").length === 2;
		await waitFor(() => seesBoth(a) && seesBoth(b), { what: "both nodes seen" });
		await waitFor(async () => (await leases.get(key))?.holder === "home-a", { what: "the key on its home", timeoutMs: 5000 });
		await a.stop();
		await waitFor(async () => (await leases.get(key))?.holder === "home-b", { what: "the key on its rendezvous owner", timeoutMs: 5000 });
		expect((await b.call<Array<{ id: string; node: string }>>("tickers.actors")).map(r => [r.id, r.node])).to.deep.equal([[key, "home-b"]]);
	});
});
