/** Operator commands for the Moleculer REPL (`npm run repl` or `--repl`). */
import type { ServiceBroker } from "moleculer";
import type { FeedStatus } from "../lib/feed/feed-status.ts";

interface ReplCommand {
	command: string;
	description: string;
	action(broker: ServiceBroker): Promise<void>;
}

async function fromEveryNode<T>(broker: ServiceBroker, action: string): Promise<T[]> {
	const service = action.split(".")[0];
	const nodes = broker.registry.getServiceList({ onlyAvailable: true, skipInternal: true }).filter(s => s.name === service).map(s => s.nodeID);
	const results = await Promise.all(nodes.map(nodeID => broker.call<T[], Record<string, never>>(action, {}, { nodeID }).catch(() => [] as T[])));
	return results.flat();
}

export const replCommands: ReplCommand[] = [
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
