/**
 * The synthetic feed inside ingest: a warm start (past ticks for every symbol whose log is empty,
 * through the same ingest path as live ticks: durable, numbered, replayable), then live ticks on a
 * timer. One batch in flight at a time; a fire while one is in flight is skipped and counted
 * (policy: skip newest). Its status (REPL `feeds`) is a union on `state`. Pure: the ingest path,
 * the store's last seq and the logger are passed in.
 */
import type { Tick } from "../protocol/tick.ts";
import { SyntheticFeed, syntheticHistory } from "../feed/synthetic.ts";
import type { FeedStatus } from "../feed/feed-status.ts";
import { nextTurn } from "../scheduling/turns.ts";

export interface FeedSettings {
	symbols: string[];
	ticksPerSecond: number;
	seed: number;
	historyMinutes: number;
	historyStepMs: number;
}

export interface FeedRunnerDeps {
	submit(ticks: Tick[]): Promise<{ accepted: number }>;
	/** Resolves when the symbol actors can be called. */
	ready(): Promise<void>;
	lastSeq(symbol: string): Promise<number>;
	now(): number;
	logger: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
	/** A timer fire skipped while the previous batch was in flight. */
	skipped(feed: string): void;
}

export class FeedRunner {
	readonly status: FeedStatus;
	/** The batch (or the history) being written. */
	inFlight: Promise<unknown> | null = null;
	#timer: NodeJS.Timeout | null = null;

	constructor(
		readonly settings: FeedSettings,
		readonly deps: FeedRunnerDeps,
	) {
		const { symbols, ticksPerSecond } = settings;
		this.status = { name: "synthetic", type: "synthetic", symbols: symbols.length, ticksPerSecond, produced: 0, accepted: 0, errors: 0, skipped: 0, lastTickAt: null, history: null, status: { state: "running", since: deps.now() } };
	}

	/** Writes the history first (a live tick would move the symbols' watermark past it), then goes live. */
	async start(): Promise<void> {
		const { symbols, seed, ticksPerSecond } = this.settings;
		const gen = new SyntheticFeed(symbols, { seed, ticksPerSecond });
		// Timers below ~10 ms are not reliable; at higher rates each fire steps several times.
		const intervalMs = Math.max(10, 1000 / ticksPerSecond);
		const stepsPerFire = Math.max(1, Math.round((ticksPerSecond * intervalMs) / 1000));
		const history = this.#writeHistory();
		this.inFlight = history;
		await history.finally(() => (this.inFlight = null));
		if (this.status.status.state === "stopped") return;
		this.#timer = setInterval(() => this.#fire(gen, stepsPerFire), intervalMs);
	}

	stop(): Promise<unknown> {
		if (this.#timer) clearInterval(this.#timer);
		this.#timer = null;
		this.status.status = { state: "stopped", since: this.deps.now() };
		return Promise.allSettled([this.inFlight]);
	}

	/**
	 * Warm start: `historyMinutes` of past synthetic ticks for every symbol whose log is empty, so
	 * bars, indicators and agents have data from the first second. A symbol with a log keeps it.
	 */
	async #writeHistory(): Promise<void> {
		const { symbols, historyMinutes, historyStepMs, seed } = this.settings;
		if (historyMinutes <= 0) return;
		const t0 = Date.now();
		try {
			await this.deps.ready();
			const seqs = await Promise.all(symbols.map(s => this.deps.lastSeq(s)));
			const empty = symbols.filter((_, i) => seqs[i] === 0);
			const ticks = syntheticHistory(empty, { seed, endTs: this.deps.now(), spanMs: historyMinutes * 60_000, stepMs: historyStepMs });
			// In small slices with a macrotask between them: the memory store answers in microtasks,
			// so one big batch would hold the event loop (lease renewals, HTTP) for seconds.
			const slice = 250 * Math.max(1, empty.length);
			for (let i = 0; i < ticks.length && this.status.status.state !== "stopped"; i += slice) {
				await this.deps.submit(ticks.slice(i, i + slice));
				await nextTurn();
			}
			const ms = Date.now() - t0;
			this.status.history = { symbols: empty.length, ticks: ticks.length, ms };
			if (ticks.length > 0) this.deps.logger.info({ symbols: empty.length, ticks: ticks.length, ms }, "warm start: past synthetic ticks written");
		} catch (err) {
			this.deps.logger.warn({ err: (err as Error).message }, "warm start skipped: history not written; the feed goes live without it");
		}
	}

	#fire(gen: SyntheticFeed, stepsPerFire: number): void {
		const st = this.status;
		if (this.inFlight) {
			st.skipped++;
			this.deps.skipped(st.name);
			return;
		}
		const now = this.deps.now();
		const ticks: Tick[] = [];
		for (let i = 0; i < stepsPerFire; i++) ticks.push(...gen.step(now));
		st.produced += ticks.length;
		st.lastTickAt = now;
		this.inFlight = this.deps
			.submit(ticks)
			.then(r => {
				st.accepted += r.accepted;
				if (st.status.state !== "running") {
					this.deps.logger.info({ feed: st.name }, "feed recovered");
					st.status = { state: "running", since: now };
				}
			})
			.catch((err: Error) => {
				st.errors++;
				if (st.status.state !== "failing") this.deps.logger.warn({ feed: st.name, err: err.message }, "feed is failing");
				st.status = { state: "failing", since: st.status.state === "failing" ? st.status.since : now, lastError: err.message };
			})
			.finally(() => (this.inFlight = null));
	}
}
