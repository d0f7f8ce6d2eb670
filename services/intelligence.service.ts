/**
 * Unified intelligence (logic in lib/intelligence/): a request's symbols analysed under one
 * deadline, their data and agents reached through Moleculer calls; answers cached by request + the
 * symbols' last seq. Also: aggregated agent status, agent restart and settings (config API);
 * intelligence streams are mixins/intelligence-streams.mixin.ts (always-on keyed actors).
 */
import { randomUUID } from "node:crypto";
import type { Context, ServiceSchema } from "moleculer";
import { AGENT_NAME_ALIASES, AGENT_NAMES, canonicalAgentName, shownSettings, type AgentName, type AgentSettings } from "../lib/agents/model.ts";
import { agentSettingsProps } from "../lib/agents/agent-config.ts";
import type { HotSymbols } from "../lib/cache/hot-symbols.ts";
import type { ViewBar, ViewSignal } from "../lib/agents/market-view.ts";
import type { AgentRunResult } from "../lib/agents/agent-runner.ts";
import { agentsFor, optionParams, symbolsParam, unifiedCacheKey, type UnifiedRequest } from "../lib/intelligence/unified-request.ts";
import { errorReason, type LatestQuote, type NewsMessage, type SymbolSource } from "../lib/intelligence/symbol-analysis.ts";
import { analyzeUnified, fromCache, type NodeAgentStatus, type UnifiedResult } from "../lib/intelligence/unified.ts";
import type { StreamActor } from "../lib/intelligence/stream-runner.ts";
import type { ActorHost } from "../lib/keyed/actor-host.ts";
import { NotFoundError, ValidationError } from "../lib/protocol/errors.ts";
import { Validator } from "../lib/validation/validator.ts";
import { AGENT_SETTINGS_KEY, SETTINGS_CHANGED_EVENT } from "../mixins/agent.mixin.ts";
import { agentClientMixin } from "../mixins/agent-client.mixin.ts";
import { ADMIN_ONLY } from "../lib/auth/authenticator.ts";
import type { NodeDeps } from "../runtime/deps.ts";
import { cacheStatsOf } from "../middlewares/cache-stats.ts";
import { intelligenceCacheMixin } from "../mixins/intelligence-cache.mixin.ts";
import { intelligenceStreamsMixin } from "../mixins/intelligence-streams.mixin.ts";

/** ctx.call of a request, or broker.call for a stream's ticks (mixins/intelligence-streams.mixin.ts). */
type Caller = <T>(action: string, params: object, opts?: { timeout?: number; retries?: number }) => Promise<T>;

interface Vars {
	/** From mixins/intelligence-cache.mixin.ts. */
	hot: HotSymbols;
	/** From mixins/keyed-actor.mixin.ts (through the streams mixin): the streams run here. */
	keyed: ActorHost<StreamActor>;
}
interface Methods {
	unified(call: Caller, req: UnifiedRequest): Promise<UnifiedResult>;
	sourceOf(call: Caller, deadline: number): SymbolSource;
	/** From mixins/agent-client.mixin.ts. */
	agentNodes(agent: AgentName): string[];
	agentStatus(ctx: Context, agent: AgentName): Promise<unknown>;
	agentRestarted(agent: AgentName, nodeID: string): void;
	runAgent(call: Caller, agent: AgentName, params: object): Promise<AgentRunResult>;
	compute(ctx: Context<{ req: UnifiedRequest; requestId: string; started: number }>): Promise<UnifiedResult>;
	settingsOf(name: AgentName): Promise<AgentSettings>;
}

/** An agent's name in a path: ours or the predecessor's (`llama_explanation`…), made ours by the handler. */
const agentNameParam = { type: "enum", values: [...AGENT_NAME_ALIASES] };
const checkSettingsPatch = new Validator({ useNewCustomCheckerFunction: true }).compile({
	$$strict: true,
	...Object.fromEntries(Object.entries(agentSettingsProps).map(([k, v]) => [k, { ...v, optional: true }])),
}) as (v: unknown) => true | Array<{ field: string; message: string; type?: string; actual?: unknown }>;

