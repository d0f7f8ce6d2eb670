/**
 * JWTs and JSON requests for the security tests, on the nodes of ./gateway-node.ts (an in-process
 * node; with `auth` its JWT secret is set and anonymous callers are refused).
 */
import { SignJWT } from "jose";
import type { ConfigOverrides } from "../../lib/config/config.ts";
import { SECRET, startNode, type TestNode } from "./gateway-node.ts";

export interface SecuredNode extends TestNode {
	stop(): Promise<void>;
}

export async function startSecuredNode(nodeId: string, opts: { auth: boolean; overrides?: ConfigOverrides }): Promise<SecuredNode> {
	const auth = opts.auth ? { auth: { jwtSecret: SECRET, anonymousTier: null } as never } : {};
	const n = await startNode({ nodeId, ...auth, ...opts.overrides });
	return { ...n, stop: () => n.node.stop() };
}

export function jwtFor(sub: string | null, tier: "free" | "pro" | "internal", roles: string[] = []): Promise<string> {
	const claims = sub === null ? { tier, roles } : { sub, tier, roles };
	return new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).setExpirationTime("1h").sign(new TextEncoder().encode(SECRET));
}

/** A JSON request: status and parsed body (the raw text when it is not JSON). */
export async function call(base: string, method: string, path: string, opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<{ status: number; body: any; text: string }> {
	const headers: Record<string, string> = { ...opts.headers };
	if (opts.token) headers.authorization = `Bearer ${opts.token}`;
	if (opts.body !== undefined) headers["content-type"] = "application/json";
	const res = await fetch(`${base}${path}`, { method, headers, body: opts.body === undefined ? undefined : typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body), signal: AbortSignal.timeout(10_000) });
	const text = await res.text();
	let body: unknown = text;
	try {
		body = text ? JSON.parse(text) : null;
	} catch {
		// not JSON: the raw text
	}
	return { status: res.status, body, text };
}
