/**
 * A symbol actor's options: what it is built with, made from the node's configuration, and the
 * lease settings its actors share (lib/keyed/lease.ts).
 */
import type { Store } from "../store/index.ts";
import type { AnalysisConfig } from "./symbol-analysis.ts";
import { UnavailableError } from "../protocol/errors.ts";
import type { HeldLeaseOptions } from "../keyed/lease.ts";
import { analysisFor, type RookeryConfig } from "../config/config.ts";
import type { Hops, StageRecorder } from "../metrics/stages.ts";

/** What the analysis state depends on: restoring it under other settings would mix two configurations. */
export function analysisFingerprint(c: AnalysisConfig): string {
	return JSON.stringify([c.timeframes, c.indicators, c.strategies, c.lateToleranceMs, c.maxBars]);
}

export interface ActorOptions {
	store: Store;
	/** This node's id: the lease holder. */
	owner: string;
	/** Lease time-to-live; the owner renews it well before (a crashed owner's lease lapses after this). */
	leaseMs: number;
	/** How long activation waits for another holder's lease to be released or to lapse. */
	leaseWaitMs: number;
	analysis: AnalysisConfig;
	snapshotEvery: number;
	/**
	 * Time (by `now`) a snapshot waits after the last one even when `snapshotEvery` updates came
	 * sooner, up to `SNAPSHOT_CAP` × `snapshotEvery` log entries; absent or 0, count alone decides.
	 */
	snapshotMinIntervalMs?: number;
	/** The store's log length (`store.maxLen`): a snapshot is due before half of it is past the last one. */
	logMaxLen?: number;
	dedupWindow: number;
	/** Ticks that may wait in the mailbox. */
	mailboxLimit: number;
	now: () => number;
	/**
	 * Called in seq order, inside the actor's turn, for every message an accepted update produces;
	 * with `hops` (the batch's latency stamps) for the last tick of a stamped batch.
	 */
	publish: (subject: string, msg: object, hops?: Hops) => void;
	/** Where a stamped batch's `actor.turn`, `append.done` and `published` stages are recorded (lib/metrics/stages.ts). */
	stages?: StageRecorder;
	/**
	 * Called while the actor is rebuilt, with the snapshot's latest tick and final indicators and
	 * then every message the replayed log produces (not published): alert rules rebuild their state.
	 */
	replayed?: (msg: object) => void;
	/** The lease settings, when a service shares one object among its actors (else made from the above). */
	leasing?: HeldLeaseOptions;
}

/** A symbol actor's options from the node's configuration (`symbolActor`, `store`, the symbol's analysis). */
export function actorOptionsFor(config: RookeryConfig, symbol: string, node: Pick<ActorOptions, "store" | "owner" | "now" | "publish" | "replayed" | "leasing" | "stages">): ActorOptions {
	const a = config.symbolActor;
	const opts: ActorOptions = {
		...node,
		leaseMs: a.leaseMs,
		leaseWaitMs: a.leaseWaitMs,
		snapshotEvery: config.store.snapshotEvery,
		snapshotMinIntervalMs: config.store.snapshotMinIntervalMs,
		logMaxLen: config.store.maxLen,
		dedupWindow: a.dedupWindow,
		mailboxLimit: a.mailboxLimit,
		analysis: analysisFor(config, symbol),
	};
	opts.leasing ??= symbolLeasing(opts);
	return opts;
}

/** The lease settings of actors with these options (lib/keyed/lease.ts). */
export function symbolLeasing(opts: Omit<ActorOptions, "leasing">): HeldLeaseOptions {
	return {
		leases: opts.store.leases,
		holder: opts.owner,
		ttlMs: opts.leaseMs,
		waitMs: opts.leaseWaitMs,
		now: opts.now,
		held: (symbol, holder, ttlMs) => new UnavailableError(`${symbol} is owned by ${holder} for up to ${ttlMs} ms more; retry`, { symbol, holder }),
	};
}
