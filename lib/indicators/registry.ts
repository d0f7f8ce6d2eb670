import { Adx } from "./adx.ts";
import { Atr } from "./atr.ts";
import { Bollinger } from "./bollinger.ts";
import { Dema, Tema } from "./dema.ts";
import { Donchian } from "./donchian.ts";
import { Ema } from "./ema.ts";
import type { Indicator, IndicatorState } from "./indicator.ts";
import { Keltner } from "./keltner.ts";
import { Macd } from "./macd.ts";
import { Mfi } from "./mfi.ts";
import { Obv } from "./obv.ts";
import { Roc } from "./roc.ts";
import { Rsi } from "./rsi.ts";
import { Sma } from "./sma.ts";
import { Stochastic } from "./stochastic.ts";
import { Vwap } from "./vwap.ts";
import { WilliamsR } from "./willr.ts";
import { Wma } from "./wma.ts";

export type AnyIndicator = Indicator<unknown>;

export interface IndicatorSpec {
	kind: string;
	params: number[];
}

/** A spec that cannot be turned into an indicator (unknown kind, bad or too many parameters). */
export class IndicatorSpecError extends Error {
	readonly code = "BAD_INDICATOR_SPEC";
	override readonly name = "IndicatorSpecError";
}

export interface IndicatorEntry {
	defaults: number[];
	make(p: number[]): AnyIndicator;
}
type Entry = IndicatorEntry;

/** Every kind with its TA-Lib-style default parameters; missing trailing parameters take these. */
const KINDS: Record<string, Entry> = {
	sma: { defaults: [20], make: ([n]) => new Sma(n) },
	ema: { defaults: [20], make: ([n]) => new Ema(n) },
	rsi: { defaults: [14], make: ([n]) => new Rsi(n) },
	macd: { defaults: [12, 26, 9], make: ([f, s, g]) => new Macd(f, s, g) },
	bbands: { defaults: [20, 2], make: ([n, k]) => new Bollinger(n, k) },
	atr: { defaults: [14], make: ([n]) => new Atr(n) },
	stoch: { defaults: [14, 3, 3], make: ([k, sk, sd]) => new Stochastic(k, sk, sd) },
	vwap: { defaults: [], make: () => new Vwap() },
	obv: { defaults: [], make: () => new Obv() },
	adx: { defaults: [14], make: ([n]) => new Adx(n) },
	donchian: { defaults: [20], make: ([n]) => new Donchian(n) },
	wma: { defaults: [20], make: ([n]) => new Wma(n) },
	dema: { defaults: [20], make: ([n]) => new Dema(n) },
	tema: { defaults: [20], make: ([n]) => new Tema(n) },
	roc: { defaults: [10], make: ([n]) => new Roc(n) },
	willr: { defaults: [14], make: ([n]) => new WilliamsR(n) },
	mfi: { defaults: [14], make: ([n]) => new Mfi(n) },
	keltner: { defaults: [20, 2, 10], make: ([n, k, m]) => new Keltner(n, k, m) },
};

const kinds = Object.keys(KINDS);
/** Every known kind, the built-ins then plug-ins' (live: grows as plug-ins register). */
export const INDICATOR_KINDS: readonly string[] = kinds;

/**
 * Adds a kind (a plug-in's, lib/plugins): `defaults` fill missing trailing parameters as for the
 * built-ins. Refuses a kind that exists or is not [a-z][a-z0-9-]{0,31}.
 */
export function registerIndicator(kind: string, entry: Entry): void {
	if (!/^[a-z][a-z0-9-]{0,31}$/.test(kind)) throw new IndicatorSpecError(`indicator kind "${kind}" must match [a-z][a-z0-9-]{0,31}`);
	if (Object.hasOwn(KINDS, kind)) throw new IndicatorSpecError(`indicator kind "${kind}" already exists`);
	KINDS[kind] = entry;
	kinds.push(kind);
}

/** "macd:12:26:9" → { kind: "macd", params: [12, 26, 9] }, defaults filled in. */
export function parseSpec(spec: string): IndicatorSpec {
	const [kind, ...raw] = spec.trim().toLowerCase().split(":");
	const entry = Object.hasOwn(KINDS, kind) ? KINDS[kind] : undefined;
	if (entry === undefined) throw new IndicatorSpecError(`unknown indicator "${kind}" in "${spec}" (known: ${INDICATOR_KINDS.join(", ")})`);
	if (raw.length > entry.defaults.length) {
		throw new IndicatorSpecError(`"${spec}": ${kind} takes at most ${entry.defaults.length} parameter(s)`);
	}
	const params = entry.defaults.map((d, i) => {
		if (i >= raw.length) return d;
		const v = Number(raw[i]);
		if (raw[i] === "" || !Number.isFinite(v) || v <= 0) throw new IndicatorSpecError(`"${spec}": parameter ${i + 1} must be a positive number, got "${raw[i]}"`);
		return v;
	});
	return { kind, params };
}

/** "sma:20,ema:20" → specs; empty items are ignored. */
export function parseSpecs(list: string): IndicatorSpec[] {
	return list
		.split(",")
		.filter(s => s.trim() !== "")
		.map(parseSpec);
}

/** Builds an indicator from a spec string or a parsed spec; constructor range errors become spec errors. */
export function createIndicator(spec: string | IndicatorSpec): AnyIndicator {
	const s = typeof spec === "string" ? parseSpec(spec) : spec;
	const entry = Object.hasOwn(KINDS, s.kind) ? KINDS[s.kind] : undefined;
	if (entry === undefined) throw new IndicatorSpecError(`unknown indicator "${s.kind}"`);
	try {
		return entry.make(s.params);
	} catch (err) {
		throw new IndicatorSpecError(`${s.kind}:${s.params.join(":")}: ${(err as Error).message}`, { cause: err });
	}
}

/** Rebuilds an indicator from its toJSON() snapshot. */
export function restoreIndicator(state: IndicatorState): AnyIndicator {
	return createIndicator({ kind: state.kind, params: state.params }).load(state);
}
