/**
 * Each built-in indicator spec with the TA-Lib 1.1.6 call(s) producing its columns in order (a
 * direct formula where TA-Lib has none): the batch reference of the oracle spec and of the plug-in
 * contract run on the built-ins (test/unit/plugins/plugins.spec.ts).
 */
import type { Bar } from "../../../lib/bars/bar.ts";
import { keltner, oracle, vwapReference } from "./support.ts";

export type Expect = (bars: readonly Bar[]) => (number | null)[][];

/** Each spec with the TA-Lib call(s) producing its columns in order. */
export const ORACLE_CASES: [string, Expect][] = [
	["sma:20", b => [oracle("SMA", b, { optInTimePeriod: 20 }).outReal]],
	["sma:2", b => [oracle("SMA", b, { optInTimePeriod: 2 }).outReal]],
	["ema:20", b => [oracle("EMA", b, { optInTimePeriod: 20 }).outReal]],
	["ema:3", b => [oracle("EMA", b, { optInTimePeriod: 3 }).outReal]],
	["rsi:14", b => [oracle("RSI", b, { optInTimePeriod: 14 }).outReal]],
	["rsi:2", b => [oracle("RSI", b, { optInTimePeriod: 2 }).outReal]],
	["macd:12:26:9", b => macd(b, 12, 26, 9)],
	["macd:26:12:9", b => macd(b, 26, 12, 9)],
	["macd:3:10:16", b => macd(b, 3, 10, 16)],
	["bbands:20:2", b => bbands(b, 20, 2)],
	["bbands:7:1.5", b => bbands(b, 7, 1.5)],
	["atr:14", b => [oracle("ATR", b, { optInTimePeriod: 14 }).outReal]],
	["atr:3", b => [oracle("ATR", b, { optInTimePeriod: 3 }).outReal]],
	["stoch:14:3:3", b => stoch(b, 14, 3, 3)],
	["stoch:5:1:4", b => stoch(b, 5, 1, 4)],
	["obv", b => [oracle("OBV", b).outReal]],
	["adx:14", b => adx(b, 14)],
	["adx:3", b => adx(b, 3)],
	["vwap", b => [vwapReference(b)]],
	["donchian:20", b => donchian(b, 20)],
	["donchian:4", b => donchian(b, 4)],
	["wma:20", b => [oracle("WMA", b, { optInTimePeriod: 20 }).outReal]],
	["wma:2", b => [oracle("WMA", b, { optInTimePeriod: 2 }).outReal]],
	["dema:10", b => [oracle("DEMA", b, { optInTimePeriod: 10 }).outReal]],
	["tema:5", b => [oracle("TEMA", b, { optInTimePeriod: 5 }).outReal]],
	["tema:20", b => [oracle("TEMA", b, { optInTimePeriod: 20 }).outReal]],
	["roc:10", b => [oracle("ROC", b, { optInTimePeriod: 10 }).outReal]],
	["roc:1", b => [oracle("ROC", b, { optInTimePeriod: 1 }).outReal]],
	["willr:14", b => [oracle("WILLR", b, { optInTimePeriod: 14 }).outReal]],
	["willr:3", b => [oracle("WILLR", b, { optInTimePeriod: 3 }).outReal]],
	["mfi:14", b => [oracle("MFI", b, { optInTimePeriod: 14 }).outReal]],
	["mfi:3", b => [oracle("MFI", b, { optInTimePeriod: 3 }).outReal]],
	["keltner:20:2:10", b => keltner(b, 20, 2, 10)],
	["keltner:5:1.5:8", b => keltner(b, 5, 1.5, 8)],
];

/** TA-Lib's MAX over highs and MIN over lows; the midpoint is their mean. */
function donchian(b: readonly Bar[], n: number) {
	const upper = oracle("MAX", b, { optInTimePeriod: n, inReal: b.map(x => x.high) }).outReal;
	const lower = oracle("MIN", b, { optInTimePeriod: n, inReal: b.map(x => x.low) }).outReal;
	return [upper, upper.map((u, i) => (u === null ? null : (u + (lower[i] as number)) / 2)), lower];
}

function macd(b: readonly Bar[], fast: number, slow: number, signal: number) {
	const r = oracle("MACD", b, { optInFastPeriod: fast, optInSlowPeriod: slow, optInSignalPeriod: signal });
	return [r.outMACD, r.outMACDSignal, r.outMACDHist];
}

function bbands(b: readonly Bar[], n: number, k: number) {
	const r = oracle("BBANDS", b, { optInTimePeriod: n, optInNbDevUp: k, optInNbDevDn: k, optInMAType: 0 });
	return [r.outRealUpperBand, r.outRealMiddleBand, r.outRealLowerBand];
}

function stoch(b: readonly Bar[], k: number, sk: number, sd: number) {
	const opts = { optInFastK_Period: k, optInSlowK_Period: sk, optInSlowK_MAType: 0, optInSlowD_Period: sd, optInSlowD_MAType: 0 };
	const r = oracle("STOCH", b, opts);
	return [r.outSlowK, r.outSlowD];
}

function adx(b: readonly Bar[], n: number) {
	const o = { optInTimePeriod: n };
	return [oracle("ADX", b, o).outReal, oracle("PLUS_DI", b, o).outReal, oracle("MINUS_DI", b, o).outReal];
}
