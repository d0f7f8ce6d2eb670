export { fitGarch11, garchForecast, garchForecastNext, garchObserve, garchObserveInPlace, type Garch11 } from "./garch.ts";
export { logReturns, realizedVolatility } from "./realized.ts";
export { nelderMead, type NelderMeadOptions, type NelderMeadResult } from "./nelder-mead.ts";
