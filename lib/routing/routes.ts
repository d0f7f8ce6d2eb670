/**
 * Every REST path the gateway serves, in one table: path → action. Services add their paths here
 * (not in the gateway), so the gateway, the OpenAPI document and docs/compat.md read one list.
 */

/** `/api/v1/ticks`, a route of its own: its body (one tick or an array) is passed whole as `params.body`. */
export const TICKS_ALIASES: Record<string, string> = { "POST /": "ingest.ticks" };

/** Under /api/v1. */
export const API_ALIASES: Record<string, string> = {
	"GET symbols": "symbols.list",
	"GET cluster": "monitor.cluster",
	"GET symbols/:symbol/latest": "symbols.latest",
	"GET symbols/:symbol/history": "symbols.history",
	"GET symbols/:symbol/bars": "symbols.bars",
	"GET symbols/:symbol/indicators": "symbols.indicators",
	"GET symbols/:symbol/signals": "symbols.signals",
	"GET strategies/:name/performance": "symbols.strategyPerformance",
	// Ingestion (docs/ingestion.md): pushed news, stored vendor messages, instruments, cadences, workers.
	"POST news": "ingest.news",
	"GET news/:symbol": "ingest.newsOf",
	"GET messages/:dataType/:symbol": "ingest.messages",
	"GET messages/:dataType/:symbol/latest": "ingest.latestMessage",
	"GET config/instruments": "config.listInstruments",
	"POST config/instruments": "config.upsertInstrument",
	"PUT config/instruments/:symbol": "config.upsertInstrument",
	"GET config/instruments/:symbol": "config.getInstrument",
	"DELETE config/instruments/:symbol": "config.deleteInstrument",
	"GET config/cadences/:data_type": "config.getCadence",
	"PUT config/cadences/:data_type": "config.putCadence",
	"GET workers": "config.listWorkers",
	"GET workers/telemetry": "config.telemetry",
	"POST workers/start-all": "config.startAll",
	"POST workers/stop-all": "config.stopAll",
	"GET workers/:id": "config.getWorker",
	"POST workers/:id/start": "config.startWorker",
	"POST workers/:id/stop": "config.stopWorker",
	// Agents and unified intelligence (docs/agents.md).
	"POST intelligence/unified": "intelligence.unified",
	"GET intelligence/streams": "intelligence.listStreams",
	"POST intelligence/streams": "intelligence.startStream",
	"DELETE intelligence/streams/:id": "intelligence.stopStream",
	"GET agents/status": "intelligence.agentsStatus",
	"POST agents/:name/restart": "intelligence.restartAgent",
	"GET config/agents/:name": "intelligence.getAgentConfig",
	"PUT config/agents/:name": "intelligence.setAgentConfig",
	// Platform events and windowed analytics (docs/events.md); the POSTs are in RAW_BODY_ALIASES.
	"GET events": "events.list",
	// Back-fill a symbol from a vendor's history (admin; docs/ingestion.md).
	"POST symbols/:symbol/backfill": "ingest.backfill",
	"GET analytics/metrics": "analytics.listMetrics",
	"GET analytics/windows/:name": "analytics.window",
	// Alert rules and their history (docs/alerts.md); the POST is in RAW_BODY_ALIASES.
	"GET alerts/rules": "alerts.listRules",
	"GET alerts/rules/:id": "alerts.getRule",
	"DELETE alerts/rules/:id": "alerts.deleteRule",
	"GET alerts/history": "alerts.history",
	// Alert deliveries that gave up (docs/alerts.md, "Delivery"); retry is admin-only.
	"GET alerts/dead-letters": "alert-delivery.deadLetters",
	"POST alerts/dead-letters/:id/retry": "alert-delivery.retryDeadLetter",
	// Patterns (complex-event processing, docs/events.md "Patterns").
	"POST analytics/patterns": "patterns.create",
	"GET analytics/patterns": "patterns.list",
	"GET analytics/patterns/:id": "patterns.get",
	"DELETE analytics/patterns/:id": "patterns.delete",
	// Predecessor paths (docs/compat.md).
	"GET realtime/indicators/:symbol": "symbols.indicators",
	"GET realtime/signals/:symbol": "symbols.signals",
	"POST realtime/watchlist": "config.setWatchlist",
	"GET realtime/health": "monitor.health",
	"GET realtime/stats": "monitor.stats",
	"GET streaming/pairs": "gateway.pairs",
	"GET streaming/:symbol/latest": "gateway.pairLatest",
	"GET streaming/:symbol/history": "gateway.pairHistory",
	// The two-level answer cache (docs/operations.md "Cache").
	"GET cache/status": "monitor.cacheStatus",
	"DELETE cache": "monitor.cacheClear",
	// API keys (admin).
	"GET auth/keys": "gateway.listApiKeys",
	"POST auth/keys": "gateway.createApiKey",
	"DELETE auth/keys/:id": "gateway.revokeApiKey",
};

