/**
 * Built-in finance sentiment: a lexicon model (sentiment-lexicon.ts) with phrases, negation scope,
 * intensifiers/diminishers and concessive clauses. The raw sum s of term weights is squashed to a
 * polarity p = s / sqrt(s^2 + 4) in (-1, 1); |p| < NEUTRAL_BAND is neutral. `score` is the
 * confidence in the label (like a classifier's probability): |p| for positive/negative,
 * 1 - |p| / NEUTRAL_BAND for neutral. Accuracy on test/fixtures/headlines.json is in docs/agents.md.
 */
import { CONCESSIVE, CONCESSIVE_FACTOR, MODIFIERS, NEGATION_FACTOR, NEGATION_SCOPE, NEGATORS, PHRASES, WORDS } from "./sentiment-lexicon.ts";

export type SentimentLabel = "positive" | "negative" | "neutral";

export interface SentimentResult {
	label: SentimentLabel;
	/** Confidence in `label`, 0..1. */
	score: number;
	/** Signed strength, -1..1. */
	polarity: number;
	/** The terms that counted, with their weights after negation and modifiers. */
	reasons: string[];
}

export const NEUTRAL_BAND = 0.3;
const MAX_PHRASE_WORDS = Math.max(...Object.keys(PHRASES).map(p => p.split(" ").length));

export function tokenize(text: string): string[] {
	return text
		.toLowerCase()
		.replace(/[’‘]/g, "'")
		.split(/[^a-z0-9']+/)
		.map(w => w.replace(/^'+|'+$/g, ""))
		.filter(Boolean);
}

const round = (x: number) => Math.round(x * 1000) / 1000;

export function analyzeSentiment(text: string): SentimentResult {
	const words = tokenize(text);
	const reasons: string[] = [];
	let sum = 0;
	let negateUntil = -1;
	let modifier = 1;
	let modifierUntil = -1;
	let clauseFactor = 1;
	for (let i = 0; i < words.length; ) {
		const w = words[i];
		let term: string | null = null;
		let weight = 0;
		for (let n = Math.min(MAX_PHRASE_WORDS, words.length - i); n >= 2; n--) {
			const phrase = words.slice(i, i + n).join(" ");
			if (phrase in PHRASES) {
				term = phrase;
				weight = PHRASES[phrase];
				break;
			}
		}
		if (term === null) {
			if (NEGATORS.has(w) || w.endsWith("n't")) {
				negateUntil = i + NEGATION_SCOPE;
				i++;
				continue;
			}
			if (CONCESSIVE.has(w)) {
				clauseFactor = CONCESSIVE_FACTOR;
				i++;
				continue;
			}
			if (w in MODIFIERS && !(w in WORDS && i + 1 >= words.length)) {
				modifier = MODIFIERS[w];
				modifierUntil = i + 2;
				// "record" is both a modifier and a term: as a modifier it does not also count.
				i++;
				continue;
			}
			if (w in WORDS) {
				term = w;
				weight = WORDS[w];
			}
		}
		const span = term === null ? 1 : term.split(" ").length;
		if (term !== null && weight !== 0) {
			let v = weight * clauseFactor;
			const notes: string[] = [];
			if (i <= modifierUntil && modifier !== 1) {
				v *= modifier;
				notes.push(`x${modifier}`);
			}
			if (i <= negateUntil) {
				v *= NEGATION_FACTOR;
				notes.push("negated");
			}
			if (clauseFactor !== 1) notes.push("concessive");
			sum += v;
			reasons.push(`${term} ${v >= 0 ? "+" : ""}${round(v)}${notes.length ? ` (${notes.join(", ")})` : ""}`);
		}
		i += span;
	}
	const polarity = sum / Math.sqrt(sum * sum + 4);
	const a = Math.abs(polarity);
	const label: SentimentLabel = a < NEUTRAL_BAND ? "neutral" : polarity > 0 ? "positive" : "negative";
	const score = label === "neutral" ? 1 - a / NEUTRAL_BAND : a;
	return { label, score: round(score), polarity: round(polarity), reasons };
}

/** Polarity of a classifier's answer: +score for positive, -score for negative, 0 for neutral. */
export function polarityOf(label: SentimentLabel, score: number): number {
	return label === "positive" ? score : label === "negative" ? -score : 0;
}

export interface SentimentSummary {
	label: SentimentLabel;
	score: number;
	polarity: number;
	count: number;
	counts: Record<SentimentLabel, number>;
}

/** Several texts in one: the mean polarity, labelled with the same neutral band. */
export function summarizeSentiment(items: Array<{ label: SentimentLabel; score: number }>): SentimentSummary {
	const counts: Record<SentimentLabel, number> = { positive: 0, negative: 0, neutral: 0 };
	let sum = 0;
	for (const it of items) {
		counts[it.label]++;
		sum += polarityOf(it.label, it.score);
	}
	const polarity = items.length ? sum / items.length : 0;
	const a = Math.abs(polarity);
	const label: SentimentLabel = a < NEUTRAL_BAND ? "neutral" : polarity > 0 ? "positive" : "negative";
	return { label, score: round(label === "neutral" ? 1 - a / NEUTRAL_BAND : a), polarity: round(polarity), count: items.length, counts };
}
