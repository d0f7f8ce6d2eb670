/**
 * Brokers with the production broker options (moleculer.config.ts) running agent services
 * (mixins/agent.mixin.ts), and a caller service that calls them the way the intelligence service
 * does (mixins/agent-client.mixin.ts): Moleculer's own breaker, bulkhead and retry in the path.
 */
import { ServiceBroker, type ServiceSchema } from "moleculer";
import { brokerOptions } from "../../../moleculer.config.ts";
import { defaultConfig, mergeConfig } from "../../../lib/config/config.ts";
import { createKv } from "../../../lib/kv/index.ts";
import type { AgentName, AgentSettings } from "../../../lib/agents/model.ts";
import type { AgentRunResult } from "../../../lib/agents/agent-runner.ts";
import type { AggregatedAgentStatus } from "../../../lib/intelligence/unified.ts";
import type { NodeDeps } from "../../../runtime/deps.ts";
import { agentServiceSchema } from "../../../mixins/agent.mixin.ts";
import { agentClientMixin } from "../../../mixins/agent-client.mixin.ts";

export interface AgentNode {
	broker: ServiceBroker;
	run(agent: AgentName, params: object): Promise<AgentRunResult<any>>;
	status(agent: AgentName): Promise<AggregatedAgentStatus>;
	restart(agent: AgentName): Promise<unknown>;
	stop(): Promise<void>;
}

export interface AgentNodeOptions {
	nodeId: string;
	transporter?: string | null;
	/** Agents this node runs, with their settings over the defaults (`breaker` too). */
	agents?: Partial<Record<AgentName, Partial<AgentSettings>>>;
}

export async function startAgentNode(opts: AgentNodeOptions): Promise<AgentNode> {
	const base = defaultConfig();
	const agents = { ...base.agents };
	for (const [name, over] of Object.entries(opts.agents ?? {})) agents[name as AgentName] = { ...agents[name as AgentName], ...over };
	const config = mergeConfig(base, { nodeId: opts.nodeId, transporter: opts.transporter ?? null, logLevel: "fatal", agents });
	const deps = { config, kv: createKv(null), now: Date.now } as unknown as NodeDeps;
	const broker = new ServiceBroker(brokerOptions(config));
	for (const name of Object.keys(opts.agents ?? {}) as AgentName[]) broker.createService(agentServiceSchema(name, deps, { $$strict: false }) as never);
	const caller: ServiceSchema = {
		name: "caller",
		mixins: [agentClientMixin() as unknown as ServiceSchema],
		actions: {
			run: { params: { agent: "string", params: "object" }, handler: (ctx: any) => ctx.service.runAgent((a: string, p: object) => ctx.call(a, p), ctx.params.agent, ctx.params.params) },
			status: { params: { agent: "string" }, handler: (ctx: any) => ctx.service.agentStatus(ctx, ctx.params.agent) },
		},
	};
	broker.createService(caller);
	await broker.start();
	return {
		broker,
		run: (agent, params) => broker.call("caller.run", { agent, params }),
		status: agent => broker.call("caller.status", { agent }),
		restart: agent => broker.call(`agents.${agent}.restart`),
		stop: () => broker.stop(),
	};
}
