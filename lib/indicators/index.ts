export type { Bar } from "../bars/bar.ts";
export { checkBar } from "./validate.ts";
export { Indicator, ScalarIndicator, type IndicatorState } from "./indicator.ts";
export { Sma } from "./sma.ts";
export { Ema } from "./ema.ts";
export { Rsi } from "./rsi.ts";
export { Macd, type MacdValue } from "./macd.ts";
export { Bollinger, type BollingerValue } from "./bollinger.ts";
export { Atr } from "./atr.ts";
export { Stochastic, type StochasticValue } from "./stochastic.ts";
export { Vwap, defaultSession, type SessionBar, type SessionOf } from "./vwap.ts";
export { Obv } from "./obv.ts";
export { Adx, type AdxValue } from "./adx.ts";
export { Donchian, type DonchianValue } from "./donchian.ts";
export { Wma } from "./wma.ts";
export { Dema, Tema } from "./dema.ts";
export { Roc } from "./roc.ts";
export { WilliamsR } from "./willr.ts";
export { Mfi } from "./mfi.ts";
export { Keltner, type KeltnerValue } from "./keltner.ts";
export {
	type AnyIndicator,
	type IndicatorSpec,
	IndicatorSpecError,
	type IndicatorEntry,
	INDICATOR_KINDS,
	registerIndicator,
	createIndicator,
	parseSpec,
	parseSpecs,
	restoreIndicator,
} from "./registry.ts";
export { IndicatorSet } from "./indicator-set.ts";
