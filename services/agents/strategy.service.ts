/** `agents.strategy`: trade suggestions with entry/stop/target (rules from ATR and the explanation, or an OpenAI-compatible LLM). */
import { agentServiceSchema } from "../../mixins/agent.mixin.ts";
import { marketViewParams } from "./market-view-params.ts";
import type { NodeDeps } from "../../runtime/deps.ts";

export default function strategyAgentService(deps: NodeDeps) {
	return agentServiceSchema("strategy", deps, { view: marketViewParams });
}
