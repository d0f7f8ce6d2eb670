/**
 * One agent's runtime: its model behind a circuit breaker, a bulkhead and a timeout, with the
 * statistics `/agents/status` reports. Order of a call: disabled → refused; breaker open → refused
 * at once (CircuitOpenError); bulkhead full → refused at once (BusyError, not a breaker failure);
 * otherwise the model runs under `timeoutMs` (TimeoutError aborts its HTTP call).
 *
 * health_score = breaker factor (closed 1, half-open 0.5, open 0)
 *              × (1 − error rate of the last 100 calls)
 *              × latency factor (1 while p99 <= timeoutMs/2, falling linearly to 0.5 at p99 = timeoutMs)
 *              (0 when disabled).
 */
import { Bulkhead } from "../resilience/bulkhead.ts";
import { CircuitBreaker, CircuitOpenError, type BreakerStatus } from "../resilience/circuit-breaker.ts";
import { withTimeout } from "../resilience/timeout.ts";
import { BusyError, TimeoutError, UnavailableError } from "../protocol/errors.ts";
import { AgentStats } from "./agent-stats.ts";
import { shownSettings, type AgentModel, type AgentName, type AgentSettings } from "./model.ts";

export interface BreakerSettings {
	failureThreshold: number;
	openMs: number;
}
export const DEFAULT_BREAKER: BreakerSettings = { failureThreshold: 5, openMs: 30_000 };

export interface AgentStatus {
	name: string;
	enabled: boolean;
	mode: "builtin" | "remote";
	settings: AgentSettings;
	health_score: number;
	utilization: number;
	active: number;
	queued: number;
	latency_ms: { p50: number | null; p99: number | null };
	error_rate: number;
	calls: number;
	errors: number;
	timeouts: number;
	rejected: number;
	refused_open: number;
	breaker: BreakerStatus;
	restarts: number;
}

export interface AgentRun<O> {
	result: O;
	latencyMs: number;
	mode: "builtin" | "remote";
}

/** What `agents.{name}.run` answers: the run, where it ran and that agent's health there. */
export interface AgentRunResult<O = unknown> {
	agent: AgentName;
	node: string;
	mode: "builtin" | "remote";
	latencyMs: number;
	health: number;
	result: O;
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

export class AgentRunner<I, O> {
	#settings: AgentSettings;
	#model: AgentModel<I, O>;
	#bulkhead: Bulkhead;
	#breaker: CircuitBreaker;
	#stats = new AgentStats();
	#restarts = 0;

	constructor(
		readonly name: string,
		settings: AgentSettings,
		private readonly makeModel: (s: AgentSettings) => AgentModel<I, O>,
		private readonly opts: { now: () => number; breaker?: BreakerSettings } = { now: Date.now },
	) {
		this.#settings = { ...settings };
		this.#model = makeModel(settings);
		this.#bulkhead = new Bulkhead(`agents.${name}`, settings);
		this.#breaker = this.#newBreaker();
	}

	get settings(): AgentSettings {
		return { ...this.#settings };
	}

	async run(input: I): Promise<AgentRun<O>> {
		if (!this.#settings.enabled) throw new UnavailableError(`agent ${this.name} is disabled`, { agent: this.name });
		if (!this.#breaker.canRequest()) {
			this.#stats.refusedOpen++;
			throw new CircuitOpenError(this.#breaker.name, this.#breaker.status().nextProbeAt);
		}
		const model = this.#model;
		const breaker = this.#breaker;
		const stats = this.#stats;
		const timeoutMs = this.#settings.timeoutMs;
		let started = 0;
		try {
			return await this.#bulkhead.run(() =>
				breaker.exec(async () => {
					started = this.opts.now();
					const result = await withTimeout(signal => model.run(input, signal), timeoutMs, `agents.${this.name}`);
					const latencyMs = this.opts.now() - started;
					stats.record(latencyMs, true);
					return { result, latencyMs, mode: model.kind };
				}),
			);
		} catch (err) {
			if (err instanceof BusyError) stats.rejected++;
			else if (started) stats.record(this.opts.now() - started, false, err instanceof TimeoutError);
			throw err;
		}
	}

	/** New settings: limits apply to the next calls; a new url or model means a new model client. */
	update(settings: AgentSettings): void {
		const before = this.#settings;
		this.#settings = { ...settings };
		this.#bulkhead.resize(settings);
		if (before.url !== settings.url || before.model !== settings.model) {
			this.#model = this.makeModel(settings);
			this.#breaker.reset();
		}
	}

	/** Operator restart: a fresh model client, breaker closed, statistics cleared. Calls in flight finish. */
	restart(): void {
		this.#model = this.makeModel(this.#settings);
		this.#breaker.reset();
		this.#stats = new AgentStats();
		this.#restarts++;
	}

	status(): AgentStatus {
		const b = this.#breaker.status();
		const bh = this.#bulkhead.stats();
		const p50 = this.#stats.percentile(50);
		const p99 = this.#stats.percentile(99);
		const errorRate = this.#stats.errorRate();
		const half = this.#settings.timeoutMs / 2;
		const latencyFactor = p99 === null || p99 <= half ? 1 : Math.max(0.5, 1 - (0.5 * (p99 - half)) / half);
		const breakerFactor = b.state === "closed" ? 1 : b.state === "half-open" ? 0.5 : 0;
		return {
			name: this.name,
			enabled: this.#settings.enabled,
			mode: this.#model.kind,
			settings: shownSettings(this.#settings),
			health_score: this.#settings.enabled ? r3(breakerFactor * (1 - errorRate) * latencyFactor) : 0,
			utilization: r3(bh.active / bh.maxConcurrent),
			active: bh.active,
			queued: bh.queued,
			latency_ms: { p50: p50 === null ? null : r3(p50), p99: p99 === null ? null : r3(p99) },
			error_rate: r3(errorRate),
			calls: this.#stats.calls,
			errors: this.#stats.errors,
			timeouts: this.#stats.timeouts,
			rejected: bh.rejected,
			refused_open: this.#stats.refusedOpen,
			breaker: b,
			restarts: this.#restarts,
		};
	}

	#newBreaker(): CircuitBreaker {
		const b = this.opts.breaker ?? DEFAULT_BREAKER;
		return new CircuitBreaker(`agents.${this.name}`, { failureThreshold: b.failureThreshold, openMs: b.openMs, halfOpenMaxCalls: 1, now: this.opts.now });
	}
}
