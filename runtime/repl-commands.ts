/** Operator commands for the Moleculer REPL (`npm run repl` or `--repl`). */
import type { ServiceBroker } from "moleculer";
import type { FeedStatus } from "../lib/feed/feed-status.ts";
import type { StrategyPerformance } from "../lib/strategies/performance.ts";
import type { AggregatedAgentStatus } from "../lib/intelligence/unified.ts";
import type { DeadLetterView } from "../lib/alerts/delivery/delivery-store.ts";

type PerformanceAnswer = StrategyPerformance & { symbol: string; tf: string };
const pct = (x: number) => `${(x * 100).toFixed(2)} %`;

interface ReplCommand {
	command: string;
	description: string;
	action(broker: ServiceBroker, args: Record<string, unknown>): Promise<void>;
}

export async function fromEveryNode<T>(broker: ServiceBroker, action: string): Promise<T[]> {
	const service = action.split(".")[0];
	const nodes = broker.registry
		.getServiceList({ onlyAvailable: true, skipInternal: true })
		.filter(s => s.name === service)
		.map(s => s.nodeID);
	const results = await Promise.all(nodes.map(nodeID => broker.call<T | T[], Record<string, never>>(action, {}, { nodeID }).catch(() => [] as T[])));
	return results.flat() as T[];
}

/** The services built on the keyed-actor mixin (their `keyedActor` setting names the key), by name. */
export function keyedServices(broker: ServiceBroker): Map<string, string> {
	const out = new Map<string, string>();
	for (const s of broker.registry.getServiceList({ onlyAvailable: true, skipInternal: true }) as Array<{ name: string; settings?: { keyedActor?: { key: string } } }>) {
		if (s.settings?.keyedActor) out.set(s.name, s.settings.keyedActor.key);
	}
	return out;
}

type ActorRow = Record<string, unknown> & { node: string; epoch: number | null; pending: number; lastActivity: number };

