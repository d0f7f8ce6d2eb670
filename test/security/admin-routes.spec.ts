/**
 * Every REST route whose action is marked admin-only (`role: "admin"`, lib/auth/authenticator.ts)
 * refuses a signed-in non-admin with 403 FORBIDDEN and an anonymous caller with 401, on a real
 * embedded node with JWT auth on. The list of admin routes is read from the route table and the
 * broker's registry, so a new admin route (the back-fill, dead-letter retry, …) is covered
 * without being named here.
 */
import { expect } from "chai";
import { SignJWT } from "jose";
import { startNode, type TestNode } from "../helpers/node.ts";
import { API_ALIASES, ROOT_ALIASES } from "../../lib/routing/routes.ts";

const SECRET = "admin-routes-spec-secret-0123456789";
const jwt = (claims: Record<string, unknown>) => new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).setExpirationTime("1h").sign(new TextEncoder().encode(SECRET));

describe("security: admin-only REST routes (auth on)", function () {
	this.timeout(30_000);
	let node: TestNode;
	let user: string;

	before(async () => {
		node = await startNode({ auth: { jwtSecret: SECRET } });
		user = await jwt({ sub: "trader", tier: "pro" });
	});
	after(() => node?.stop());

	/** Routes (method, path with every parameter filled) whose action the registry marks admin-only. */
	const adminRoutes = () => {
		const adminActions = new Set((node.broker.registry.getActionList({ onlyLocal: true, skipInternal: true }) as Array<{ name: string; action?: { role?: string } }>).filter(a => a.action?.role === "admin").map(a => a.name));
		const routes: Array<{ method: string; path: string; action: string }> = [];
		for (const [table, prefix] of [
			[API_ALIASES, "/api/v1/"],
			[ROOT_ALIASES, "/"],
		] as const) {
			for (const [route, action] of Object.entries(table)) {
				if (!adminActions.has(action)) continue;
				const [method, path] = route.split(" ");
				routes.push({ method, path: prefix + path.replace(/:[a-z_]+/gi, "AAPL"), action });
			}
		}
		return routes;
	};

	it("covers the back-fill and every other admin route: 403 for a non-admin, 401 anonymous", async () => {
		const routes = adminRoutes();
		expect(routes.map(r => r.action)).to.include.members(["ingest.backfill", "alert-delivery.retryDeadLetter", "config.stopAll"]);
		for (const { method, path, action } of routes) {
			const init = (token?: string): RequestInit => ({
				method,
				headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
				body: method === "GET" || method === "DELETE" ? undefined : JSON.stringify({ vendor: "yahoo", from: 0 }),
			});
			const asUser = await fetch(node.base + path, init(user));
			const body = (await asUser.json()) as { error?: { code?: string; message?: string } };
			expect(asUser.status, `${method} ${path} (${action}) as a non-admin`).to.equal(403);
			expect(body.error?.code).to.equal("FORBIDDEN");
			expect((await fetch(node.base + path, init())).status, `${method} ${path} anonymous`).to.equal(401);
		}
	});
});
