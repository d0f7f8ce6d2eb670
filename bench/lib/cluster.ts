/**
 * Forming a 2-node bench cluster before load: wait until every gateway routes symbols to every
 * node (so the Shard ring does not move symbols mid-run) and activate the symbols a phase uses.
 */
import http from "node:http";
import { waitFor } from "../../test/helpers/ports.ts";
import { post, ticksBody } from "./load.ts";

/** A node of the bench cluster: its node id and gateway port. */
export interface Member {
	id: string;
	port: number;
}

type SymbolPage = { items: Array<{ symbol: string; node: string | null }> };
const symbolList = (n: Member) =>
	fetch(`http://127.0.0.1:${n.port}/api/v1/symbols?limit=1000`)
		.then(res => res.json() as Promise<SymbolPage>)
		.then(p => p.items);

/** One tick for each symbol, through `port`. */
export async function postOnce(port: number, symbols: string[]): Promise<void> {
	const agent = new http.Agent();
	const r = await post(agent, port, "/api/v1/ticks", ticksBody(symbols, symbols.length, Date.now(), 0));
	agent.destroy();
	if (r.status !== 200) throw new Error(`POST: ${r.status} ${r.text}`);
}

/**
 * Both nodes must know each other before load starts, or the Shard ring would move symbols to
 * another owner mid-run (the old owner's actor would also stay listed). Probe with throwaway
 * symbols: post a few through each gateway until its symbol list shows both nodes as owners.
 */
export async function waitForRing(nodes: Member[]): Promise<void> {
	let round = 0;
	for (const [k, via] of nodes.entries()) {
		await waitFor(
			async () => {
				const probes = Array.from({ length: 8 }, (_, i) => `PROBE${k}R${round}S${i}`);
				round++;
				await postOnce(via.port, probes);
				const owners = new Set((await symbolList(via)).filter(x => probes.includes(x.symbol)).map(x => x.node));
				return nodes.every(n => owners.has(n.id));
			},
			{ timeoutMs: 15_000, intervalMs: 200, what: `${via.id} to route symbols to every node` },
		);
	}
}

/** Activate the symbols with one tick each; returns each symbol's owner, as both gateways agree. */
export async function activate(a: Member, b: Member, symbols: string[]): Promise<Record<string, string>> {
	await postOnce(a.port, symbols);
	let owners: Record<string, string> = {};
	await waitFor(
		async () => {
			const views = (await Promise.all([a, b].map(symbolList))).map(v => v.filter(x => symbols.includes(x.symbol)));
			const keyed = views.map(v => JSON.stringify(v.map(x => [x.symbol, x.node]).sort()));
			if (views[0].length !== symbols.length || views[0].some(x => !x.node) || keyed[0] !== keyed[1]) return false;
			owners = Object.fromEntries(views[0].map(x => [x.symbol, x.node!]));
			return true;
		},
		{ timeoutMs: 10_000, intervalMs: 100, what: "both gateways to agree on the owners" },
	);
	return owners;
}
