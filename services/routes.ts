/**
 * Every REST path the gateway serves, in one table: path → action. Services add their paths here
 * (not in the gateway), so the gateway, the OpenAPI document and docs/compat.md read one list.
 */

/** Under /api/v1. */
export const API_ALIASES: Record<string, string> = {
	"GET symbols": "symbols.list",
	"GET cluster": "monitor.cluster",
	"GET symbols/:symbol/latest": "symbols.latest",
	"GET symbols/:symbol/history": "symbols.history",
	"GET symbols/:symbol/bars": "symbols.bars",
	"GET symbols/:symbol/indicators": "symbols.indicators",
	"GET symbols/:symbol/signals": "symbols.signals",
	// Predecessor paths (docs/compat.md).
	"GET realtime/indicators/:symbol": "symbols.indicators",
	"GET realtime/signals/:symbol": "symbols.signals",
};

/** At the root: operations endpoints and predecessor paths outside /api/v1 (docs/compat.md). */
export const ROOT_ALIASES: Record<string, string> = {
	"GET health": "monitor.health",
	"GET metrics": "monitor.metrics",
};
