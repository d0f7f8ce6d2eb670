/** `agents.explain`: explanation of a symbol's indicators, signals and news (rules, or an OpenAI-compatible LLM). */
import { agentServiceSchema } from "../../mixins/agent.mixin.ts";
import { marketViewParams } from "./market-view-params.ts";
import type { NodeDeps } from "../../runtime/deps.ts";

export default function explainAgentService(deps: NodeDeps) {
	return agentServiceSchema("explain", deps, { view: marketViewParams });
}
