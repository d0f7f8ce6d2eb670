/**
 * Webhook signatures: `X-Rookery-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>`.
 * The timestamp is signed too, so a receiver can refuse old replays (`toleranceSec`).
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export const SIGNATURE_HEADER = "X-Rookery-Signature";
export const DELIVERY_HEADER = "X-Rookery-Delivery";

export function signatureHex(secret: string, t: number, body: string): string {
	return createHmac("sha256", secret).update(`${t}.${body}`).digest("hex");
}

/** The header value for `body` sent at `t` (unix seconds). */
export function signatureHeader(secret: string, t: number, body: string): string {
	return `t=${t},v1=${signatureHex(secret, t, body)}`;
}

/**
 * True when `header` signs `body` with `secret` and its `t` is within `toleranceSec` of `nowSec`.
 * The comparison takes the same time whatever the first wrong byte.
 */
export function verifySignature(header: string | null | undefined, secret: string, body: string, nowSec: number, toleranceSec = 300): boolean {
	if (!header) return false;
	const parts = new Map(header.split(",").map(kv => [kv.slice(0, kv.indexOf("=")).trim(), kv.slice(kv.indexOf("=") + 1).trim()] as const));
	const t = Number(parts.get("t"));
	const v1 = parts.get("v1") ?? "";
	if (!Number.isInteger(t) || Math.abs(nowSec - t) > toleranceSec || !/^[0-9a-f]{64}$/.test(v1)) return false;
	return timingSafeEqual(Buffer.from(v1, "hex"), Buffer.from(signatureHex(secret, t, body), "hex"));
}