/**
 * Paths whose JSON body may be an array (a batch): each prefix gets its own gateway route that
 * passes the body whole as `params.body` (path params as `params.params`), like `/api/v1/ticks`.
 */
export const RAW_BODY_ALIASES: Record<string, Record<string, string>> = {
	"/api/v1/events": { "POST /": "events.publish" },
	"/api/v1/analytics/metrics": { "POST /:name": "analytics.recordMetric" },
	"/api/v1/alerts/rules": { "POST /": "alerts.createRule" },
};

/** At the root: operations endpoints and predecessor paths outside /api/v1 (docs/compat.md). */
export const ROOT_ALIASES: Record<string, string> = {
	"GET health": "monitor.health",
	"GET health/live": "monitor.live",
	"GET health/ready": "monitor.ready",
	"GET metrics": "monitor.metrics",
	"GET metrics/performance": "monitor.performance",
	"GET metrics/stages": "monitor.stages",
	"DELETE metrics/stages": "monitor.stagesReset",
	"GET api/openapi.json": "gateway.openapi",
	// Predecessor streaming paths (docs/compat.md).
	"GET streaming/channels": "gateway.channels",
	"GET streaming/latest/:channel": "gateway.channelLatest",
	// Processing-agent predecessor (seed 000).
	"POST intelligence/unified": "intelligence.unified",
	"POST intelligence/stream/start": "intelligence.startStream",
	"DELETE intelligence/stream/:id": "intelligence.stopStream",
	"GET agents/status": "intelligence.agentsStatus",
	"POST agents/:name/restart": "intelligence.restartAgent",
	"GET cache/status": "monitor.cacheStatus",
	"DELETE cache/clear": "monitor.cacheClear",
	// Alert subscriptions (seed 000; docs/alerts.md).
	"POST alerts/subscribe": "alerts.subscribe",
	"DELETE alerts/unsubscribe/:subscription_id": "alerts.unsubscribe",
	// Data-workers predecessor (seed 002): its config API under /streaming/config.
	"GET streaming/config/instruments": "config.listInstruments",
	"POST streaming/config/instruments": "config.upsertInstrument",
	"GET streaming/config/instruments/:symbol": "config.getInstrument",
	"DELETE streaming/config/instruments/:symbol": "config.deleteInstrument",
	"GET streaming/config/cadences/:data_type": "config.getCadence",
	"PUT streaming/config/cadences/:data_type": "config.putCadence",
	"GET streaming/config/workers": "config.listWorkers",
	"POST streaming/config/workers/start-all": "config.startAll",
	"POST streaming/config/workers/stop-all": "config.stopAll",
	"GET streaming/config/workers/:id": "config.getWorker",
	"POST streaming/config/workers/:id/start": "config.startWorker",
	"POST streaming/config/workers/:id/stop": "config.stopWorker",
	"GET streaming/config/telemetry/:data_type": "config.telemetry",
};
