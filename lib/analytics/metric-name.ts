/**
 * A metric's name: dot-separated tokens (`api_response_time`, `price.AAPL`). Each token is one NATS
 * subject token, so `analytics:1m:price.AAPL` is published on `rookery.windows.1m.price.AAPL` and a
 * wildcard topic maps back without ambiguity.
 */
export const METRIC_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}(\.[A-Za-z0-9_-]{1,64}){0,7}$/;
export const METRIC_NAME_MAX = 128;

export const isMetricName = (s: unknown): s is string => typeof s === "string" && s.length <= METRIC_NAME_MAX && METRIC_NAME_PATTERN.test(s);
