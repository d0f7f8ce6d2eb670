/**
 * When to try a failed delivery again: exponential backoff with "equal jitter" (half the delay
 * fixed, half random), so retries of many deliveries to one receiver spread out instead of
 * arriving together, and never come sooner than half the nominal delay.
 */
import type { AlertDeliveryConfig } from "./config.ts";

export type BackoffSettings = Pick<AlertDeliveryConfig, "retryInitialMs" | "retryMultiplier" | "retryMaxMs" | "retryForMs" | "maxAttempts">;

/** Delay before attempt `attempt + 1`, after `attempt` (≥ 1) failed; `random` in [0, 1). */
export function retryDelayMs(attempt: number, s: BackoffSettings, random: number): number {
	const nominal = Math.min(s.retryMaxMs, s.retryInitialMs * s.retryMultiplier ** (attempt - 1));
	return Math.round(nominal / 2 + (random * nominal) / 2);
}

/** True when no attempt may follow `attempt`: too many, or the next would start past `retryForMs` from the first. */
export function retriesExhausted(attempt: number, firstAttemptAt: number, nextAt: number, s: BackoffSettings): boolean {
	return attempt >= s.maxAttempts || nextAt - firstAttemptAt > s.retryForMs;
}
