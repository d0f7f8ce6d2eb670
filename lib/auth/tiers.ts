/**
 * Client tiers: what a caller may do, by the tier its credentials carry (DESIGN §8). REST rate
 * limits, WebSocket topic caps, wildcard rights and the slow-client policy of its send queue.
 */
import type { SlowClientPolicy } from "../streaming/send-queue.ts";
import type { SessionPolicy } from "../streaming/client-session.ts";

export const TIER_NAMES = ["free", "pro", "internal"] as const;
export type TierName = (typeof TIER_NAMES)[number];
export const isTierName = (t: unknown): t is TierName => typeof t === "string" && (TIER_NAMES as readonly string[]).includes(t);

export interface TierSettings {
	/** REST requests per second, refilled continuously (token bucket); 0 = unlimited. */
	ratePerSecond: number;
	/** REST requests that may come at once (the bucket's size). */
	burst: number;
	/** Topics one WebSocket/SSE connection may hold. */
	maxTopics: number;
	/** May subscribe to `ticks:*`-style topics. */
	wildcards: boolean;
	slowClientPolicy: SlowClientPolicy;
	/** Bound of one connection's send queue, in bytes and in frames. */
	queueBytes: number;
	queueMessages: number;
	/**
	 * Symbols never written before that one `POST /api/v1/ticks` may create (each costs an actor
	 * activation on its owner); a batch over it is refused whole with 422.
	 */
	maxNewSymbols: number;
	/** Alert rules one owner may have (docs/alerts.md); past it a new rule is refused with 422. */
	maxAlertRules: number;
}

export const DEFAULT_TIERS: Record<TierName, TierSettings> = {
	free: { ratePerSecond: 10, burst: 20, maxTopics: 50, wildcards: false, slowClientPolicy: "disconnect", queueBytes: 1 << 20, queueMessages: 5000, maxNewSymbols: 100, maxAlertRules: 20 },
	pro: { ratePerSecond: 100, burst: 200, maxTopics: 500, wildcards: true, slowClientPolicy: "conflate", queueBytes: 4 << 20, queueMessages: 20_000, maxNewSymbols: 1000, maxAlertRules: 500 },
	internal: { ratePerSecond: 5000, burst: 10_000, maxTopics: 5000, wildcards: true, slowClientPolicy: "drop-oldest", queueBytes: 16 << 20, queueMessages: 100_000, maxNewSymbols: 5000, maxAlertRules: 100_000 },
};

export function sessionPolicy(tier: TierName, s: TierSettings): SessionPolicy {
	return { tier, maxTopics: s.maxTopics, wildcards: s.wildcards, queue: { maxBytes: s.queueBytes, maxMessages: s.queueMessages, policy: s.slowClientPolicy } };
}
