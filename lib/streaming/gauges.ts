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
	new Gauge({
		name: "rookery_ws_send_queue_messages",
		help: "Frames waiting in streaming clients' send queues on this gateway",
		registers,
		collect() {
			let n = 0;
			for (const s of sessions()) n += s.queue.queuedMessages;
			this.set(n);
		},
	});
	new Gauge({
		name: "rookery_ws_send_queue_bytes",
		help: "Bytes waiting in streaming clients' send queues on this gateway",
		registers,
		collect() {
			let n = 0;
			for (const s of sessions()) n += s.queue.queuedBytes;
			this.set(n);
		},
	});
}
