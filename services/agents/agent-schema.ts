/**
 * The schema every agent service shares (`agents.sentiment`, `agents.forecast`, …): one AgentRunner
 * (lib/agents) per node, settings from the config with the stored override (config API) on top,
 * changed at run time by the `agents.settings.changed` event. Several nodes running the same agent
 * are load-balanced by Moleculer (round robin by default).
 */
import type { ActionParams, Context, ServiceSchema } from "moleculer";
import { AgentRunner, type AgentRunResult, type AgentStatus } from "../../lib/agents/agent-runner.ts";
import { createModel } from "../../lib/agents/models.ts";
import type { AgentName, AgentSettings } from "../../lib/agents/model.ts";
import type { NodeDeps } from "../../runtime/deps.ts";
import { ADMIN_ONLY } from "../../lib/auth/authenticator.ts";

/** KV hash of agent settings changed through the config API, one field per agent. */
export const AGENT_SETTINGS_KEY = "config:agents";
export const SETTINGS_CHANGED_EVENT = "agents.settings.changed";

interface Vars {
	runner: AgentRunner<any, any>;
	gaugeTimer: NodeJS.Timeout | null;
}

export function agentServiceSchema(name: AgentName, deps: NodeDeps, params: Record<string, unknown>): ServiceSchema<Record<string, never>, Record<string, never>, Vars> {
	const labels = { agent: name };
	return {
		name: `agents.${name}`,

		actions: {
			run: {
				params: params as ActionParams,
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

			status: {
				handler(): AgentStatus & { node: string } {
					return { ...this.runner.status(), node: this.broker.nodeID };
				},
			},

			/** Breaker closed, model client renewed, statistics cleared on this node. */
			restart: {
				...ADMIN_ONLY,
				handler(): AgentStatus & { node: string } {
					this.runner.restart();
					this.logger.info(`agent ${name} restarted`);
					return { ...this.runner.status(), node: this.broker.nodeID };
				},
			},
		},

		events: {
			[SETTINGS_CHANGED_EVENT]: {
				handler(ctx: Context<{ name: AgentName; settings: AgentSettings }>) {
					if (ctx.params.name !== name) return;
					this.runner.update(ctx.params.settings);
					this.logger.info(`agent ${name} settings changed`);
				},
			},
		},

		created() {
			this.runner = new AgentRunner(name, deps.config.agents[name], s => createModel(name, s), { now: deps.now });
			this.gaugeTimer = null;
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
			const stored = await deps.kv.hget<Partial<AgentSettings>>(AGENT_SETTINGS_KEY, name).catch(err => {
				this.logger.warn(`agent ${name}: stored settings unreadable (${(err as Error).message}); using the config file`);
				return null;
			});
			if (stored) this.runner.update({ ...deps.config.agents[name], ...stored });
			this.gaugeTimer = setInterval(() => {
				const s = this.runner.status();
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
