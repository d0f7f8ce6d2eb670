/**
 * Unified intelligence: for every symbol, fetch its data (bars, indicators, signals, news) and fan
 * out to the agents it needs in parallel under one deadline; an agent that fails or times out is
 * listed in `agents_failed` and lowers the confidence, it never fails the request. Results are
 * cached by request + the symbols' last seq. Also: aggregated agent status, agent restart and
 * settings (config API), and intelligence streams owned by lease so another node resumes them.
 */
import { randomUUID } from "node:crypto";
import type { Context, ServiceSchema } from "moleculer";
import { AGENT_NAMES, type AgentName, type AgentSettings, type SentimentOutput } from "../lib/agents/model.ts";
import { agentSettingsProps } from "../lib/agents/agent-config.ts";
import { directionOf, freshnessOf, fuseConfidence, type AgentOpinion } from "../lib/agents/fusion.ts";
import { ResultCache } from "../lib/agents/result-cache.ts";
import type { MarketView, ViewBar, ViewSignal } from "../lib/agents/market-view.ts";
import type { AgentStatus } from "../lib/agents/agent-runner.ts";
import { subjects, WIRE_VERSION } from "../lib/protocol/wire.ts";
import { SYMBOL_PATTERN } from "../lib/protocol/tick.ts";
import { BusyError, NotFoundError, ValidationError } from "../lib/protocol/errors.ts";
import { Validator } from "../lib/validation/validator.ts";
import { adminOnly, AGENT_SETTINGS_KEY, SETTINGS_CHANGED_EVENT, type AgentRunResult } from "./agents/agent-schema.ts";
import type { NodeDeps } from "./deps.ts";

const ANALYSIS_TYPES = ["comprehensive", "sentiment", "technical", "forecast"] as const;
const HORIZONS = ["intraday", "short_term", "medium_term", "long_term"] as const;
type Horizon = (typeof HORIZONS)[number];
/** Timeframes tried per horizon, first with enough bars wins; and the forecast steps. */
const HORIZON_TF: Record<Horizon, { tfs: string[]; steps: number; freshnessMs: number }> = {
	intraday: { tfs: ["1m", "1s"], steps: 10, freshnessMs: 60_000 },
	short_term: { tfs: ["1h", "15m", "5m", "1m"], steps: 8, freshnessMs: 900_000 },
	medium_term: { tfs: ["1d", "1h"], steps: 5, freshnessMs: 86_400_000 },
	long_term: { tfs: ["1d"], steps: 20, freshnessMs: 86_400_000 },
};
const MIN_BARS = 21;
const STREAMS_KEY = "intel:streams";
const streamLeaseKey = (id: string) => `intel:stream:${id}:owner`;
const STREAM_STOPPED_EVENT = "intelligence.stream.stopped";

export interface UnifiedRequest {
	user_id?: string;
	symbols: string[];
	analysis_type: (typeof ANALYSIS_TYPES)[number];
	time_horizon: Horizon;
	include_explanations: boolean;
	include_strategies: boolean;
	include_forecasts: boolean;
	real_time_data: boolean;
}

type AgentOutcome = { status: "ok"; node: string; mode: string; latency_ms: number; result: unknown } | { status: "failed"; reason: string } | { status: "skipped"; reason: string };

export interface SymbolIntelligence {
	symbol: string;
	tf: string | null;
	seq: number | null;
	price: number | null;
	data_age_ms: number | null;
	agents: Partial<Record<AgentName, AgentOutcome>>;
	confidence: ReturnType<typeof fuseConfidence>;
	notes: string[];
}

export interface UnifiedResult {
	request_id: string;
	user_id: string | null;
	analysis_type: string;
	time_horizon: string;
	symbols: Record<string, SymbolIntelligence>;
	agents_used: AgentName[];
	agents_failed: Array<{ agent: AgentName; symbol: string; reason: string }>;
	confidence_score: number;
	news_available: boolean;
	cached: boolean;
	generated_at: string;
	timings: { total_ms: number; data_ms: number; agents_ms: Partial<Record<AgentName, number>> };
}

export interface StreamDefinition {
	id: string;
	symbols: string[];
	interval_ms: number;
	options: Omit<UnifiedRequest, "symbols">;
	created_at: string;
}

