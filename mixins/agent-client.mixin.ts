/**
 * Calling the agents (`agents.{name}.run`) and reporting on them, for a service that does so (the
 * intelligence service). Moleculer's CircuitBreaker lives on the caller, one per serving node
 * (middlewares/endpoint-breakers.ts), so this caller's view is what `/agents/status` shows as a
 * node's breaker, with the calls it had refused:
 * - every endpoint tripped → Moleculer answers SERVICE_NOT_AVAILABLE; this is a CircuitOpenError
 *   (503, retryable) counted in `refused_open`;
 * - the serving node's Bulkhead full → QueueIsFullError; this is a BusyError (503, retryable)
 *   counted in that node's `rejected`.
 * Both are also counted in `rookery.agents.refused{agent,reason}`.
 */
import type { Context, ServiceSchema } from "moleculer";
import { AGENT_NAMES, type AgentName } from "../lib/agents/model.ts";
import { withCallerView, type AgentRunResult } from "../lib/agents/agent-runner.ts";
import { aggregateAgentStatus, type AggregatedAgentStatus, type NodeAgentStatus } from "../lib/intelligence/unified.ts";
import { CircuitOpenError } from "../lib/resilience/circuit-breaker.ts";
import { BusyError } from "../lib/protocol/errors.ts";
import { allEndpointsOpen, closeEndpointBreaker, endpointBreaker } from "../middlewares/endpoint-breakers.ts";
import { AGENT_RESTARTED_EVENT } from "./agent.mixin.ts";

type Caller = <T>(action: string, params: object) => Promise<T>;

interface Refusals {
	open: number;
	/** Per serving node. */
	busy: Map<string, number>;
}
interface Vars {
	agentRefusals: Map<AgentName, Refusals>;
}
interface Methods {
	runAgent(call: Caller, agent: AgentName, params: object): Promise<AgentRunResult>;
	agentStatus(ctx: Context, agent: AgentName): Promise<AggregatedAgentStatus>;
	agentNodes(agent: AgentName): string[];
	agentRestarted(agent: AgentName, nodeID: string): void;
	refusalsOf(agent: AgentName): Refusals;
}

const runAction = (agent: AgentName) => `agents.${agent}.run`;

export function agentClientMixin(): Partial<ServiceSchema<Record<string, never>, Methods, Vars>> {
	return {
		events: {
			[AGENT_RESTARTED_EVENT]: {
				handler(ctx: Context<{ agent: AgentName; node: string }>) {
					this.agentRestarted(ctx.params.agent, ctx.params.node);
				},
			},
		},

		methods: {
			async runAgent(call: Caller, agent: AgentName, params: object): Promise<AgentRunResult> {
				try {
					return await call<AgentRunResult>(runAction(agent), params);
				} catch (err) {
					const e = err as { type?: string; data?: { nodeID?: string } };
					const refusals = this.refusalsOf(agent);
					if (e.type === "SERVICE_NOT_AVAILABLE" && allEndpointsOpen(this.broker, runAction(agent))) {
						refusals.open++;
						this.broker.metrics.increment("rookery.agents.refused", { agent, reason: "open" });
						throw new CircuitOpenError(`agents.${agent}`, null);
					}
					if (e.type === "QUEUE_FULL") {
						const node = e.data?.nodeID ?? "?";
						refusals.busy.set(node, (refusals.busy.get(node) ?? 0) + 1);
						this.broker.metrics.increment("rookery.agents.refused", { agent, reason: "busy" });
						throw new BusyError(`agents.${agent} is busy on ${node}: its calls running and queued are at their limits (maxConcurrent, queueLimit); retry later`, { agent, node });
					}
					throw err;
				}
			},

			/** One agent over the nodes running it, each node's figures with this caller's breaker and refusals for it. */
			async agentStatus(ctx: Context, agent: AgentName): Promise<AggregatedAgentStatus> {
				const refusals = this.refusalsOf(agent);
				const nodes = await Promise.all(
					this.agentNodes(agent).map(nodeID =>
						ctx
							.call<NodeAgentStatus, object>(`agents.${agent}.status`, {}, { nodeID })
							.then(s => ({ ...withCallerView(s, { breaker: endpointBreaker(this.broker, nodeID, runAction(agent)), rejected: refusals.busy.get(nodeID) ?? 0, refusedOpen: refusals.open }), node: s.node }))
							.catch(() => null),
					),
				);
				return aggregateAgentStatus(nodes.filter((n): n is NodeAgentStatus => n !== null));
			},

			agentNodes(agent: AgentName): string[] {
				const list = this.broker.registry.getServiceList({ onlyAvailable: true, skipInternal: true }) as Array<{ name: string; nodeID: string }>;
				return [...new Set(list.filter(s => s.name === `agents.${agent}`).map(s => s.nodeID))];
			},

			/** An operator restart clears this caller's view of that node: breaker closed, refusals forgotten. */
			agentRestarted(agent: AgentName, nodeID: string) {
				closeEndpointBreaker(this.broker, nodeID, runAction(agent));
				const refusals = this.refusalsOf(agent);
				refusals.busy.delete(nodeID);
				refusals.open = 0;
			},

			refusalsOf(agent: AgentName): Refusals {
				return this.agentRefusals.get(agent)!;
			},
		},

		created() {
			this.agentRefusals = new Map(AGENT_NAMES.map(a => [a, { open: 0, busy: new Map() }]));
			if (!this.broker.metrics.getMetric("rookery.agents.refused")) {
				this.broker.metrics.register({
					type: "counter",
					name: "rookery.agents.refused",
					labelNames: ["agent", "reason"],
					description: "Agent calls refused before running: every node's breaker open (open) or the node's bulkhead full (busy)",
				});
			}
		},
	};
}
