export { CircuitBreaker, CircuitOpenError, type BreakerState, type BreakerStatus, type CircuitBreakerOptions } from "./circuit-breaker.ts";
export { backoffDelay, type BackoffOptions } from "./backoff.ts";
export { Bulkhead, type BulkheadOptions, type BulkheadStats } from "./bulkhead.ts";
export { withTimeout } from "./timeout.ts";
