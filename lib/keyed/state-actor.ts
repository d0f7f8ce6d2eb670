/**
 * A keyed actor built from a state and its handlers only (what a new keyed actor supplies: alert
 * rules, pattern detectors, windows): the mixin (mixins/keyed-actor.mixin.ts) places, activates,
 * renews, passivates and hands it off; this class keeps its state durable.
 *
 * - `handle(event)`: in the mailbox (one at a time, bounded, skipped past its deadline), the event
 *   is appended to the key's log under the lease token (fenced: a node that lost the key cannot
 *   write), and only then applied to the state with `hooks.apply`. Acknowledged = in the log.
 * - activation: take the lease, read the snapshot `{ seq, state }`, replay the log after it with
 *   `hooks.apply` (a page per event-loop turn, renewing the lease as it goes).
 * - `snapshot()`: every `snapshotEvery` events and on passivation, fenced like the writes.
 * - `read(fn)`: a read of the state between two events.
 *
 * Keys share the Store's keyspace with symbols, so a family of actors gets a Store of its own
 * prefix (`createStore(url, { prefix: "rk-rules" })`).
 */
import { FencedError, SequenceConflictError } from "../protocol/errors.ts";
import type { Store } from "../store/store.ts";
import { Mailbox } from "./mailbox.ts";
import { HeldLease, type HeldLeaseOptions } from "./lease.ts";
import type { KeyedActor } from "./actor-host.ts";
import { nextTurn } from "../scheduling/turns.ts";

export interface StateHooks<S, E> {
	/** The state of a key that has no snapshot yet. */
	initial(key: string): S;
	/** Apply one logged event (in seq order: replayed on activation, then live). Mutate or return the new state. */
	apply(state: S, event: E, seq: number): S | void;
}

export interface StateActorDeps {
	store: Store;
	leasing: HeldLeaseOptions;
	/** Events that may wait in the mailbox. */
	mailboxLimit: number;
	snapshotEvery: number;
	now(): number;
}

interface Snapshot<S> {
	seq: number;
	state: S;
}

const REPLAY_PAGE = 1000;

export class StateActor<S, E> implements KeyedActor {
	seq = 0;
	state!: S;
	lastActivity: number;
	readonly mailbox: Mailbox;
	#held: HeldLease | null = null;
	#untilSnapshot: number;

	private constructor(
		readonly key: string,
		readonly hooks: StateHooks<S, E>,
		readonly deps: StateActorDeps,
	) {
		this.mailbox = new Mailbox(deps.mailboxLimit, key, deps.now);
		this.lastActivity = deps.now();
		this.#untilSnapshot = deps.snapshotEvery;
	}

	/** Take the key's lease, then rebuild the state from the snapshot plus the log after it. */
	static async activate<S, E>(key: string, hooks: StateHooks<S, E>, deps: StateActorDeps): Promise<StateActor<S, E>> {
		const actor = new StateActor(key, hooks, deps);
		actor.#held = await HeldLease.take(key, deps.leasing);
		try {
			await actor.#load();
		} catch (err) {
			await actor.release().catch(() => {});
			throw err;
		}
		return actor;
	}

	get epoch(): number | null {
		return this.#held?.epoch ?? null;
	}

	async #load(): Promise<void> {
		const { store } = this.deps;
		const snap = await store.getSnapshot<Snapshot<S>>(this.key);
		let state = snap ? snap.state : this.hooks.initial(this.key);
		let seq = snap?.seq ?? 0;
		for (let pages = 0; ; pages++) {
			if (pages > 0) {
				await nextTurn();
				if (this.#held?.due && !(await this.#held.renew())) throw new FencedError(this.key, null);
			}
			const page = await store.range(this.key, seq + 1, REPLAY_PAGE);
			for (const e of page) {
				state = this.hooks.apply(state, e.data as E, e.seq) ?? state;
				seq = e.seq;
			}
			if (page.length < REPLAY_PAGE) break;
		}
		this.state = state;
		this.seq = Math.max(seq, await store.lastSeq(this.key));
	}

	/** Log `event` durably under the lease, then apply it; resolves with its seq. */
	handle(event: E, deadline = Infinity): Promise<number> {
		return this.mailbox.run(
			async () => {
				try {
					return await this.#handle(event);
				} catch (err) {
					// Another writer appended meanwhile (the key moved and came back): reload, then retry once.
					if (!(err instanceof SequenceConflictError)) throw err;
					await this.#load();
					return this.#handle(event);
				}
			},
			1,
			deadline,
		);
	}

	async #handle(event: E): Promise<number> {
		const token = this.#held?.token;
		if (!token) throw new FencedError(this.key, null);
		const seq = this.seq + 1;
		await this.deps.store.append(this.key, [{ seq, data: event }], undefined, token);
		this.seq = seq;
		this.state = this.hooks.apply(this.state, event, seq) ?? this.state;
		this.lastActivity = this.deps.now();
		if (--this.#untilSnapshot <= 0) await this.snapshot().catch(() => {}); // retried at the next event
		return seq;
	}

	/** A read of the state (counts as activity: a watched actor is not passivated). */
	read<T>(fn: (state: S, seq: number) => T): T {
		this.lastActivity = this.deps.now();
		return fn(this.state, this.seq);
	}

	async snapshot(): Promise<void> {
		const token = this.#held?.token;
		if (!token) throw new FencedError(this.key, null);
		await this.deps.store.putSnapshot(this.key, { seq: this.seq, state: this.state } satisfies Snapshot<S>, token);
		this.#untilSnapshot = this.deps.snapshotEvery;
	}

	renew(): Promise<boolean> {
		return this.#held ? this.#held.renew() : Promise.resolve(true);
	}

	async release(): Promise<void> {
		await this.#held?.release();
	}
}
