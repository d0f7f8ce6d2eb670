/**
 * The data worker against local vendor servers with a fake clock: fallback down the chain, backoff
 * timings (multiplier, cap, Retry-After), the breaker opening and closing, and a cadence change
 * taking effect without a restart. Real HTTP; only time is fake.
 */
import { expect } from "chai";
import { DataWorker, type Timers, type WorkerDeps } from "../../../lib/workers/data-worker.ts";
import type { Cadence } from "../../../lib/workers/cadence.ts";
import { CircuitBreaker } from "../../../lib/resilience/circuit-breaker.ts";
import { HttpPollVendor } from "../../../lib/vendors/http-poll.ts";
import { SyntheticVendor } from "../../../lib/vendors/synthetic.ts";
import type { DataType, PollVendor, VendorItem } from "../../../lib/vendors/vendor.ts";
import { Ring } from "../../../lib/workers/ring.ts";
import { startYahooServer, type YahooServer } from "../../helpers/vendor-servers/yahoo-chart.ts";

class FakeTimers implements Timers {
	t = 1_700_000_000_000;
	queue: Array<{ at: number; fn: () => void }> = [];
	/** Every delay asked for, in order. */
	delays: number[] = [];
	#waiters: Array<() => void> = [];
	now = () => this.t;
	setTimeout(fn: () => void, ms: number): unknown {
		const h = { at: this.t + ms, fn };
		this.queue.push(h);
		this.delays.push(ms);
		for (const w of this.#waiters.splice(0)) w();
		return h;
	}
	clearTimeout(h: unknown): void {
		this.queue = this.queue.filter(x => x !== h);
	}
	/** Resolves when the worker next sets a timer: it sleeps, or has scheduled its next run. */
	nextTimer(): Promise<void> {
		return new Promise(r => this.#waiters.push(r));
	}
	/** Resolves once a timer is pending: the worker is asleep. */
	pending(): Promise<void> {
		return this.queue.length > 0 ? Promise.resolve() : this.nextTimer();
	}
	/**
	 * Move the clock, firing due timers in order. After each, the worker's real I/O runs until it
	 * sets its next timer, or until `settled` (the work under test) ends without one.
	 */
	async advance(ms: number, settled: Promise<unknown> = new Promise(() => {})): Promise<void> {
		const end = this.t + ms;
		let done = false;
		void settled.then(
			() => (done = true),
			() => (done = true),
		);
		for (;;) {
			const due = this.queue.filter(h => h.at <= end).sort((a, b) => a.at - b.at)[0];
			if (!due) break;
			this.t = due.at;
			this.queue = this.queue.filter(h => h !== due);
			const next = this.nextTimer();
			due.fn();
			if (!done) await Promise.race([next, settled.catch(() => {})]);
		}
		this.t = end;
	}
}

/** A poll vendor whose answers take the (fake) time the test sets per call, and that logs when each poll started. */
class TimedVendor extends SyntheticVendor {
	starts: Array<{ symbol: string; at: number }> = [];
	constructor(
		readonly timers: FakeTimers,
		readonly latency: (symbol: string, call: number) => number,
	) {
		super("timed", { seed: 1, now: timers.now });
	}
	override async fetch(dataType: DataType, symbol: string): Promise<VendorItem[]> {
		this.starts.push({ symbol, at: this.timers.now() });
		const ms = this.latency(symbol, this.starts.length);
		if (ms > 0) await new Promise<void>(r => this.timers.setTimeout(r, ms));
		return super.fetch(dataType, symbol);
	}
}

describe("workers: DataWorker", () => {
	let yahoo: YahooServer;
	let timers: FakeTimers;
	let breakers: Map<string, CircuitBreaker>;
	let vendors: Map<string, PollVendor>;
	const emitted: Array<{ vendor: string; symbol: string; items: number }> = [];

	beforeEach(async () => {
		timers = new FakeTimers();
		yahoo = await startYahooServer({ now: timers.now });
		breakers = new Map();
		vendors = new Map<string, PollVendor>([
			["yahoo", new HttpPollVendor("yahoo", { baseUrl: yahoo.url })],
			["synthetic", new SyntheticVendor("synthetic", { seed: 1, now: timers.now })],
		]);
		emitted.length = 0;
	});
	afterEach(() => yahoo.close());

	const make = (cadence: Partial<Cadence>, retry: Partial<WorkerDeps["retry"]> = {}, failureThreshold = 5, instruments = ["AAPL"]) => {
		const deps: WorkerDeps = {
			timers,
			retry: { initialMs: 1000, maxMs: 60_000, jitter: "none", timeoutMs: 2000, concurrency: 1, ...retry },
			telemetryLimit: 1000,
			vendor: n => vendors.get(n),
			breaker: n => {
				if (!breakers.has(n)) breakers.set(n, new CircuitBreaker(n, { failureThreshold, openMs: 30_000, halfOpenMaxCalls: 1, now: timers.now }));
				return breakers.get(n)!;
			},
			instruments: async () => instruments,
			claim: async () => true,
			emit: b => void emitted.push({ vendor: b.vendor, symbol: b.symbol, items: b.items.length }),
		};
		return new DataWorker("market_data", { data_type: "market_data", interval_seconds: 60, enabled: true, retry_attempts: 1, retry_backoff_multiplier: 2, vendor_fallback: true, vendors: ["yahoo", "synthetic"], ...cadence }, deps);
	};

	it("falls back down the chain when the primary fails, and says so", async () => {
		yahoo.modes = ["500"];
		const w = make({});
		const rec = await w.runOnce();
		expect(emitted).to.deep.equal([{ vendor: "synthetic", symbol: "AAPL", items: 1 }]);
		expect(rec).to.include({ vendor: "synthetic", fallbacks: 1, items: 1, symbols: 1 });
		expect(yahoo.hits.get("AAPL")).to.equal(1);
		expect(w.status()).to.include({ current_vendor: "synthetic", success_count: 1, error_count: 0 });
		// Without fallback the same failure is an error of the run.
		const strict = make({ vendor_fallback: false });
		const r2 = await strict.runOnce();
		expect(r2.errors).to.have.length(1);
		expect(strict.status().last_error).to.match(/AAPL: yahoo: HTTP 500/);
	});

	it("retries with exponential backoff: initial × multiplier^n, capped at the max, Retry-After honoured", async () => {
		yahoo.modes = ["500", "500", "ok"];
		const w = make({ vendors: ["yahoo"], retry_attempts: 3, retry_backoff_multiplier: 3 });
		const done = w.poll("AAPL");
		await timers.pending();
		await timers.advance(999, done);
		expect(yahoo.hits.get("AAPL")).to.equal(1); // still asleep before 1 s
		await timers.advance(1 + 3000, done);
		const batch = await done;
		expect(timers.delays).to.deep.equal([1000, 3000]);
		expect(batch).to.include({ vendor: "yahoo", retry_count: 2, fallback: false });

		timers.delays = [];
		yahoo.modes = ["500", "500", "ok"];
		const capped = make({ vendors: ["yahoo"], retry_attempts: 3, retry_backoff_multiplier: 10 }, { maxMs: 5000 });
		const p2 = capped.poll("AAPL");
		await timers.pending();
		await timers.advance(20_000, p2);
		await p2;
		expect(timers.delays).to.deep.equal([1000, 5000]);

		timers.delays = [];
		yahoo.retryAfterSeconds = 7;
		yahoo.modes = ["429", "ok"];
		const limited = make({ vendors: ["yahoo"], retry_attempts: 2 });
		const p3 = limited.poll("AAPL");
		await timers.pending();
		await timers.advance(7000, p3);
		await p3;
		expect(timers.delays).to.deep.equal([7000]);
	});

	it("full jitter draws each delay uniformly below the exponential bound", async () => {
		yahoo.modes = ["500", "500", "ok"];
		const w = make({ vendors: ["yahoo"], retry_attempts: 3 }, { jitter: "full", random: () => 0.5 });
		const p = w.poll("AAPL");
		await timers.pending();
		await timers.advance(10_000, p);
		await p;
		expect(timers.delays).to.deep.equal([500, 1000]);
	});

	it("opens the vendor's breaker after repeated failures (skipping it), half-opens after openMs and closes on success", async () => {
		yahoo.modes = ["500"];
		const w = make({}, {}, 2);
		await w.runOnce();
		await w.runOnce();
		expect(breakers.get("yahoo")!.state).to.equal("open");
		expect(w.status().breakers).to.deep.include({ vendor: "yahoo", state: "open" });
		const hits = yahoo.hits.get("AAPL");
		const r3 = await w.runOnce();
		expect(yahoo.hits.get("AAPL")).to.equal(hits); // not even tried
		expect(r3.vendor).to.equal("synthetic");
		timers.t += 30_000;
		expect(w.status().breakers).to.deep.include({ vendor: "yahoo", state: "half-open" });
		yahoo.modes = ["ok"];
		const r4 = await w.runOnce();
		expect(r4.vendor).to.equal("yahoo");
		expect(breakers.get("yahoo")!.state).to.equal("closed");
	});

	it("a client error (unknown symbol) does not count against the breaker and is not retried", async () => {
		yahoo.modes = ["404"];
		const w = make({ vendors: ["yahoo"], retry_attempts: 3 });
		for (let i = 0; i < 3; i++) await w.runOnce();
		expect(yahoo.hits.get("AAPL")).to.equal(3);
		expect(breakers.get("yahoo")!.state).to.equal("closed");
		expect(timers.delays).to.deep.equal([]); // no backoff sleeps
	});

	it("runs on its cadence, and a cadence change moves the next run without a restart", async () => {
		const w = make({ vendors: ["synthetic"] });
		const t0 = timers.t;
		w.start();
		await timers.advance(0);
		expect(w.telemetry.size).to.equal(1);
		expect(w.status().next_run).to.equal(new Date(t0 + 60_000).toISOString());
		w.setCadence({ ...w.cadence, interval_seconds: 10 });
		expect(w.status().next_run).to.equal(new Date(t0 + 10_000).toISOString());
		await timers.advance(10_000);
		expect(w.telemetry.size).to.equal(2);
		await timers.advance(10_000);
		expect(w.telemetry.size).to.equal(3);
		w.setCadence({ ...w.cadence, enabled: false });
		await timers.advance(60_000);
		expect(w.telemetry.size).to.equal(3);
		expect(w.status()).to.include({ status: "disabled", next_run: null });
		expect(w.status()).to.have.all.keys("worker_id", "data_type", "status", "last_run", "next_run", "success_count", "error_count", "current_vendor", "last_error", "breakers");
	});

	it("polls each instrument a full interval after its last poll, however slow the polls before it in its lane were", async () => {
		// A's first answer takes 3 s, so in the first run B (behind A in the only lane) starts 3 s late.
		const timed = new TimedVendor(timers, (_symbol, call) => (call === 1 ? 3000 : 0));
		vendors.set("timed", timed);
		const w = make({ vendors: ["timed"], interval_seconds: 10 }, { concurrency: 1 }, 5, ["A", "B"]);
		const t0 = timers.t;
		w.start();
		await timers.advance(30_000);
		await w.stop();
		const startsOf = (s: string) => timed.starts.filter(x => x.symbol === s).map(x => x.at - t0);
		expect(startsOf("A")).to.deep.equal([0, 10_000, 20_000, 30_000]);
		// Unpaced, B would start at 10 s in the second run: twice within one interval.
		expect(startsOf("B")).to.deep.equal([3000, 13_000, 23_000]);
		expect(w.telemetry.size).to.equal(4);
	});

	it("keeps the last N run records (ring buffer), newest first", () => {
		const r = new Ring<number>(1000);
		for (let i = 0; i < 2500; i++) r.push(i);
		expect(r.size).to.equal(1000);
		expect(r.newest(3)).to.deep.equal([2499, 2498, 2497]);
		expect(r.newest().at(-1)).to.equal(1500);
	});
});
