/**
 * Moleculer's own CircuitBreaker and Bulkhead (node_modules/moleculer/src/middlewares/, 0.15.2),
 * configured in moleculer.config.ts: which errors count against an endpoint, and how the operator
 * views read their state. What this relies on, read in that source:
 * - The breaker runs on the *caller* (localAction and remoteAction hooks) and keeps one state per
 *   endpoint, keyed `${nodeID}:${action}`, in `broker.CircuitBreakerStore` (exposed on purpose).
 *   Tripping sets that endpoint's `state = false`, so the balancer (and preferLocal) skips that
 *   node while the other nodes serve; after `halfOpenTime` one call probes it; a success closes it.
 * - A failure counts only when `check(err)` holds and the error was raised by the called node
 *   itself (`err.nodeID` is that node), not relayed from a third one.
 * - Options merge broker-wide `circuitBreaker` with the action's own (`circuitBreaker: {…}` in the
 *   action schema, sent to the other nodes in INFO without functions: `check` is always the
 *   broker's). `windowTime` is broker-wide only (one timer clears every count).
 * - The Bulkhead runs on the *serving* node only (localAction), per action; its `opts` are copied
 *   when the action is registered (a new limit needs a re-registered service), `maxQueueSize: 0`
 *   means unbounded, and its running/queued counts are only visible as the gauges
 *   `moleculer.request.bulkhead.inflight` / `.queue.size` {action, service}.
 */
import type { ServiceBroker } from "moleculer";
import type { BreakerState, BreakerStatus } from "../lib/agents/agent-runner.ts";

/**
 * Errors that say the called node failed to serve the call: an agent's model failing or too slow
 * (ModelError, TimeoutError, by name as they arrive from another node) and internal errors (500).
 * Not counted: overload refusals (BUSY, QUEUE_FULL: the bulkhead's and the mailboxes' answer),
 * a caller's own deadline (REQUEST_TIMEOUT 504, REQUEST_SKIPPED 514), 503s of a key changing owner
 * (symbol actors answer those during a handoff; tripping the new owner would make it unreachable
 * for `halfOpenTime`) and every 4xx.
 */
const ENDPOINT_FAILURES: ReadonlySet<string> = new Set(["ModelError", "TimeoutError"]);
export function endpointFailed(err: unknown): boolean {
	const e = err as { name?: string; code?: number } | null;
	return !!e && (ENDPOINT_FAILURES.has(e.name ?? "") || e.code === 500);
}

interface StoreItem {
	ep: { state: boolean };
	count: number;
	failures: number;
	state: "close" | "half_open" | "half_open_wait" | "open";
	cbTimer: NodeJS.Timeout | null;
}

const storeOf = (broker: ServiceBroker) => (broker as unknown as { CircuitBreakerStore?: Map<string, StoreItem> }).CircuitBreakerStore;
const STATES: Record<StoreItem["state"], BreakerState> = { close: "closed", half_open: "half-open", half_open_wait: "half-open", open: "open" };

/** This broker's breaker for `action` on `nodeID` (closed and empty until a call went there). */
export function endpointBreaker(broker: ServiceBroker, nodeID: string, action: string): BreakerStatus {
	const item = storeOf(broker)?.get(`${nodeID}:${action}`);
	return { name: `${nodeID}:${action}`, state: item ? STATES[item.state] : "closed", calls: item?.count ?? 0, failures: item?.failures ?? 0 };
}

/** True when every endpoint of `action` this broker knows is tripped (the call was refused, not lost). */
export function allEndpointsOpen(broker: ServiceBroker, action: string): boolean {
	const store = storeOf(broker);
	const nodes = broker.registry.getActionEndpoints(action)?.endpoints ?? [];
	return nodes.length > 0 && nodes.every(ep => store?.get(`${ep.id}:${action}`)?.state === "open");
}

/**
 * Close this broker's breaker for `action` on `nodeID` (operator restart), as the middleware's own
 * circuitClose does: counts cleared, the endpoint selectable again, the probe timer stopped. The
 * store entry is dropped so the next call starts a fresh one.
 */
export function closeEndpointBreaker(broker: ServiceBroker, nodeID: string, action: string): void {
	const store = storeOf(broker);
	const item = store?.get(`${nodeID}:${action}`);
	if (!store || !item) return;
	if (item.cbTimer) clearTimeout(item.cbTimer);
	item.ep.state = true;
	store.delete(`${nodeID}:${action}`);
	const labels = { affectedNodeID: nodeID, service: action.slice(0, action.lastIndexOf(".")), action };
	broker.metrics.set("moleculer.circuit-breaker.opened.active", 0, labels);
	broker.metrics.set("moleculer.circuit-breaker.half-opened.active", 0, labels);
}

/** The Bulkhead's running and queued calls of a local action (0 when it has not run yet). */
export function bulkheadLoad(broker: ServiceBroker, service: string, action: string): { active: number; queued: number } {
	const gauge = (name: string) => (broker.metrics.getMetric(name)?.get({ action, service })?.value as number | undefined) ?? 0;
	return { active: gauge("moleculer.request.bulkhead.inflight"), queued: gauge("moleculer.request.bulkhead.queue.size") };
}

/**
 * Spread into an idempotent read's action schema: Moleculer's Retry middleware calls it again
 * (broker-wide `retryPolicy` in moleculer.config.ts: 2 retries, 100 ms doubling, retryable errors
 * only) through the balancer, so another endpoint may answer. The Retry runs on the caller for a
 * remote call (remoteAction hook); the action's `retryPolicy` reaches it in the INFO packet.
 * Only for reads any node answers alike: the retry calls `broker.call(action, params, { ctx })`,
 * which picks the endpoint afresh and drops a `nodeID` the first call was pinned to.
 */
export const IDEMPOTENT_READ = { retryPolicy: { enabled: true } } as const;
