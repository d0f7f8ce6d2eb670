/**
 * Remote models: HTTP calls with global fetch, stopped by the runner's AbortSignal.
 * - Sentiment: a classifier endpoint. The body `{"text": …, "inputs": …}` is understood both by
 *   FinBERT-style services (`{text}` → `{label, score}`) and by Hugging Face text-classification
 *   (`{inputs}` → `[{label, score}]` or `[[{label, score}, …]]`); the top-scoring label is used.
 * - Explain / strategy: `POST {url}/v1/chat/completions` on any OpenAI-compatible server (vLLM,
 *   Ollama, llama.cpp) with the prompt of prompt.ts; the answer must be the JSON it asks for.
 */
import { AgentModel, type ExplainInput, type ExplainOutput, type SentimentInput, type SentimentItem, type SentimentOutput, type StrategyInput, type StrategyOutput } from "./model.ts";
import { ModelError } from "./errors.ts";
import { redactText, redactUrl } from "../config/redact.ts";
import { summarizeSentiment, type SentimentLabel } from "./sentiment.ts";
import { explainPrompt, extractJson, parseExplainAnswer, parseStrategyAnswer, strategyPrompt } from "./prompt.ts";

const LABELS: Record<string, SentimentLabel> = { positive: "positive", pos: "positive", bullish: "positive", negative: "negative", neg: "negative", bearish: "negative", neutral: "neutral", neu: "neutral" };

/**
 * fetch refuses a URL with a user part, so `http://user:pw@host` becomes HTTP Basic auth; every
 * message names the URL with its credentials masked (they end up in answers and logs).
 */
export async function postJson(agent: string, url: string, body: unknown, signal: AbortSignal): Promise<unknown> {
	const shown = redactUrl(url);
	const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" };
	let target = url;
	try {
		const u = new URL(url);
		if (u.username || u.password) {
			headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString("base64")}`;
			u.username = "";
			u.password = "";
			target = u.toString();
		}
	} catch {
		// not a URL: fetch says why below
	}
	let res: Response;
	try {
		res = await fetch(target, { method: "POST", headers, body: JSON.stringify(body), signal });
	} catch (err) {
		if (signal.aborted) throw signal.reason;
		throw new ModelError(agent, redactText(`cannot reach ${shown}: ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}`));
	}
	const text = await res.text();
	if (!res.ok) throw new ModelError(agent, `${shown} answered HTTP ${res.status}`, { status: res.status, body: text.slice(0, 200) });
	try {
		return JSON.parse(text);
	} catch {
		throw new ModelError(agent, `${shown} answered with a body that is not JSON`, { body: text.slice(0, 200) });
	}
}

/** `{label, score}`, `[{label, score}]` or `[[{label, score}, …]]` → the top label. */
export function parseClassifierAnswer(x: unknown): { label: SentimentLabel; score: number } | null {
	let candidates: unknown[] = Array.isArray(x) ? x : [x];
	if (candidates.length > 0 && Array.isArray(candidates[0])) candidates = candidates[0] as unknown[];
	let best: { label: SentimentLabel; score: number } | null = null;
	for (const c of candidates) {
		const o = c as { label?: unknown; score?: unknown };
		if (!o || typeof o.label !== "string" || typeof o.score !== "number" || !(o.score >= 0 && o.score <= 1)) return null;
		const label = LABELS[o.label.toLowerCase()];
		if (!label) return null;
		if (!best || o.score > best.score) best = { label, score: o.score };
	}
	return best;
}

export class ClassifierSentimentModel extends AgentModel<SentimentInput, SentimentOutput> {
	readonly kind = "remote";
	constructor(private readonly url: string) {
		super();
	}

	async run(input: SentimentInput, signal: AbortSignal): Promise<SentimentOutput> {
		const items: SentimentItem[] = await Promise.all(
			input.texts.map(async text => {
				const answer = parseClassifierAnswer(await postJson("sentiment", this.url, { text, inputs: text }, signal));
				if (!answer) throw new ModelError("sentiment", `${redactUrl(this.url)} answered neither {label, score} nor [{label, score}] with a known label`);
				return { text, ...answer };
			}),
		);
		return { items, summary: summarizeSentiment(items) };
	}
}

export function chatCompletionsUrl(url: string): string {
	// The path is extended before a query (`?api_key=…` some servers want) so the query stays last.
	const q = url.search(/[?#]/);
	const [path, rest] = q < 0 ? [url, ""] : [url.slice(0, q), url.slice(q)];
	const base = path.replace(/\/+$/, "");
	return (base.endsWith("/chat/completions") ? base : base.endsWith("/v1") ? `${base}/chat/completions` : `${base}/v1/chat/completions`) + rest;
}

abstract class ChatModel<O> extends AgentModel<ExplainInput, O> {
	readonly kind = "remote";
	constructor(
		private readonly agent: string,
		private readonly url: string,
		private readonly model: string | null,
	) {
		super();
	}

	protected abstract prompt(view: ExplainInput): { system: string; user: string };
	protected abstract parse(x: unknown): { ok: true; value: O } | { ok: false; problems: string[] };

	async run(input: ExplainInput, signal: AbortSignal): Promise<O> {
		const { system, user } = this.prompt(input);
		const body = {
			model: this.model ?? "default",
			messages: [
				{ role: "system", content: system },
				{ role: "user", content: user },
			],
			temperature: 0,
			response_format: { type: "json_object" },
		};
		const answer = (await postJson(this.agent, chatCompletionsUrl(this.url), body, signal)) as { choices?: Array<{ message?: { content?: unknown } }> };
		const content = answer?.choices?.[0]?.message?.content;
		if (typeof content !== "string") throw new ModelError(this.agent, "the chat answer has no choices[0].message.content");
		let json: unknown;
		try {
			json = extractJson(content);
		} catch (err) {
			throw new ModelError(this.agent, `the model's answer is not JSON (${(err as Error).message})`, { content: content.slice(0, 200) });
		}
		const parsed = this.parse(json);
		if (!parsed.ok) throw new ModelError(this.agent, `the model's answer does not fit the schema: ${parsed.problems.join("; ")}`, { content: content.slice(0, 200) });
		return parsed.value;
	}
}

export class ChatExplainModel extends ChatModel<ExplainOutput> {
	constructor(url: string, model: string | null) {
		super("explain", url, model);
	}
	protected prompt(view: ExplainInput) {
		return explainPrompt(view);
	}
	protected parse(x: unknown) {
		return parseExplainAnswer(x);
	}
}

export class ChatStrategyModel extends ChatModel<StrategyOutput> {
	constructor(url: string, model: string | null) {
		super("strategy", url, model);
	}
	protected prompt(view: StrategyInput) {
		return strategyPrompt(view);
	}
	protected parse(x: unknown) {
		return parseStrategyAnswer(x);
	}
}
