/** The built-in models: they compute locally, so `npm start` works offline. */
import { AgentModel, type ExplainInput, type ExplainOutput, type ForecastInput, type ForecastOutput, type SentimentInput, type SentimentOutput, type StrategyInput, type StrategyOutput } from "./model.ts";
import { analyzeSentiment, summarizeSentiment } from "./sentiment.ts";
import { forecastPrices } from "./forecast.ts";
import { explain } from "./explain.ts";
import { suggestStrategies } from "./strategy.ts";

export class LexiconSentimentModel extends AgentModel<SentimentInput, SentimentOutput> {
	readonly kind = "builtin";
	async run(input: SentimentInput): Promise<SentimentOutput> {
		const items = input.texts.map(text => ({ text, ...analyzeSentiment(text) }));
		return { items: items.map(({ text, label, score, reasons }) => ({ text, label, score, reasons })), summary: summarizeSentiment(items) };
	}
}

export class GarchHoltForecastModel extends AgentModel<ForecastInput, ForecastOutput> {
	readonly kind = "builtin";
	async run(input: ForecastInput): Promise<ForecastOutput> {
		return forecastPrices(input.closes, input.horizon);
	}
}

export class RuleExplainModel extends AgentModel<ExplainInput, ExplainOutput> {
	readonly kind = "builtin";
	async run(input: ExplainInput): Promise<ExplainOutput> {
		const { stance, score, confidence, summary, reasons } = explain(input);
		return { stance, score, confidence, summary, reasons };
	}
}

export class RuleStrategyModel extends AgentModel<StrategyInput, StrategyOutput> {
	readonly kind = "builtin";
	async run(input: StrategyInput): Promise<StrategyOutput> {
		const { stance, suggestions } = suggestStrategies(input);
		return { stance, suggestions };
	}
}
