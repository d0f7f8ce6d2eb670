/**
 * An in-process node for the security tests: real gateway on a free port, optionally with JWT
 * authentication on (then anonymous callers are refused), and JWTs for any subject, tier and roles.
 */
import { SignJWT } from "jose";
import { createNode, type RookeryNode } from "../../services/node.ts";
import { defaultConfig, mergeConfig, type ConfigOverrides } from "../../lib/config/config.ts";

export const JWT_SECRET = "security-tests-".padEnd(48, "s");

export interface SecuredNode {
	node: RookeryNode;
	base: string;
	port: number;
	stop(): Promise<void>;
}

export async function startSecuredNode(nodeId: string, opts: { auth: boolean; overrides?: ConfigOverrides }): Promise<SecuredNode> {
	const auth = opts.auth ? { auth: { jwtSecret: JWT_SECRET, anonymousTier: null } as never } : {};
	const node = await createNode(mergeConfig(defaultConfig(), { port: 0, host: "127.0.0.1", logLevel: "fatal", feed: { type: "none" }, nodeId, ...auth, ...opts.overrides }));
	await node.start();
	const port = node.port()!;
	return { node, port, base: `http://127.0.0.1:${port}`, stop: () => node.stop() };
}

export function jwtFor(sub: string | null, tier: "free" | "pro" | "internal", roles: string[] = []): Promise<string> {
	const claims = sub === null ? { tier, roles } : { sub, tier, roles };
	return new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).setExpirationTime("1h").sign(new TextEncoder().encode(JWT_SECRET));
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
