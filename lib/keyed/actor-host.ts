/**
 * The keyed actors one node holds (no broker here; mixins/keyed-actor.mixin.ts wires it to a
 * service): activation through a bounded gate, idle passivation, lease renewal, handoff of the
 * keys that moved, and the drop of an actor whose lease was lost. The actor itself (its state, its
 * snapshot and log replay, its mailbox) is the using service's: anything that is a `KeyedActor`.
 */
import { ActivationGate, type ActivationGateOptions } from "./activation-gate.ts";
import { eachInTurns, nextTurn } from "../scheduling/turns.ts";

/** What the host needs of an actor. */
export interface KeyedActor {
	/** opts.now() of the last call that used the actor: idle actors are passivated. */
	lastActivity: number;
	readonly mailbox: { readonly pending: number; idle(): Promise<void> };
	/** The lease epoch the actor holds its key under; null once lost or released. */
	readonly epoch: number | null;
	/** Extend the lease; false when another node took it (the host drops the actor). */
	renew(): Promise<boolean>;
	/** Persist the state (fenced by the lease), so the next activation replays little. */
	snapshot(): Promise<void>;
	/** Give the lease up for the next owner. */
	release(): Promise<void>;
}

export interface ActorHostOptions<A extends KeyedActor> {
	/** Take the key's lease and build the actor from its snapshot plus the log after it. */
	activate(key: string): Promise<A>;
	gate: Omit<ActivationGateOptions, "now">;
	now(): number;
	/** `n` actors left memory, for `reason` ("idle", "moved", "operator", "stopping"). */
	onPassivated?(reason: string, n: number): void;
	/** The key's lease was gone: the actor was dropped without writing. */
	onLost?(key: string): void;
	onError?(key: string, what: string, err: Error): void;
}

/** Per event-loop turn, the CPU time lease renewals may take before yielding. */
const RENEW_SLICE_MS = 5;
/** Per event-loop turn, the time passivations (snapshots) may take before yielding. */
const PASSIVATE_SLICE_MS = 5;

export class ActorHost<A extends KeyedActor> {
	readonly actors = new Map<string, Promise<A>>();
	/** Actors a passivation is already taking out (another one skips them, so each counts once). */
	readonly #leaving = new WeakSet<Promise<A>>();
	readonly gate: ActivationGate;

	constructor(readonly opts: ActorHostOptions<A>) {
		this.gate = new ActivationGate({ ...opts.gate, now: opts.now });
	}

	get size(): number {
		return this.actors.size;
	}

	/**
	 * The local actor for `key`, activated on first use through the gate (bounded, a few per
	 * event-loop turn; refused with a retryable BusyError past `deadline`).
	 */
	get(key: string, deadline: number): Promise<A> {
		let p = this.actors.get(key);
		if (!p) {
			p = this.gate.run(key, deadline, () => this.opts.activate(key));
			this.actors.set(key, p);
			// A failed activation (store down, lease held elsewhere) must not stay cached.
			const q = p;
			q.catch(() => this.actors.get(key) === q && this.actors.delete(key));
		}
		return p;
	}

	/** The settled actors (activations still running or failed are left out). */
	async settled(): Promise<Array<[string, A]>> {
		const out: Array<[string, A]> = [];
		for (const [key, p] of [...this.actors]) {
			const a = await p.catch(() => null);
			if (a) out.push([key, a]);
		}
		return out;
	}

