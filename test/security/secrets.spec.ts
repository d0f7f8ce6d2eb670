/**
 * Issue 13 item 5: credentials in agent model-server URLs (user part, `api_key`-style query
 * parameters) never come back: not to a free-tier caller of the agent config or status, not in the
 * admin's own answer, not in model errors, not in `rookery config` output. One function masks them
 * all (lib/config/redact.ts).
 */
import { expect } from "chai";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { redactText, redactTarget, redactUrl } from "../../lib/config/redact.ts";
import { defaultConfig, maskSecrets, mergeConfig } from "../../lib/config/config.ts";
import { ClassifierSentimentModel } from "../../lib/agents/remote-models.ts";
import { httpGetText } from "../../lib/vendors/http-get.ts";
import { call, jwtFor, startSecuredNode, type SecuredNode } from "./secured-node.ts";

const SECRET_URL = "http://alice:pa55word@127.0.0.1:1/v1?api_key=k3y-value&model=x&TOKEN=t0ken";
const LEAKS = /pa55word|k3y-value|t0ken/;

describe("security: secrets masked (issue 13 item 5)", function () {
	this.timeout(30_000);

	describe("the masking function", () => {
		it("masks the user part and secret query values, keeping where the URL points", () => {
			expect(redactUrl(SECRET_URL)).to.equal("http://alice:***@127.0.0.1:1/v1?api_key=***&model=x&TOKEN=***");
			expect(redactUrl("nats://s3cret-token@mq:4222")).to.equal("nats://***@mq:4222");
			expect(redactUrl("https://h/x?access_token=a&Api-Key=b&secret=c&password=d&sig=e&q=keep")).to.equal("https://h/x?access_token=***&Api-Key=***&secret=***&password=***&sig=***&q=keep");
			expect(redactUrl("http://llm:8000/v1?model=llama")).to.equal("http://llm:8000/v1?model=llama");
			expect(redactUrl("user:pw@host")).to.equal("***");
			expect(redactUrl(null)).to.equal(null);
		});
		it("masks URLs inside free text and request targets", () => {
			expect(redactText(`cannot reach ${SECRET_URL}: ECONNREFUSED`)).to.equal("cannot reach http://alice:***@127.0.0.1:1/v1?api_key=***&model=x&TOKEN=***: ECONNREFUSED");
			expect(redactTarget("/ws?token=eyJabc&topics=ticks:AAPL")).to.equal("/ws?token=***&topics=ticks:AAPL");
			expect(redactTarget("/api/v1/symbols")).to.equal("/api/v1/symbols");
		});
		it("`rookery config` output: agent urls, vendor keys, Redis and NATS URLs, the JWT secret", () => {
			const cfg = mergeConfig(defaultConfig(), {
				redisUrl: "redis://u:pa55word@db:6379",
				agents: { explain: { url: SECRET_URL } },
				vendors: { live: { type: "alpaca-stream", url: "wss://stream?token=t0ken", key: "k3y-value", secret: "pa55word" }, poll: { type: "http-poll", baseUrl: "https://q.example/v8?apikey=k3y-value" } },
				auth: { jwtSecret: "pa55word".repeat(5) },
			} as never);
			expect(JSON.stringify(maskSecrets(cfg))).to.not.match(LEAKS);
			expect(maskSecrets(cfg).agents.explain.url).to.equal(redactUrl(SECRET_URL));
		});
		it("a remote model's errors name its URL masked (they reach answers, status and logs)", async () => {
			const server: Server = createServer((_req, res) => res.writeHead(500).end("no"));
			await new Promise<void>(r => server.listen(0, "127.0.0.1", r));
			const port = (server.address() as AddressInfo).port;
			let auth: string | undefined;
			server.on("request", req => (auth = req.headers.authorization));
			try {
				const input = { texts: ["shares rose"] };
				const down = await new ClassifierSentimentModel(SECRET_URL).run(input, AbortSignal.timeout(5000)).catch((e: Error) => e);
				expect((down as Error).message)
					.to.match(/cannot reach/)
					.and.not.match(LEAKS);
				const failing = await new ClassifierSentimentModel(`http://alice:pa55word@127.0.0.1:${port}/v1?api_key=k3y-value`).run(input, AbortSignal.timeout(5000)).catch((e: Error) => e);
				expect((failing as Error).message)
					.to.match(/HTTP 500/)
					.and.not.match(LEAKS);
				// The user part is sent as Basic auth (fetch refuses a URL that carries it).
				expect(auth).to.equal(`Basic ${Buffer.from("alice:pa55word").toString("base64")}`);
			} finally {
				server.close();
			}
		});

		it("a vendor's network errors name its URL masked (worker status and logs show them)", async () => {
			const err = await httpGetText("poll", "https://alice:pa55word@127.0.0.1:1/q?apikey=k3y-value", AbortSignal.timeout(5000)).catch((e: Error) => e);
			expect((err as Error).message)
				.to.match(/alice:\*\*\*@/)
				.and.not.match(LEAKS);
		});
	});

	describe("over REST with authentication on", () => {
		let n: SecuredNode;
		let admin: string;
		let free: string;
		before(async () => {
			n = await startSecuredNode("sec-secrets", { auth: true, overrides: { services: ["gateway", "intelligence", "agents.explain", "agents.sentiment", "monitor"] } });
			admin = await jwtFor("root", "internal", ["admin"]);
			free = await jwtFor("reader", "free");
			const set = await call(n.base, "PUT", "/api/v1/config/agents/explain", { token: admin, body: { url: SECRET_URL } });
			expect(set.status, set.text).to.equal(200);
			expect(set.text, "the admin's own answer").to.not.match(LEAKS);
		});
		after(async () => n?.stop());

		it("GET /api/v1/config/agents/{name} (free tier): the url masked", async () => {
			for (const name of ["explain", "llama_explanation"]) {
				const r = await call(n.base, "GET", `/api/v1/config/agents/${name}`, { token: free });
				expect(r.status).to.equal(200);
				expect(r.text).to.not.match(LEAKS);
				expect(r.body.settings.url).to.equal("http://alice:***@127.0.0.1:1/v1?api_key=***&model=x&TOKEN=***");
			}
		});

		it("GET /api/v1/agents/status and /agents/status (free tier): masked in every node's settings", async () => {
			for (const path of ["/api/v1/agents/status", "/agents/status"]) {
				const r = await call(n.base, "GET", path, { token: free });
				expect(r.status).to.equal(200);
				expect(r.text).to.not.match(LEAKS);
				expect(r.body.agents.explain.nodes[0].settings.url).to.equal(redactUrl(SECRET_URL));
			}
		});
	});
});
