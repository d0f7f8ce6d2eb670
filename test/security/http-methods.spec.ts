/**
 * Issue 13 item 11: OPTIONS on a GET route no longer runs the GET action (204 with `Allow`, or the
 * CORS preflight when CORS is on); HEAD works on GET routes and the health endpoints.
 */
import { expect } from "chai";
import { postJson } from "../helpers/http.ts";
import { startNode, type TestNode } from "./gateway-node.ts";

const NOW = Date.now();

describe("security: OPTIONS and HEAD", function () {
	this.timeout(20_000);

	describe("CORS_ORIGINS unset", () => {
		let n: TestNode;
		before(async () => {
			n = await startNode();
			await postJson(`${n.base}/api/v1/ticks`, { symbol: "OPTS", price: 10, size: 1, ts: NOW - 1000 });
		});
		after(async () => n?.node.stop());

		it("OPTIONS on a GET route answers 204 with Allow and runs no action", async () => {
			// Every call of the action, whichever path makes it, goes through its endpoint's handler.
			const action = (n.node.broker.registry as unknown as { getActionEndpoints(a: string): { localEndpoints: Array<{ action: { handler: (ctx: unknown) => unknown } }> } }).getActionEndpoints("symbols.latest").localEndpoints[0].action;
			const handler = action.handler;
			let calls = 0;
			action.handler = ctx => (calls++, handler(ctx));
			await fetch(`${n.base}/api/v1/symbols/OPTS/latest?fresh=1`);
			expect(calls, "the spy sees a GET").to.equal(1);
			for (const headers of [{} as Record<string, string>, { "Access-Control-Request-Method": "GET", Origin: "https://evil.example" }]) {
				const res = await fetch(`${n.base}/api/v1/symbols/OPTS/latest`, { method: "OPTIONS", headers });
				expect(res.status).to.equal(204);
				expect(await res.text()).to.equal("");
				expect(res.headers.get("allow")).to.equal("GET, HEAD, OPTIONS");
				expect(res.headers.get("access-control-allow-origin")).to.equal(null);
			}
			action.handler = handler;
			expect(calls).to.equal(1);
		});

		it("Allow lists every method of the path; an unknown path is 404", async () => {
			const res = await fetch(`${n.base}/api/v1/config/instruments`, { method: "OPTIONS" });
			expect(res.headers.get("allow")).to.equal("GET, HEAD, POST, OPTIONS");
			expect((await fetch(`${n.base}/api/v1/nothing-here`, { method: "OPTIONS" })).status).to.equal(404);
			// A path parameter that does not decode: 400, as for GET.
			expect((await fetch(`${n.base}/api/v1/symbols/%E0%A4%A/latest`, { method: "OPTIONS" })).status).to.equal(400);
		});

		it("HEAD on /health, /health/live and GET routes answers the GET's status and headers without a body", async () => {
			for (const [path, status] of [
				["/health", 200],
				["/health/live", 200],
				["/api/v1/symbols", 200],
				["/api/v1/symbols/OPTS/latest", 200],
				["/api/v1/symbols/NOPE/latest", 404],
			] as const) {
				const res = await fetch(`${n.base}${path}`, { method: "HEAD" });
				expect(res.status, path).to.equal(status);
				expect(res.headers.get("content-type"), path).to.match(/^application\/json/);
				expect(await res.text(), path).to.equal("");
			}
		});

		it("HEAD on the SSE stream answers its headers and ends", async () => {
			const res = await fetch(`${n.base}/api/v1/stream?topics=ticks:OPTS`, { method: "HEAD", signal: AbortSignal.timeout(3000) });
			expect(res.status).to.equal(200);
			expect(res.headers.get("content-type")).to.match(/^text\/event-stream/);
		});
	});

	describe("CORS_ORIGINS set", () => {
		let n: TestNode;
		before(async () => {
			n = await startNode({ http: { corsOrigins: ["https://app.example"] } as never });
		});
		after(async () => n?.node.stop());

		it("a preflight is still answered by CORS (204 with the allow-origin), a plain OPTIONS with Allow", async () => {
			const pre = await fetch(`${n.base}/api/v1/symbols`, { method: "OPTIONS", headers: { Origin: "https://app.example", "Access-Control-Request-Method": "GET" } });
			expect(pre.status).to.equal(204);
			expect(pre.headers.get("access-control-allow-origin")).to.equal("https://app.example");
			const plain = await fetch(`${n.base}/api/v1/symbols`, { method: "OPTIONS" });
			expect(plain.status).to.equal(204);
			expect(plain.headers.get("allow")).to.equal("GET, HEAD, OPTIONS");
		});
	});
});