	/**
	 * Snapshot, drop and release the actors of the keys `which` picks; how many left. Actors go one
	 * after another in slices of at most 5 ms per event-loop turn: with an in-memory store every
	 * step resolves at once, and 5,000 actors idling out together (a burst's symbols, 15 min on)
	 * or handed off on a join would otherwise snapshot in one turn, stalling the node for a second.
	 * `still`, when given, is asked again at each actor's turn (it may have had traffic since it
	 * was picked, some turns ago): an actor it refuses is skipped and stays served.
	 */
	async passivate(reason: string, which: (key: string) => boolean, still?: (actor: A) => boolean): Promise<number> {
		let n = 0;
		// Picked all at once: a passivation starting meanwhile (a stray check during a handoff)
		// leaves these to this one.
		const picked = [...this.actors].filter(([key, p]) => !this.#leaving.has(p) && which(key));
		for (const [, p] of picked) this.#leaving.add(p);
		let slice = performance.now();
		for (const [key, p] of picked) {
			if (performance.now() - slice > PASSIVATE_SLICE_MS) {
				await nextTurn();
				slice = performance.now();
			}
			const a = await p.catch(() => null);
			if (a && still && !still(a)) {
				this.#leaving.delete(p);
				continue;
			}
			if (a) {
				await a.mailbox.idle().catch(() => {});
				await a.snapshot().catch(err => this.opts.onError?.(key, "snapshot on passivation", err as Error));
				// Handoff: the next owner can take the lease at once instead of waiting for it to lapse.
				await a.release().catch(() => {});
			}
			// A call that arrived meanwhile may have re-created the actor: keep that one.
			if (this.actors.get(key) === p) {
				this.actors.delete(key);
				n++;
			}
		}
		if (n > 0) this.opts.onPassivated?.(reason, n);
		return n;
	}

	/** Hand off only the keys whose owner (by `ownerOf`, over the service's nodes now) is not `self`. */
	handOffMoved(self: string, ownerOf: (key: string) => string | undefined, reason = "moved"): Promise<number> {
		return this.passivate(reason, key => ownerOf(key) !== self);
	}

	/**
	 * Always-on keys: passivate ("removed") the actors whose key is not in `keys`, and start the
	 * activation of the keys `owns` picks that are not active yet; how many were started. A failed
	 * activation (the previous owner's lease not lapsed yet) is reported to `onError` and left for
	 * the next call.
	 */
	async ensure(keys: Iterable<string>, owns: (key: string) => boolean, deadline: number): Promise<number> {
		const wanted = new Set(keys);
		await this.passivate("removed", key => !wanted.has(key));
		let n = 0;
		for (const key of wanted) {
			if (this.actors.has(key) || !owns(key)) continue;
			this.get(key, deadline).catch(err => this.opts.onError?.(key, "activation", err as Error));
			n++;
		}
		return n;
	}

	/**
	 * Passivate the actors unused since `idleMs` with an empty mailbox; checked again at each
	 * actor's turn, so one used after the pick is kept.
	 */
	async passivateIdle(idleMs: number): Promise<number> {
		const cutoff = this.opts.now() - idleMs;
		const isIdle = (a: A) => a.lastActivity < cutoff && a.mailbox.pending === 0;
		const idle = new Set<string>();
		for (const [key, a] of await this.settled()) if (isIdle(a)) idle.add(key);
		return this.passivate("idle", key => idle.has(key), isIdle);
	}

	/** Forget `actor` (its lease is gone), unless a newer activation of its key already replaced it. */
	drop(key: string, actor: A): void {
		const p = this.actors.get(key);
		void p?.then(a => {
			if (a === actor && this.actors.get(key) === p) this.actors.delete(key);
		});
		this.opts.onLost?.(key);
	}

	/**
	 * Renew every actor's lease; an actor whose lease is gone is dropped without writing. Started
	 * in slices of at most 5 ms per event-loop turn: 10,000 actors take ~50-200 ms to go through,
	 * which the node's other work should not wait behind.
	 */
	async renewAll(): Promise<void> {
		const renew = async (key: string, p: Promise<A>) => {
			const a = await p.catch(() => null);
			if (!a) return;
			const ok = await a.renew().catch(() => true); // store down: keep trying; writes stay fenced
			if (!ok) this.drop(key, a);
		};
		const actors = [...this.actors];
		const renewals: Array<Promise<void>> = [];
		await eachInTurns(actors.length, i => void renewals.push(renew(actors[i][0], actors[i][1])), { budgetMs: RENEW_SLICE_MS });
		await Promise.all(renewals);
	}
}
