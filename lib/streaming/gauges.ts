/**
 * Streaming metrics of a gateway, read when `/metrics` is scraped: connections per tier and the
 * frames and bytes waiting in clients' send queues (the gateway's delivery backlog).
 */
import { Gauge, type Registry } from "prom-client";
import type { ClientSession } from "./client-session.ts";

export function registerStreamingGauges(registry: Registry, sessions: () => Iterable<ClientSession>, tiers: readonly string[]): void {
	const registers = [registry];
	new Gauge({
		name: "rookery_ws_connections",
		help: "Open streaming connections (WebSocket and SSE) by the client's tier (anonymous clients count at their anonymous tier)",
		labelNames: ["tier"],
		registers,
		collect() {
			const byTier = new Map<string, number>(tiers.map(t => [t, 0]));
			for (const s of sessions()) byTier.set(s.policy.tier, (byTier.get(s.policy.tier) ?? 0) + 1);
			for (const [tier, n] of byTier) this.set({ tier }, n);
		},
	});
	// The send-queue backlog summed over the open sessions.
	const backlog = (name: string, help: string, of: (s: ClientSession) => number) =>
		new Gauge({
			name,
			help,
			registers,
			collect() {
				let n = 0;
				for (const s of sessions()) n += of(s);
				this.set(n);
			},
		});
	backlog("rookery_ws_send_queue_messages", "Frames waiting in streaming clients' send queues on this gateway", s => s.queue.queuedMessages);
	backlog("rookery_ws_send_queue_bytes", "Bytes waiting in streaming clients' send queues on this gateway", s => s.queue.queuedBytes);
}
