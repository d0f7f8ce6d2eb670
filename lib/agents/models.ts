/** Which model an agent runs: remote when its settings have a url, else built in. */
import type { AgentModel, AgentName, AgentSettings } from "./model.ts";
import { GarchHoltForecastModel, LexiconSentimentModel, RuleExplainModel, RuleStrategyModel } from "./builtin-models.ts";
import { ChatExplainModel, ChatStrategyModel, ClassifierSentimentModel } from "./remote-models.ts";
import { RemoteForecastModel } from "./remote-forecast.ts";

export function createModel(name: AgentName, s: AgentSettings): AgentModel<any, any> {
	switch (name) {
		case "sentiment":
			return s.url ? new ClassifierSentimentModel(s.url) : new LexiconSentimentModel();
		case "forecast":
			return s.url ? new RemoteForecastModel(s.url) : new GarchHoltForecastModel();
		case "explain":
			return s.url ? new ChatExplainModel(s.url, s.model) : new RuleExplainModel();
		case "strategy":
			return s.url ? new ChatStrategyModel(s.url, s.model) : new RuleStrategyModel();
	}
}