export default function intelligenceService(deps: NodeDeps): ServiceSchema<Record<string, never>, Methods, Vars> {
	const settings = deps.config.intelligence;
	return {
		name: "intelligence",
		// The cached answer actions, hot-symbol counting and warming; calling the agents and their status; the streams.
		mixins: [intelligenceCacheMixin(deps) as unknown as Partial<ServiceSchema>, agentClientMixin() as unknown as Partial<ServiceSchema>, intelligenceStreamsMixin(deps)],

		actions: {
			unified: {
				params: { symbols: symbolsParam, ...optionParams },
				handler(ctx: Context<UnifiedRequest>) {
					return this.unified((action, params, opts) => ctx.call(action, params, opts), ctx.params);
				},
			},

			/** Every agent, aggregated over the nodes running it, with each node's own figures. */
			agentsStatus: {
				async handler(ctx: Context) {
					const agents: Record<string, unknown> = {};
					await Promise.all(AGENT_NAMES.map(async name => (agents[name] = await this.agentStatus(ctx, name))));
					return { agents, cache: cacheStatsOf(this.broker), streams: { owned_here: this.keyed.size }, node: this.broker.nodeID };
				},
			},

			/** Restart an agent on every node that runs it (admin). */
			restartAgent: {
				...ADMIN_ONLY,
				params: { name: agentNameParam },
				async handler(ctx: Context<{ name: string }>) {
					const name = canonicalAgentName(ctx.params.name);
					const nodes = this.agentNodes(name);
					if (nodes.length === 0) throw new NotFoundError(`no node runs agents.${name}`, { agent: name });
					const results = await Promise.all(nodes.map(nodeID => ctx.call<NodeAgentStatus, object>(`agents.${name}.restart`, {}, { nodeID, meta: ctx.meta }).catch(err => ({ node: nodeID, error: errorReason(err) }))));
					// This node's breakers close now; the others' when the restarted event reaches them.
					for (const nodeID of nodes) this.agentRestarted(name, nodeID);
					return { agent: name, restarted: results };
				},
			},

			getAgentConfig: {
				params: { name: agentNameParam },
				async handler(ctx: Context<{ name: string }>) {
					const name = canonicalAgentName(ctx.params.name);
					return { agent: name, settings: shownSettings(await this.settingsOf(name)) };
				},
			},

			/** Change an agent's settings on every node, and keep them (KV) for nodes that start later (admin). */
			setAgentConfig: {
				...ADMIN_ONLY,
				params: { name: agentNameParam, $$strict: false },
				async handler(ctx: Context<Record<string, unknown> & { name: string }>) {
					const { name: asked, ...patch } = ctx.params;
					const name = canonicalAgentName(asked);
					const check = checkSettingsPatch(patch);
					// An unknown key has no `field`; fastest-validator names it (them) in `actual`.
					if (check !== true)
						throw new ValidationError(
							check.map(e => e.message).join("; "),
							check.map(e => ({ field: e.field || String(e.actual), message: e.message, type: e.type })),
						);
					// A partial update: fields not given (the validator leaves them `undefined`) keep their value.
					const given = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<AgentSettings>;
					const next = { ...(await this.settingsOf(name)), ...given };
					await deps.kv.hset(AGENT_SETTINGS_KEY, name, next);
					await this.broker.broadcast(SETTINGS_CHANGED_EVENT, { name, settings: next });
					return { agent: name, settings: shownSettings(next) };
				},
			},
		},

		events: {
			// Answers computed with the old settings must not be served as if from the new ones.
			[SETTINGS_CHANGED_EVENT]: {
				handler() {
					void this.broker.cacher?.clean("intelligence.**");
				},
			},
		},

		methods: {
			async unified(call: Caller, req: UnifiedRequest): Promise<UnifiedResult> {
				const started = deps.now();
				const agents = agentsFor(req);
				const source = this.sourceOf(call, started + settings.deadlineMs);
				// Served from cache when nothing changed: same request and, for real-time requests, the same last seq per symbol.
				const seqs = req.real_time_data
					? await Promise.all(
							[...req.symbols].sort().map(s =>
								source.latest(s).then(
									l => l.seq,
									() => null,
								),
							),
						)
					: [];
				const key = unifiedCacheKey(req, agents, seqs);
				this.hot.record(req.symbols);
				const requestId = randomUUID();
				// A cached answer carries the request id of the request that computed it.
				const result = await call<UnifiedResult>(req.real_time_data ? "intelligence.answerLive" : "intelligence.answerStored", { key, req, requestId, started }, { meta: { $cache: settings.cacheTtlMs > 0 } } as never);
				const hit = result.request_id !== requestId;
				this.broker.metrics.increment("rookery.intelligence.cache", { result: hit ? "hit" : "miss" });
				const cache = cacheStatsOf(this.broker);
				if (cache) this.broker.metrics.set("rookery.intelligence.cache_hit_ratio", cache.hit_ratio);
				return hit ? fromCache(result, req, deps.now() - started) : result;
			},

			/** The answer itself (a cache miss): data and agents for every symbol under the request's deadline. */
			async compute(ctx: Context<{ req: UnifiedRequest; requestId: string; started: number }>): Promise<UnifiedResult> {
				const { req, requestId, started } = ctx.params;
				const source = this.sourceOf((action, params, opts) => ctx.call(action, params, opts), started + settings.deadlineMs);
				const weights = Object.fromEntries(AGENT_NAMES.map(a => [a, deps.config.agents[a].weight])) as Record<AgentName, number>;
				const result = await analyzeUnified(req, { agents: agentsFor(req), newsLimit: settings.newsLimit, weights, now: deps.now, started, requestId }, source);
				this.broker.metrics.increment("rookery.intelligence.requests", { degraded: result.agents_failed.length > 0 ? "yes" : "no" });
				return result;
			},

			/** A symbol's data and agents as Moleculer calls, each bounded by what is left of the deadline. */
			sourceOf(caller: Caller, deadline: number): SymbolSource {
				const call = <T>(action: string, params: object) => caller<T>(action, params, { timeout: Math.max(1, deadline - deps.now()), retries: 0 });
				return {
					latest: symbol => call<LatestQuote>("symbols.latest", { symbol }),
					bars: (symbol, tf, limit) => call<{ bars: ViewBar[] }>("symbols.bars", { symbol, tf, limit }).then(r => r.bars),
					news: (symbol, limit) => call<NewsMessage[]>("ingest.messages", { dataType: "news", symbol, limit }),
					indicators: (symbol, tf) => call<{ final: { values: Record<string, number | null> } }>("symbols.indicators", { symbol, tf }).then(r => r.final.values),
					signals: (symbol, tf, limit) => call<{ signals: ViewSignal[] }>("symbols.signals", { symbol, tf, limit }).then(r => r.signals),
					runAgent: (agent, params) => this.runAgent(call, agent, params),
				};
			},

			async settingsOf(name: AgentName): Promise<AgentSettings> {
				const stored = await deps.kv.hget<Partial<AgentSettings>>(AGENT_SETTINGS_KEY, name);
				return { ...deps.config.agents[name], ...stored };
			},
		},

		created() {
			const m = this.broker.metrics;
			m.register({ type: "counter", name: "rookery.intelligence.requests", labelNames: ["degraded"], description: "Unified requests computed (not from cache)" });
			m.register({ type: "counter", name: "rookery.intelligence.cache", labelNames: ["result"], description: "Unified cache lookups by result (hit/miss)" });
			m.register({ type: "gauge", name: "rookery.intelligence.cache_hit_ratio", description: "Unified cache hits / lookups since start" });
		},
	};
}
