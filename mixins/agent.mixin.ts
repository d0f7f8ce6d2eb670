/**
 * The schema every agent service shares (`agents.sentiment`, `agents.forecast`, …): one AgentRunner
 * (lib/agents) per node, settings from the config with the stored override (config API) on top,
 * changed at run time by the `agents.settings.changed` event. Several nodes running the same agent
 * are load-balanced by Moleculer.
 *
 * Resilience is Moleculer's own, per endpoint (what it relies on: middlewares/endpoint-breakers.ts):
 * `run` has a Bulkhead of `maxConcurrent` running + `queueLimit` waiting on each serving node
 * (beyond that: QueueIsFullError, turned into BusyError by mixins/agent-client.mixin.ts) and a
 * CircuitBreaker on each caller per serving node, so a failing node is skipped while the healthy
 * ones serve. The lib/resilience timeout stays around the model's own I/O.
 */
import type { ActionParams, Context, ServiceSchema } from "moleculer";
import { AgentRunner, type AgentRunResult, type AgentStatus } from "../lib/agents/agent-runner.ts";
import { createModel } from "../lib/agents/models.ts";
import type { AgentBreakerSettings, AgentName, AgentSettings } from "../lib/agents/model.ts";
import type { NodeDeps } from "../runtime/deps.ts";
import { ADMIN_ONLY } from "../lib/auth/authenticator.ts";
import { bulkheadLoad } from "../middlewares/endpoint-breakers.ts";

/** KV hash of agent settings changed through the config API, one field per agent. */
export const AGENT_SETTINGS_KEY = "config:agents";
export const SETTINGS_CHANGED_EVENT = "agents.settings.changed";
/** Broadcast by an agent node after an operator restart, so callers close their breaker for it. */
export const AGENT_RESTARTED_EVENT = "agents.restarted";

/** An agent's `breaker` setting (lib/agents/model.ts) goes over these. */
export const DEFAULT_AGENT_BREAKER: AgentBreakerSettings = { threshold: 0.5, minRequestCount: 5, halfOpenTime: 30_000 };

interface Vars {
	runner: AgentRunner<any, any>;
	gaugeTimer: NodeJS.Timeout | null;
	/** This service is being replaced by one with the runner's new limits. */
	replacing: boolean;
}
interface Methods {
	nodeStatus(): AgentStatus & { node: string };
	applySettings(settings: AgentSettings): void;
	replaceIfLimitsChanged(): void;
}

export interface AgentSchemaOptions {
	/** The runner of the service this one replaces (new limits), so statistics and the model carry over. */
	runner?: AgentRunner<any, any>;
}

/** What Moleculer copies when the action is registered: a change needs a new registration. */
const sameLimits = (a: AgentSettings, b: AgentSettings) => a.maxConcurrent === b.maxConcurrent && a.queueLimit === b.queueLimit && JSON.stringify(a.breaker ?? {}) === JSON.stringify(b.breaker ?? {});

/** Moleculer's Bulkhead reads `maxQueueSize: 0` as unbounded: a queueLimit of 0 is served as 1 so the queue stays bounded. */
const bulkheadOf = (s: AgentSettings) => ({ enabled: true, concurrency: s.maxConcurrent, maxQueueSize: Math.max(1, s.queueLimit) });

