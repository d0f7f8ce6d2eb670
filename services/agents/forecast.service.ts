/** `agents.forecast`: Holt trend + GARCH(1,1) intervals on a symbol's closes, or a remote model (lib/agents/remote-forecast.ts). */
import { agentServiceSchema } from "../../mixins/agent.mixin.ts";
import { MIN_FORECAST_CLOSES } from "../../lib/agents/forecast.ts";
import type { NodeDeps } from "../../runtime/deps.ts";

export default function forecastAgentService(deps: NodeDeps) {
	return agentServiceSchema("forecast", deps, {
		closes: { type: "array", min: MIN_FORECAST_CLOSES, max: 5000, items: { type: "number", positive: true, convert: false } },
		horizon: { type: "number", integer: true, min: 1, max: 500, convert: true },
		start: { type: "number", integer: true, min: 0, optional: true, convert: false },
	});
}
