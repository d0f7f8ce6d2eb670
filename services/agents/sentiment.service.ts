/** `agents.sentiment`: headline sentiment (lexicon model, or a FinBERT/HF classifier endpoint). */
import { agentServiceSchema } from "../../mixins/agent.mixin.ts";
import type { NodeDeps } from "../../runtime/deps.ts";

export default function sentimentAgentService(deps: NodeDeps) {
	return agentServiceSchema("sentiment", deps, {
		texts: { type: "array", max: 100, items: { type: "string", min: 1, max: 2000 } },
	});
}