export function agentServiceSchema(name: AgentName, deps: NodeDeps, params: Record<string, unknown>, opts: AgentSchemaOptions = {}): ServiceSchema<Record<string, never>, Methods, Vars> {
	const labels = { agent: name };
	const service = `agents.${name}`;
	const runner = opts.runner ?? new AgentRunner(name, deps.config.agents[name], s => createModel(name, s), { now: deps.now });
	// The limits this service's Bulkhead was registered with (Moleculer copies them once).
	const limits = runner.settings;
	return {
		name: service,

		actions: {
			run: {
				params: params as ActionParams,
				bulkhead: bulkheadOf(limits),
				circuitBreaker: { enabled: true, ...DEFAULT_AGENT_BREAKER, ...limits.breaker },
				async handler(ctx: Context<Record<string, unknown>>): Promise<AgentRunResult> {
					const input = name === "sentiment" || name === "forecast" ? ctx.params : ctx.params.view;
					try {
						const r = await this.runner.run(input);
						this.broker.metrics.increment("rookery.agents.calls", { ...labels, outcome: "ok" });
						this.broker.metrics.observe("rookery.agents.latency", r.latencyMs, labels);
						return { agent: name, node: this.broker.nodeID, mode: r.mode, latencyMs: r.latencyMs, health: this.runner.status().health_score, result: r.result };
					} catch (err) {
						this.broker.metrics.increment("rookery.agents.calls", { ...labels, outcome: (err as Error).name ?? "Error" });
						throw err;
					}
				},
			},

			/** This node's figures; the breaker is each caller's (mixins/agent-client.mixin.ts adds it). */
			status: {
				// No Retry: callers pin the node (`{ nodeID }`) and Moleculer's retry picks a new endpoint.
				handler(): AgentStatus & { node: string } {
					return this.nodeStatus();
				},
			},

			/** Model client renewed and statistics cleared on this node; callers close their breaker for it. */
			restart: {
				...ADMIN_ONLY,
				handler(): AgentStatus & { node: string } {
					this.runner.restart();
					this.logger.info(`agent ${name} restarted`);
					void this.broker.broadcast(AGENT_RESTARTED_EVENT, { agent: name, node: this.broker.nodeID });
					return this.nodeStatus();
				},
			},
		},

		events: {
			[SETTINGS_CHANGED_EVENT]: {
				handler(ctx: Context<{ name: AgentName; settings: AgentSettings }>) {
					if (ctx.params.name !== name) return;
					this.applySettings(ctx.params.settings);
					this.logger.info(`agent ${name} settings changed`);
				},
			},
		},

		methods: {
			nodeStatus() {
				return { ...this.runner.status(bulkheadLoad(this.broker, service, `${service}.run`)), node: this.broker.nodeID };
			},

			/**
			 * New limits need a new Bulkhead, and Moleculer builds it when the action is registered:
			 * this service is replaced by one with the same runner (calls in flight finish on the old
			 * one; a call arriving in between goes to another node running the agent, or is answered
			 * SERVICE_NOT_FOUND, retryable).
			 */
			applySettings(settings: AgentSettings) {
				this.runner.update(settings);
				this.replaceIfLimitsChanged();
			},

			/** Once per service: settings arriving while it is replaced reach the shared runner, and the replacement checks them when it starts. */
			replaceIfLimitsChanged() {
				const s = this.runner.settings;
				if (this.replacing || sameLimits(s, limits)) return;
				this.replacing = true;
				const next = agentServiceSchema(name, deps, params, { ...opts, runner: this.runner });
				const replace = () => void this.broker.destroyService(this).then(() => this.broker.createService(next));
				// Not while the broker is still starting its services (a stored override read in started()).
				if (this.broker.started) replace();
				else this.broker.localBus.once("$broker.started", replace);
			},
		},

		created() {
			this.runner = runner;
			this.gaugeTimer = null;
			this.replacing = false;
			const m = this.broker.metrics;
			if (!m.getMetric("rookery.agents.calls")) {
				m.register({ type: "counter", name: "rookery.agents.calls", labelNames: ["agent", "outcome"], description: "Agent calls by outcome (ok or the error class)" });
				m.register({ type: "histogram", name: "rookery.agents.latency", labelNames: ["agent"], unit: "millisecond", buckets: [5, 25, 100, 500, 2000, 10000, 30000], description: "Agent call latency" });
				m.register({ type: "gauge", name: "rookery.agents.health", labelNames: ["agent"], description: "Agent health score 0..1" });
				m.register({ type: "gauge", name: "rookery.agents.utilization", labelNames: ["agent"], description: "Agent calls running / maxConcurrent" });
			}
		},

		async started() {
			// Settings changed through the config API outlive restarts: the stored override wins over the file.
			if (!opts.runner) {
				const stored = await deps.kv.hget<Partial<AgentSettings>>(AGENT_SETTINGS_KEY, name).catch(err => {
					this.logger.warn(`agent ${name}: stored settings unreadable (${(err as Error).message}); using the config file`);
					return null;
				});
				if (stored) this.runner.update({ ...deps.config.agents[name], ...stored });
			}
			this.replaceIfLimitsChanged();
			this.gaugeTimer = setInterval(() => {
				const s = this.nodeStatus();
				this.broker.metrics.set("rookery.agents.health", s.health_score, labels);
				this.broker.metrics.set("rookery.agents.utilization", s.utilization, labels);
			}, 5000);
			this.gaugeTimer.unref();
		},

		stopped() {
			if (this.gaugeTimer) clearInterval(this.gaugeTimer);
		},
	};
}
