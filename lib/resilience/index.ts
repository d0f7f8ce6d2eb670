/** Resilience for vendor I/O (calls that are not Moleculer calls): breaker, backoff, timeout. Moleculer calls use Moleculer's own (moleculer.config.ts). */
export { CircuitBreaker, CircuitOpenError, type BreakerState, type BreakerStatus, type CircuitBreakerOptions } from "./circuit-breaker.ts";
export { backoffDelay, type BackoffOptions } from "./backoff.ts";
export { withTimeout } from "./timeout.ts";
