/**
 * One headless Debian chromium driven by playwright-core, for the browser tests and the dashboard
 * bench; and a node with the dashboard, loaded with seeded history through REST.
 */
import { chromium, type Browser } from "playwright-core";
import type { RookeryNode } from "../../runtime/node.ts";
import type { ConfigOverrides } from "../../lib/config/config.ts";
import { startNode } from "./node.ts";
import { syntheticHistory } from "../../lib/feed/synthetic.ts";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

export function launchBrowser(): Promise<Browser> {
	return chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
}

export interface DashboardNode {
	node: RookeryNode;
	base: string;
	/** The gateway's open WebSockets, cut as a network failure would (no close frame). */
	dropSockets(): number;
	post(ticks: unknown): Promise<{ status: number; body: any }>;
	stop(): Promise<void>;
}

/**
 * An embedded node (no feed) with `minutes` of seeded 20 s ticks per symbol, written through
 * POST /api/v1/ticks (with `token` as Bearer when auth is configured).
 */
export async function startDashboardNode(symbols: string[], minutes: number, over: ConfigOverrides = {}, token?: string): Promise<DashboardNode> {
	const node = await startNode({ symbols: [], nodeId: `e2e-${process.pid}`, ...over });
	const base = node.base;
	const post = async (ticks: unknown) => {
		const headers: Record<string, string> = { "content-type": "application/json" };
		if (token) headers.authorization = `Bearer ${token}`;
		const r = await fetch(`${base}/api/v1/ticks`, { method: "POST", headers, body: JSON.stringify(ticks) });
		return { status: r.status, body: await r.json() };
	};
	const history = syntheticHistory(symbols, { seed: 7, endTs: Date.now() - 1000, spanMs: minutes * 60_000, stepMs: 20_000 });
	for (let i = 0; i < history.length; i += 2000) {
		const r = await post(history.slice(i, i + 2000));
		if (r.status !== 200) throw new Error(`history not written: ${r.status} ${JSON.stringify(r.body)}`);
	}
	const gateway = node.broker.getLocalService("gateway") as unknown as { wss: { clients: Set<{ terminate(): void }> } };
	return {
		node,
		base,
		post,
		dropSockets() {
			const n = gateway.wss.clients.size;
			for (const ws of gateway.wss.clients) ws.terminate();
			return n;
		},
		stop: () => node.stop(),
	};
}
