/**
 * One agent's runtime on one node: its model under a timeout (TimeoutError aborts its HTTP call),
 * with the statistics `/agents/status` reports. The circuit breaker and the bulkhead are
 * Moleculer's own, per endpoint (mixins/agent.mixin.ts): the bulkhead on the node serving
 * `agents.{name}.run`, the breaker on each caller for each serving node. Their state comes back in
 * through `ResilienceView`.
 *
 * health_score = breaker factor (closed 1, half-open 0.5, open 0)
 *              × (1 − error rate of the last 100 calls)
 *              × latency factor (1 while p99 <= timeoutMs/2, falling linearly to 0.5 at p99 = timeoutMs)
 *              (0 when disabled).
 */
import { withTimeout } from "../resilience/timeout.ts";
import { TimeoutError, UnavailableError } from "../protocol/errors.ts";
import { AgentStats } from "./agent-stats.ts";
import { shownSettings, type AgentModel, type AgentName, type AgentSettings } from "./model.ts";

export type BreakerState = "closed" | "open" | "half-open";

/** A caller's circuit breaker for one serving node's `agents.{name}.run` endpoint (Moleculer's, read by middlewares/endpoint-breakers.ts). */
export interface BreakerStatus {
	name: string;
	state: BreakerState;
	/** Calls and failures counted in the current window (Moleculer's `windowTime`). */
	calls: number;
	failures: number;
}

/** What the runner does not see itself: the bulkhead (serving node) and the breaker and refusals (caller). */
export interface ResilienceView {
	active: number;
	queued: number;
	rejected: number;
	refusedOpen: number;
	breaker: BreakerStatus;
}

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

/** A closed breaker with nothing counted: what a node reports about itself before a caller adds its view. */
export const closedBreaker = (name: string): BreakerStatus => ({ name, state: "closed", calls: 0, failures: 0 });

export class AgentRunner<I, O> {
	#settings: AgentSettings;
	#model: AgentModel<I, O>;
	#stats = new AgentStats();
	#restarts = 0;

	constructor(
		readonly name: string,
		settings: AgentSettings,
		private readonly makeModel: (s: AgentSettings) => AgentModel<I, O>,
		private readonly opts: { now: () => number } = { now: Date.now },
	) {
		this.#settings = { ...settings };
		this.#model = makeModel(settings);
	}

	get settings(): AgentSettings {
		return { ...this.#settings };
	}

	async run(input: I): Promise<AgentRun<O>> {
		if (!this.#settings.enabled) throw new UnavailableError(`agent ${this.name} is disabled`, { agent: this.name });
		const model = this.#model;
		const stats = this.#stats;
		const started = this.opts.now();
		try {
			const result = await withTimeout(signal => model.run(input, signal), this.#settings.timeoutMs, `agents.${this.name}`);
			const latencyMs = this.opts.now() - started;
			stats.record(latencyMs, true);
			return { result, latencyMs, mode: model.kind };
		} catch (err) {
			stats.record(this.opts.now() - started, false, err instanceof TimeoutError);
			throw err;
		}
	}

	/** New settings for the next calls; a new url or model means a new model client. */
	update(settings: AgentSettings): void {
		const before = this.#settings;
		this.#settings = { ...settings };
		if (before.url !== settings.url || before.model !== settings.model) this.#model = this.makeModel(settings);
	}

	/** Operator restart: a fresh model client, statistics cleared. Calls in flight finish. */
	restart(): void {
		this.#model = this.makeModel(this.#settings);
		this.#stats = new AgentStats();
		this.#restarts++;
	}

	/** This node's figures, with the bulkhead's and the breaker's from `view` (a closed, idle one by default). */
	status(view: Partial<ResilienceView> = {}): AgentStatus {
		const p50 = this.#stats.percentile(50);
		const p99 = this.#stats.percentile(99);
		const active = view.active ?? 0;
		const status: AgentStatus = {
			name: this.name,
			enabled: this.#settings.enabled,
			mode: this.#model.kind,
			settings: shownSettings(this.#settings),
			health_score: 0,
			utilization: r3(active / this.#settings.maxConcurrent),
			active,
			queued: view.queued ?? 0,
			latency_ms: { p50: p50 === null ? null : r3(p50), p99: p99 === null ? null : r3(p99) },
			error_rate: r3(this.#stats.errorRate()),
			calls: this.#stats.calls,
			errors: this.#stats.errors,
			timeouts: this.#stats.timeouts,
			rejected: view.rejected ?? 0,
			refused_open: view.refusedOpen ?? 0,
			breaker: view.breaker ?? closedBreaker(`agents.${this.name}`),
			restarts: this.#restarts,
		};
		return withHealth(status);
	}
}

/** A node's status as one caller sees it: its breaker for that node and the calls it had refused. */
export function withCallerView(s: AgentStatus, view: Pick<ResilienceView, "breaker" | "rejected" | "refusedOpen">): AgentStatus {
	return withHealth({ ...s, breaker: view.breaker, rejected: s.rejected + view.rejected, refused_open: s.refused_open + view.refusedOpen });
}

function withHealth(s: AgentStatus): AgentStatus {
	const half = s.settings.timeoutMs / 2;
	const p99 = s.latency_ms.p99;
	const latencyFactor = p99 === null || p99 <= half ? 1 : Math.max(0.5, 1 - (0.5 * (p99 - half)) / half);
	const breakerFactor = s.breaker.state === "closed" ? 1 : s.breaker.state === "half-open" ? 0.5 : 0;
	return { ...s, health_score: s.enabled ? r3(breakerFactor * (1 - s.error_rate) * latencyFactor) : 0 };
}