export const replCommands: ReplCommand[] = [
	{
		command: "actors [service]",
		description: "Keyed actors (symbols and every keyed-actor service): keys per node; with a service, each key's owner, lease epoch, mailbox depth",
		async action(broker, args) {
			const services = keyedServices(broker);
			if (args.service !== undefined) {
				const name = String(args.service);
				const key = services.get(name);
				if (!key) return console.log(`${name} is not a keyed-actor service (they are: ${[...services.keys()].join(", ") || "none"})`);
				const rows = await fromEveryNode<ActorRow>(broker, `${name}.actors`);
				if (rows.length === 0) return console.log(`No active ${name} actors.`);
				return console.table(rows.map(r => ({ [key]: r[key], owner: r.node, epoch: r.epoch, pending: r.pending, lastActivity: new Date(r.lastActivity).toISOString() })));
			}
			const counts: Array<{ service: string; node: string; keys: number }> = [];
			for (const name of services.keys()) {
				const perNode = new Map<string, number>();
				for (const r of await fromEveryNode<ActorRow>(broker, `${name}.actors`)) perNode.set(r.node, (perNode.get(r.node) ?? 0) + 1);
				for (const [node, keys] of perNode) counts.push({ service: name, node, keys });
			}
			if (counts.length === 0) return console.log("No active keyed actors.");
			console.table(counts);
		},
	},
	{
		command: "apikey <op> [name] [tier]",
		description: "API keys: `apikey create <name> <free|pro|internal> [--admin]`, `apikey list`, `apikey revoke <id>`",
		async action(broker, args) {
			const op = String(args.op);
			if (op === "create") {
				const roles = (args.options as { admin?: boolean } | undefined)?.admin ? ["admin"] : [];
				const k = await broker.call<{ id: string; key: string; tier: string; roles: string[] }, object>("gateway.createApiKey", { name: String(args.name ?? ""), tier: String(args.tier ?? "free"), roles });
				console.log(`API key ${k.id} (${k.tier}${k.roles.length ? `, ${k.roles.join(",")}` : ""}): ${k.key}\nShown once; only its hash is stored.`);
			} else if (op === "list") {
				const r = await broker.call<{ items: Array<{ id: string; name: string; tier: string; roles: string[]; createdAt: number }>; total: number }, object>("gateway.listApiKeys", { limit: 1000 });
				if (r.total === 0) return console.log("No API keys (development mode if no JWT key is configured either).");
				if (r.total > r.items.length) console.log(`The oldest ${r.items.length} of ${r.total} keys:`);
				console.table(r.items.map(k => ({ id: k.id, name: k.name, tier: k.tier, roles: k.roles.join(","), created: new Date(k.createdAt).toISOString() })));
			} else if (op === "revoke") {
				const r = await broker.call<{ id: string }, object>("gateway.revokeApiKey", { id: String(args.name ?? "") });
				console.log(`API key ${r.id} revoked`);
			} else console.log("usage: apikey create <name> <tier> [--admin] | apikey list | apikey revoke <id>");
		},
	},
	{
		command: "agents",
		description: "Agents: health, utilization, queued calls, latency, error rate, breaker (Moleculer's, per node), nodes",
		async action(broker) {
			const r = await broker.call<{ agents: Record<string, AggregatedAgentStatus> }>("intelligence.agentsStatus");
			console.table(
				Object.entries(r.agents).map(([name, a]) => ({
					agent: name,
					health: a.health_score,
					utilization: a.utilization,
					queued: a.queued,
					"p50 ms": a.latency_ms.p50,
					"p99 ms": a.latency_ms.p99,
					"error rate": a.error_rate,
					breaker: a.breaker_state ?? "no node",
					calls: a.calls,
					nodes: a.nodes.map(n => `${n.node} (${n.mode}, ${n.breaker.state})`).join(", "),
				})),
			);
		},
	},
	{
		command: "symbols",
		description: "Active symbol actors: symbol, owner node, seq, last price",
		async action(broker) {
			const rows = await fromEveryNode<{ symbol: string; node: string; seq: number; price: number | null; pending: number }>(broker, "symbols.actors");
			if (rows.length === 0) return console.log("No active symbol actors.");
			console.table(rows.sort((a, b) => a.symbol.localeCompare(b.symbol)).map(r => ({ symbol: r.symbol, owner: r.node, seq: r.seq, price: r.price, pending: r.pending })));
		},
	},
	{
		command: "owners",
		description: "Symbol → owner node, lease epoch, seq, last activity",
		async action(broker) {
			const rows = await fromEveryNode<{ symbol: string; node: string; epoch: number | null; seq: number; lastActivity: number }>(broker, "symbols.actors");
			if (rows.length === 0) return console.log("No active symbol actors.");
			console.table(rows.sort((a, b) => a.symbol.localeCompare(b.symbol)).map(r => ({ symbol: r.symbol, owner: r.node, epoch: r.epoch, seq: r.seq, lastActivity: new Date(r.lastActivity).toISOString() })));
		},
	},
	{
		command: "passivate <symbol>",
		description: "Snapshot a symbol's actor, drop it from memory and release its lease",
		async action(broker, args) {
			const r = await broker.call<{ symbol: string; node: string; passivated: boolean }, object>("symbols.passivate", { symbol: String(args.symbol) });
			console.log(r.passivated ? `${r.symbol}: passivated on ${r.node}` : `${r.symbol}: no active actor (owner ${r.node})`);
		},
	},
	{
		command: "rebalance",
		description: "Hand off every actor whose symbol now belongs to another node",
		async action(broker) {
			const rows = await fromEveryNode<{ node: string; moved: number; active: number }>(broker, "symbols.rebalance");
			console.table(rows);
		},
	},
	{
		command: "performance <strategy> <symbol> [tf]",
		description: "Walk-forward performance of a strategy on a symbol's stored bars: performance ma-cross AAPL 1m",
		async action(broker, args) {
			const p = await broker.call<PerformanceAnswer, object>("symbols.strategyPerformance", { name: String(args.strategy), symbol: String(args.symbol), tf: args.tf === undefined ? undefined : String(args.tf) });
			console.log(
				`${p.spec} on ${p.symbol} ${p.tf}: ${p.bars} bars, ${p.signals.total} signals (${p.signals.long} long, ${p.signals.short} short); follow-the-signal return ${pct(p.position.total_return)}, max drawdown ${pct(p.position.max_drawdown)}`,
			);
			console.table(p.horizons.map(h => ({ "horizon (bars)": h.horizon, evaluated: h.evaluated, "hit rate": h.hit_rate === null ? "–" : pct(h.hit_rate), "avg return": h.avg_return === null ? "–" : pct(h.avg_return), pending: h.pending })));
		},
	},
	{
		command: "worker <action> <id>",
		description: "Start or stop a data worker on every ingest node: worker start|stop worker_news (or all)",
		async action(broker, args) {
			const action = String(args.action);
			const id = String(args.id);
			if (action !== "start" && action !== "stop") return console.log("usage: worker start|stop <worker_id|all>");
			const r = await broker.call(id === "all" ? `config.${action}All` : `config.${action}Worker`, id === "all" ? {} : { id });
			console.log(JSON.stringify(r));
		},
	},
	{
		command: "dead-letters [op] [id]",
		description: "Alert deliveries that gave up: `dead-letters` lists them, `dead-letters retry <delivery id>` sends one again",
		async action(broker, args) {
			if (args.op === "retry") {
				const r = await broker.call<{ id: string }, object>("alert-delivery.retryDeadLetter", { id: String(args.id ?? "") });
				return console.log(`${r.id}: sent again`);
			}
			if (args.op !== undefined && args.op !== "list") return console.log("usage: dead-letters [list] | dead-letters retry <delivery id>");
			const r = await broker.call<{ items: DeadLetterView[]; total: number }, object>("alert-delivery.deadLetters", { limit: 1000 });
			if (r.total === 0) return console.log("No dead letters.");
			console.table(r.items.map(d => ({ id: d.id, channel: d.channel, target: d.target, attempts: d.attempts, "last error": d.last_error, dead: new Date(d.dead_at).toISOString() })));
		},
	},
	{
		command: "feeds",
		description: "Feeds on every ingest node and their status",
		async action(broker) {
			const rows = await fromEveryNode<FeedStatus & { node: string }>(broker, "ingest.feeds");
			if (rows.length === 0) return console.log("No feeds running.");
			console.table(
				rows.map(f => ({
					node: f.node,
					feed: f.name,
					state: f.status.state,
					symbols: f.symbols,
					"ticks/s": f.ticksPerSecond,
					produced: f.produced,
					accepted: f.accepted,
					errors: f.errors,
					skipped: f.skipped,
					lastError: f.status.state === "failing" ? f.status.lastError : "",
				})),
			);
		},
	},
];