/** ctx.call of a request, or broker.call for a stream's ticks. */
type Caller = <T>(action: string, params: object, opts?: { timeout?: number; retries?: number }) => Promise<T>;

interface Vars {
	cache: ResultCache<UnifiedResult>;
	streams: Map<string, { def: StreamDefinition; timer: NodeJS.Timeout; ticks: number; running: boolean }>;
	sweep: NodeJS.Timeout | null;
}
interface Methods {
	unified(call: Caller, req: UnifiedRequest): Promise<UnifiedResult>;
	analyzeSymbol(call: Caller, symbol: string, req: UnifiedRequest, agents: AgentName[], deadline: number, timings: UnifiedResult["timings"]): Promise<SymbolIntelligence>;
	callAgent(call: Caller, agent: AgentName, params: object, deadline: number): Promise<AgentRunResult>;
	agentNodes(agent: AgentName): string[];
	settingsOf(name: AgentName): Promise<AgentSettings>;
	sweepStreams(): Promise<void>;
	runStream(def: StreamDefinition): void;
	dropStream(id: string): void;
}

const symbolsParam = { type: "array", min: 1, max: 20, unique: true, items: { type: "string", uppercase: true, trim: true, pattern: SYMBOL_PATTERN } };
const optionParams = {
	user_id: { type: "string", max: 128, optional: true },
	analysis_type: { type: "enum", values: [...ANALYSIS_TYPES], default: "comprehensive" },
	time_horizon: { type: "enum", values: [...HORIZONS], default: "intraday" },
	include_explanations: { type: "boolean", default: true },
	include_strategies: { type: "boolean", default: true },
	include_forecasts: { type: "boolean", default: true },
	real_time_data: { type: "boolean", default: true },
};
const checkSettingsPatch = new Validator({ useNewCustomCheckerFunction: true }).compile({
	$$strict: true,
	...Object.fromEntries(Object.entries(agentSettingsProps).map(([k, v]) => [k, { ...v, optional: true }])),
}) as (v: unknown) => true | Array<{ field: string; message: string; type?: string }>;

function agentsFor(req: UnifiedRequest): AgentName[] {
	const want = new Set<AgentName>();
	const t = req.analysis_type;
	if (t === "comprehensive" || t === "sentiment") want.add("sentiment");
	if ((t === "comprehensive" || t === "technical") && req.include_explanations) want.add("explain");
	if ((t === "comprehensive" || t === "technical") && req.include_strategies) want.add("strategy");
	if ((t === "comprehensive" || t === "forecast") && (req.include_forecasts || t === "forecast")) want.add("forecast");
	return AGENT_NAMES.filter(a => want.has(a));
}

const errorReason = (err: unknown) => {
	const e = err as { name?: string; type?: string; message?: string };
	return `${e.name ?? e.type ?? "Error"}: ${e.message ?? String(err)}`;
};

export default function intelligenceService(deps: NodeDeps): ServiceSchema<Record<string, never>, Methods, Vars> {
	const settings = deps.config.intelligence;
	return {
		name: "intelligence",

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
					await Promise.all(
						AGENT_NAMES.map(async name => {
							const nodes = (await Promise.all(this.agentNodes(name).map(nodeID => ctx.call<AgentStatus & { node: string }, object>(`agents.${name}.status`, {}, { nodeID }).catch(() => null)))).filter(
								(s): s is AgentStatus & { node: string } => s !== null,
							);
							const mean = (f: (s: AgentStatus) => number) => (nodes.length ? Math.round((nodes.reduce((a, s) => a + f(s), 0) / nodes.length) * 1000) / 1000 : 0);
							const worst = nodes.some(s => s.breaker.state === "open") ? "open" : nodes.some(s => s.breaker.state === "half-open") ? "half-open" : nodes.length ? "closed" : null;
							const p = (k: "p50" | "p99") => nodes.reduce<number | null>((a, s) => (s.latency_ms[k] === null ? a : Math.max(a ?? 0, s.latency_ms[k]!)), null);
							agents[name] = {
								available: nodes.length > 0,
								health_score: mean(s => s.health_score),
								utilization: mean(s => s.utilization),
								latency_ms: { p50: p("p50"), p99: p("p99") },
								error_rate: mean(s => s.error_rate),
								breaker_state: worst,
								calls: nodes.reduce((a, s) => a + s.calls, 0),
								nodes,
							};
						}),
					);
					return { agents, cache: this.cache.stats(), streams: { owned_here: this.streams.size }, node: this.broker.nodeID };
				},
			},

			/** Restart an agent on every node that runs it (admin). */
			restartAgent: {
				...adminOnly,
				params: { name: { type: "enum", values: [...AGENT_NAMES] } },
				async handler(ctx: Context<{ name: AgentName }>) {
					const nodes = this.agentNodes(ctx.params.name);
					if (nodes.length === 0) throw new NotFoundError(`no node runs agents.${ctx.params.name}`, { agent: ctx.params.name });
					const results = await Promise.all(nodes.map(nodeID => ctx.call<AgentStatus & { node: string }, object>(`agents.${ctx.params.name}.restart`, {}, { nodeID, meta: ctx.meta }).catch(err => ({ node: nodeID, error: errorReason(err) }))));
					return { agent: ctx.params.name, restarted: results };
				},
			},

			getAgentConfig: {
				params: { name: { type: "enum", values: [...AGENT_NAMES] } },
				async handler(ctx: Context<{ name: AgentName }>) {
					return { agent: ctx.params.name, settings: await this.settingsOf(ctx.params.name) };
				},
			},

			/** Change an agent's settings on every node, and keep them (KV) for nodes that start later (admin). */
			setAgentConfig: {
				...adminOnly,
				params: { name: { type: "enum", values: [...AGENT_NAMES] }, $$strict: false },
				async handler(ctx: Context<Record<string, unknown> & { name: AgentName }>) {
					const { name, ...patch } = ctx.params;
					const check = checkSettingsPatch(patch);
					if (check !== true) throw new ValidationError(check.map(e => e.message).join("; "), check.map(e => ({ field: e.field, message: e.message, type: e.type })));
					if (name === "forecast" && patch.url) throw new ValidationError("the forecast agent has no remote mode: url must be null", [{ field: "url", message: "must be null for forecast" }]);
					const next = { ...(await this.settingsOf(name)), ...(patch as Partial<AgentSettings>) };
					await deps.kv.hset(AGENT_SETTINGS_KEY, name, next);
					await this.broker.broadcast(SETTINGS_CHANGED_EVENT, { name, settings: next });
					return { agent: name, settings: next };
				},
			},

			startStream: {
				params: { symbols: symbolsParam, interval_ms: { type: "number", integer: true, min: settings.minStreamIntervalMs, max: 86_400_000, convert: true, default: 5000 }, options: { type: "object", optional: true, props: optionParams, default: {} } },
				async handler(ctx: Context<{ symbols: string[]; interval_ms: number; options: StreamDefinition["options"] }>) {
					const existing = await deps.kv.hgetall(STREAMS_KEY);
					if (Object.keys(existing).length >= settings.maxStreams) throw new BusyError(`too many intelligence streams (limit ${settings.maxStreams}); stop one first`);
					const id = randomUUID();
					const def: StreamDefinition = { id, symbols: ctx.params.symbols, interval_ms: ctx.params.interval_ms, options: ctx.params.options, created_at: new Date(deps.now()).toISOString() };
					await deps.kv.hset(STREAMS_KEY, id, def);
					if (await deps.kv.acquireLease(streamLeaseKey(id), this.broker.nodeID, settings.streamLeaseMs)) this.runStream(def);
					return { ...def, topic: `intel:${id}`, subject: subjects.intel(id), ws: `/ws/intelligence/${id}`, owner: this.broker.nodeID };
				},
			},

			stopStream: {
				params: { id: { type: "string", pattern: /^[A-Za-z0-9_-]{1,64}$/ } },
				async handler(ctx: Context<{ id: string }>) {
					const existed = await deps.kv.hdel(STREAMS_KEY, ctx.params.id);
					if (!existed) throw new NotFoundError(`no intelligence stream ${ctx.params.id}`, { id: ctx.params.id });
					await this.broker.broadcast(STREAM_STOPPED_EVENT, { id: ctx.params.id });
					this.dropStream(ctx.params.id);
					return { id: ctx.params.id, stopped: true };
				},
			},

			listStreams: {
				async handler() {
					const defs = await deps.kv.hgetall<StreamDefinition>(STREAMS_KEY);
					return Promise.all(Object.values(defs).map(async d => ({ ...d, owner: await deps.kv.leaseHolder(streamLeaseKey(d.id)) })));
				},
			},
		},

		events: {
			// Answers computed with the old settings must not be served as if from the new ones.
			[SETTINGS_CHANGED_EVENT]: {
				handler() {
					this.cache.clear();
				},
			},
			[STREAM_STOPPED_EVENT]: {
				handler(ctx: Context<{ id: string }>) {
					this.dropStream(ctx.params.id);
				},
			},
		},

		methods: {
			async unified(call: Caller, req: UnifiedRequest): Promise<UnifiedResult> {
				const started = deps.now();
				const agents = agentsFor(req);
				const symbols = [...req.symbols].sort();
				// Served from cache when nothing changed: same request and, for real-time requests, the same last seq per symbol.
				const seqs = req.real_time_data ? await Promise.all(symbols.map(s => call<{ seq: number }>("symbols.latest", { symbol: s }).then(l => l.seq, () => null))) : [];
				const key = JSON.stringify([symbols, agents, req.time_horizon, req.real_time_data, seqs]);
				const hit = this.cache.get(key);
				this.broker.metrics.increment("rookery.intelligence.cache", { result: hit ? "hit" : "miss" });
				this.broker.metrics.set("rookery.intelligence.cache_hit_ratio", this.cache.stats().hitRatio);
				if (hit) return { ...hit, user_id: req.user_id ?? null, cached: true, timings: { ...hit.timings, total_ms: deps.now() - started } };
				const deadline = started + settings.deadlineMs;
				const timings: UnifiedResult["timings"] = { total_ms: 0, data_ms: 0, agents_ms: {} };
				const per = await Promise.all(symbols.map(s => this.analyzeSymbol(call, s, req, agents, deadline, timings)));
				const failed: UnifiedResult["agents_failed"] = [];
				const used = new Set<AgentName>();
				for (const r of per) {
					for (const [a, o] of Object.entries(r.agents) as Array<[AgentName, AgentOutcome]>) {
						if (o.status === "ok") used.add(a);
						else if (o.status === "failed") failed.push({ agent: a, symbol: r.symbol, reason: o.reason });
					}
				}
				const result: UnifiedResult = {
					request_id: randomUUID(),
					user_id: req.user_id ?? null,
					analysis_type: req.analysis_type,
					time_horizon: req.time_horizon,
					symbols: Object.fromEntries(per.map(r => [r.symbol, r])),
					agents_used: AGENT_NAMES.filter(a => used.has(a)),
					agents_failed: failed,
					confidence_score: Math.round((per.reduce((a, r) => a + r.confidence.confidence, 0) / per.length) * 1000) / 1000,
					news_available: !per.some(r => r.notes.some(n => n.startsWith("news unavailable"))),
					cached: false,
					generated_at: new Date(deps.now()).toISOString(),
					timings: { ...timings, total_ms: deps.now() - started },
				};
				this.broker.metrics.increment("rookery.intelligence.requests", { degraded: failed.length > 0 ? "yes" : "no" });
				this.cache.set(key, result);
				return result;
			},

			async analyzeSymbol(caller: Caller, symbol: string, req: UnifiedRequest, agents: AgentName[], deadline: number, timings: UnifiedResult["timings"]): Promise<SymbolIntelligence> {
				const notes: string[] = [];
				const plan = HORIZON_TF[req.time_horizon];
				const dataStarted = deps.now();
				const remaining = () => Math.max(1, deadline - deps.now());
				const call = <T>(action: string, params: object) => caller<T>(action, params, { timeout: remaining(), retries: 0 });
				const [latest, barSets, news] = await Promise.all([
					call<{ seq: number; ts: number; price: number }>("symbols.latest", { symbol }).catch(() => null),
					Promise.all(plan.tfs.map(tf => call<{ bars: ViewBar[] }>("symbols.bars", { symbol, tf, limit: 300 }).then(r => ({ tf, bars: r.bars }), () => ({ tf, bars: [] as ViewBar[] })))),
					agents.includes("sentiment") || agents.includes("explain") || agents.includes("strategy")
						? call<Array<{ data: Record<string, unknown> }>>("ingest.messages", { dataType: "news", symbol, limit: settings.newsLimit }).catch(err => {
								notes.push(`news unavailable (${errorReason(err)}); analysed without news`);
								return [];
							})
						: Promise.resolve([]),
				]);
				const chosen = barSets.find(b => b.bars.length >= MIN_BARS) ?? barSets.reduce((a, b) => (b.bars.length > a.bars.length ? b : a));
				const tf = chosen.bars.length > 0 ? chosen.tf : null;
				const [indicators, signals] = tf
					? await Promise.all([
							call<{ final: { values: Record<string, number | null> }; provisional: { values: Record<string, number | null> } | null }>("symbols.indicators", { symbol, tf }).catch(() => null),
							call<{ signals: ViewSignal[] }>("symbols.signals", { symbol, tf, limit: 10 }).catch(() => null),
						])
					: [null, null];
				timings.data_ms = Math.max(timings.data_ms, deps.now() - dataStarted);
				if (!latest) notes.push(`no live quote for ${symbol}`);
				const headlines = news
					.map(m => m.data?.title ?? m.data?.headline ?? m.data?.text ?? m.data?.summary)
					.filter((t): t is string => typeof t === "string" && t.length > 0)
					.map(t => t.slice(0, 2000));
				const view: MarketView = {
					symbol,
					tf: tf ?? plan.tfs[0],
					price: latest?.price ?? chosen.bars.at(-1)?.close ?? null,
					indicators: indicators?.final.values ?? {},
					signals: (signals?.signals ?? []).map(s => ({ strategy: s.strategy, direction: s.direction, strength: s.strength, reason: s.reason, barTime: s.barTime })),
					bars: chosen.bars.slice(-50).map(b => ({ time: b.time, open: b.open, high: b.high, low: b.low, close: b.close, volume: b.volume })),
					news: headlines.map(title => ({ title })),
				};
				const outcomes: SymbolIntelligence["agents"] = {};
				const opinions: AgentOpinion[] = [];
				const run = async (agent: AgentName, params: object) => {
					const weight = deps.config.agents[agent].weight;
					const t0 = deps.now();
					try {
						const r = await this.callAgent(caller, agent, params, deadline);
						outcomes[agent] = { status: "ok", node: r.node, mode: r.mode, latency_ms: r.latencyMs, result: r.result };
						opinions.push({ agent, weight, direction: directionOf(agent, r.result), health: r.health });
					} catch (err) {
						outcomes[agent] = { status: "failed", reason: errorReason(err) };
						opinions.push({ agent, weight, direction: null, health: 0 });
					}
					timings.agents_ms[agent] = Math.max(timings.agents_ms[agent] ?? 0, deps.now() - t0);
				};
				// Sentiment first: its polarity is one of the explanation's inputs (and so the strategy's).
				const sentimentDone = agents.includes("sentiment")
					? headlines.length === 0
						? Promise.resolve(void (outcomes.sentiment = { status: "skipped", reason: "no recent news for this symbol" }))
						: run("sentiment", { texts: headlines })
					: Promise.resolve();
				await Promise.all(
					agents.map(async agent => {
						if (agent === "sentiment") return sentimentDone;
						if (agent === "forecast") {
							if (chosen.bars.length < MIN_BARS) return void (outcomes.forecast = { status: "skipped", reason: `not enough bars yet (${chosen.bars.length} of ${MIN_BARS})` });
							return run("forecast", { closes: chosen.bars.map(b => b.close), horizon: plan.steps });
						}
						await sentimentDone;
						const s = outcomes.sentiment;
						return run(agent, { view: s?.status === "ok" ? { ...view, newsPolarity: (s.result as SentimentOutput).summary.polarity } : view });
					}),
				);
				const age = latest ? deps.now() - latest.ts : null;
				return {
					symbol,
					tf,
					seq: latest?.seq ?? null,
					price: view.price,
					data_age_ms: age,
					agents: outcomes,
					confidence: fuseConfidence(opinions, freshnessOf(age, plan.freshnessMs)),
					notes,
				};
			},

			callAgent(call: Caller, agent: AgentName, params: object, deadline: number): Promise<AgentRunResult> {
				return call<AgentRunResult>(`agents.${agent}.run`, params, { timeout: Math.max(1, deadline - deps.now()), retries: 0 });
			},

			agentNodes(agent: AgentName): string[] {
				const list = this.broker.registry.getServiceList({ onlyAvailable: true, skipInternal: true }) as Array<{ name: string; nodeID: string }>;
				return [...new Set(list.filter(s => s.name === `agents.${agent}`).map(s => s.nodeID))];
			},

			async settingsOf(name: AgentName): Promise<AgentSettings> {
				const stored = await deps.kv.hget<Partial<AgentSettings>>(AGENT_SETTINGS_KEY, name);
				return { ...deps.config.agents[name], ...stored };
			},

			/** Renew the streams run here, drop the ones lost or stopped, take over those nobody holds. */
			async sweepStreams() {
				const defs = await deps.kv.hgetall<StreamDefinition>(STREAMS_KEY);
				for (const id of [...this.streams.keys()]) {
					if (!defs[id] || !(await deps.kv.renewLease(streamLeaseKey(id), this.broker.nodeID, settings.streamLeaseMs))) this.dropStream(id);
				}
				for (const def of Object.values(defs)) {
					if (this.streams.has(def.id)) continue;
					if (await deps.kv.acquireLease(streamLeaseKey(def.id), this.broker.nodeID, settings.streamLeaseMs)) {
						this.logger.info(`intelligence stream ${def.id} taken over by ${this.broker.nodeID}`);
						this.runStream(def);
					}
				}
			},

			runStream(def: StreamDefinition) {
				const entry = { def, ticks: 0, running: false, timer: null as unknown as NodeJS.Timeout };
				const tick = async () => {
					if (entry.running) return; // a slow analysis skips a tick rather than piling up
					entry.running = true;
					try {
						const data = await this.unified((action, params, opts) => this.broker.call(action, params, opts), { ...optionDefaults(), ...def.options, symbols: def.symbols });
						if (!this.streams.has(def.id)) return;
						entry.ticks++;
						deps.bus.publish(subjects.intel(def.id), { v: WIRE_VERSION, type: "intelligence_update", stream_id: def.id, seq: entry.ticks, ts: deps.now(), node: this.broker.nodeID, data });
						this.broker.metrics.increment("rookery.intelligence.stream_updates");
					} catch (err) {
						this.logger.warn(`intelligence stream ${def.id}: ${errorReason(err)}`);
					} finally {
						entry.running = false;
					}
				};
				entry.timer = setInterval(() => void tick(), def.interval_ms);
				this.streams.set(def.id, entry);
				void tick();
			},

			dropStream(id: string) {
				const s = this.streams.get(id);
				if (!s) return;
				clearInterval(s.timer);
				this.streams.delete(id);
				void deps.kv.releaseLease(streamLeaseKey(id), this.broker.nodeID).catch(() => {});
			},
		},

		created() {
			this.cache = new ResultCache({ ttlMs: settings.cacheTtlMs, maxEntries: settings.cacheMaxEntries, now: deps.now });
			this.streams = new Map();
			this.sweep = null;
			const m = this.broker.metrics;
			m.register({ type: "counter", name: "rookery.intelligence.requests", labelNames: ["degraded"], description: "Unified requests computed (not from cache)" });
			m.register({ type: "counter", name: "rookery.intelligence.cache", labelNames: ["result"], description: "Unified cache lookups by result (hit/miss)" });
			m.register({ type: "gauge", name: "rookery.intelligence.cache_hit_ratio", description: "Unified cache hits / lookups since start" });
			m.register({ type: "counter", name: "rookery.intelligence.stream_updates", description: "intelligence_update messages published" });
		},

		started() {
			this.sweep = setInterval(() => void this.sweepStreams().catch(err => this.logger.warn(`stream sweep: ${errorReason(err)}`)), Math.max(100, Math.floor(settings.streamLeaseMs / 3)));
			this.sweep.unref();
		},

		stopped() {
			if (this.sweep) clearInterval(this.sweep);
			for (const id of [...this.streams.keys()]) this.dropStream(id);
		},
	};
}

function optionDefaults(): Omit<UnifiedRequest, "symbols"> {
	return { analysis_type: "comprehensive", time_horizon: "intraday", include_explanations: true, include_strategies: true, include_forecasts: true, real_time_data: true };
}
