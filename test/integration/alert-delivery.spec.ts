/**
 * Alert delivery on one node, once embedded (in-process channel, memory KV) and once in cluster
 * mode (Redis Streams channel, Redis KV; a real redis-server): a receiver that fails then recovers
 * gets every alert once with valid signatures; SMTP down then up delivers each email once; a
 * receiver that never recovers ends in the dead letters, listed over REST and retried by an admin.
 * The `alerts` service is stood in by a recorder of `alerts.recordDelivery`.
 */
import { expect } from "chai";
import { randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import { startNode, type TestNode } from "../helpers/node.ts";
import { defaultConfig, type ConfigOverrides } from "../../lib/config/config.ts";
import { ALERT_DELIVERY_CHANNEL, type DeliveryMessage, type DeliveryResult } from "../../lib/alerts/types.ts";
import { startRedis, type TestServer } from "../helpers/servers.ts";
import { freePort, waitFor } from "../helpers/ports.ts";
import { getJson, postJson } from "../helpers/http.ts";
import { replCommands } from "../../runtime/repl-commands.ts";
import { Redis } from "ioredis";
import { channelStream, trimAcknowledged } from "../../middlewares/channels.middleware.ts";
import { SmtpSink, WebhookReceiver, alertsRecorder, deliveryMessage, latestStatus } from "../helpers/alert-delivery.ts";

const FAST = { retryInitialMs: 50, retryMultiplier: 2, retryMaxMs: 300, pollMs: 20, claimMs: 2000, claimIdleMs: 2000, allowLoopback: true, maxAttempts: 1000, retryForMs: 600_000 };

for (const mode of ["embedded", "redis"] as const) {
	describe(`alert delivery (${mode})`, function () {
		this.timeout(60_000);
		let redis: TestServer | null = null;
		let node: TestNode;
		let base: string;
		let smtp: SmtpSink;
		const results: DeliveryResult[] = [];
		const run = randomUUID().slice(0, 8);
		const send = (msg: DeliveryMessage) => (node.broker as unknown as { sendToChannel(c: string, p: unknown): Promise<void> }).sendToChannel(ALERT_DELIVERY_CHANNEL, msg);
		const statusOf = (id: string) => latestStatus(results).get(id)?.status;

		before(async () => {
			if (mode === "redis") redis = await startRedis();
			smtp = new SmtpSink(await freePort());
			const config = {
				nodeId: `delivery-${mode}`,
				services: ["gateway", "monitor", "alert-delivery"],
				redisUrl: redis?.url ?? null,
				alertDelivery: { ...defaultConfig().alertDelivery, ...FAST, smtpUrl: smtp.url, timeoutMs: 1000 },
			} satisfies ConfigOverrides;
			node = await startNode(config, { services: [alertsRecorder(results)] });
			base = `${node.base}/api/v1`;
		});
		after(async () => {
			await node?.stop();
			await smtp?.down();
			await redis?.stop();
		});

		it("a receiver answering 500 and then 200 accepts every alert once, each signature valid", async () => {
			const rx = await new WebhookReceiver("s3cret").start();
			rx.failing = true;
			const msgs = Array.from({ length: 20 }, (_, i) => deliveryMessage(`${run}-flaky-${i}`, { type: "webhook", url: rx.url, secret: "s3cret" }));
			for (const m of msgs) await send(m);
			// Every delivery has been refused at least twice (so each went through a retry) before the switch.
			await waitFor(() => msgs.every(m => rx.attemptsOf(m.delivery_id) >= 2), { what: "two failed attempts of each delivery", timeoutMs: 30_000 });
			expect(msgs.every(m => statusOf(m.delivery_id) === "retrying")).to.equal(true);
			rx.failing = false;
			await waitFor(() => msgs.every(m => statusOf(m.delivery_id) === "delivered"), { what: "every delivery recorded delivered", timeoutMs: 30_000 });
			expect([...rx.accepted.keys()].sort()).to.deep.equal(msgs.map(m => m.delivery_id).sort());
			expect(rx.duplicates()).to.deep.equal([]);
			expect(rx.received.every(r => r.signatureOk)).to.equal(true);
			// Sending a delivered id again does not reach the receiver.
			const before = rx.received.length;
			await send(msgs[0]);
			await waitFor(() => results.filter(r => r.delivery_id === msgs[0].delivery_id && r.status === "delivered").length >= 2, { what: "the repeat recorded" });
			expect(rx.received.length).to.equal(before);
			await rx.stop();
			if (mode === "redis") {
				// The acknowledged entries are trimmed off the stream (0.1.8 keeps them forever).
				const client = new Redis(redis!.url);
				const stream = channelStream(node.broker.namespace, ALERT_DELIVERY_CHANNEL);
				const had = await client.xlen(stream);
				const left = await trimAcknowledged(client, stream);
				client.disconnect();
				expect(had).to.be.at.least(msgs.length);
				expect(left).to.be.below(had);
				expect(left).to.be.at.most(1);
			}
		});

		it("emails while the SMTP server is down arrive once each when it is up", async () => {
			const msgs = Array.from({ length: 5 }, (_, i) => deliveryMessage(`${run}-mail-${i}`, { type: "email", to: `ops${i}@example.com` }, "critical"));
			for (const m of msgs) await send(m);
			await waitFor(() => msgs.every(m => results.some(r => r.delivery_id === m.delivery_id && r.status === "retrying" && r.attempts >= 2)), { what: "two failed sends of each email", timeoutMs: 30_000 });
			expect(smtp.mails).to.have.length(0);
			await smtp.up();
			await waitFor(() => msgs.every(m => statusOf(m.delivery_id) === "delivered"), { what: "every email delivered", timeoutMs: 30_000 });
			for (const m of msgs) expect(smtp.countOf(m.delivery_id), m.delivery_id).to.equal(1);
			// A low-severity alert's email channel is not sent (emailSeverities), and recorded as such.
			const low = deliveryMessage(`${run}-mail-low`, { type: "email", to: "ops@example.com" }, "low");
			await send(low);
			await waitFor(() => statusOf(low.delivery_id) === "delivered", { what: "the low alert recorded" });
			expect(latestStatus(results).get(low.delivery_id)).to.include({ attempts: 0 });
			expect(smtp.countOf(low.delivery_id)).to.equal(0);
		});

		it("a receiver that never recovers: dead-lettered, listed over REST, retried by an admin", async () => {
			// maxAttempts is 1000 here; a 4xx is permanent and a short retryForMs ends the 5xx case.
			const rx = await new WebhookReceiver("k").start();
			rx.failing = true;
			rx.failStatus = 410;
			const gone = deliveryMessage(`${run}-gone`, { type: "webhook", url: rx.url, secret: "k" });
			await send(gone);
			await waitFor(() => statusOf(gone.delivery_id) === "dead", { what: "the 410 dead-lettered" });
			expect(rx.attemptsOf(gone.delivery_id)).to.equal(1);
			const list = await getJson(`${base}/alerts/dead-letters?limit=1000`);
			expect(list.status).to.equal(200);
			const dl = list.body.items.find((d: { id: string }) => d.id === gone.delivery_id);
			expect(dl).to.include({ channel: "webhook", attempts: 1, last_error: "HTTP 410", alert_id: `${run}-gone`, target: rx.url });
			expect(JSON.stringify(list.body)).not.to.include('"secret"');
			// The REPL lists it too.
			const printed: unknown[] = [];
			const table = console.table;
			console.table = (rows: unknown) => void printed.push(rows);
			await replCommands
				.find(c => c.command.startsWith("dead-letters"))!
				.action(node.broker, {})
				.finally(() => (console.table = table));
			expect((printed[0] as Array<{ id: string; "last error": string }>).find(r => r.id === gone.delivery_id)).to.include({ "last error": "HTTP 410" });
			// Retry (admin: loopback in development mode) once the receiver works again.
			rx.failing = false;
			const r = await postJson(`${base}/alerts/dead-letters/${encodeURIComponent(gone.delivery_id)}/retry`, {});
			expect(r.status, JSON.stringify(r.body)).to.equal(202);
			await waitFor(() => statusOf(gone.delivery_id) === "delivered", { what: "the retried delivery delivered" });
			expect(rx.accepted.get(gone.delivery_id)).to.equal(1);
			const after = await getJson(`${base}/alerts/dead-letters?limit=1000`);
			expect(after.body.items.map((d: { id: string }) => d.id)).not.to.include(gone.delivery_id);
			const missing = await postJson(`${base}/alerts/dead-letters/${encodeURIComponent(gone.delivery_id)}/retry`, {});
			expect(missing.status).to.equal(404);
			await rx.stop();
		});

		it("gives up on 5xx after the retry time and dead-letters", async () => {
			const rx = await new WebhookReceiver("k").start();
			rx.failing = true;
			const dead = deliveryMessage(`${run}-down`, { type: "webhook", url: rx.url, secret: "k" });
			await send({ ...dead, first_attempt_at: Date.now() - 599_000 } as DeliveryMessage);
			await waitFor(() => statusOf(dead.delivery_id) === "dead", { what: "the 500s dead-lettered", timeoutMs: 30_000 });
			const dl = (await getJson(`${base}/alerts/dead-letters?limit=1000`)).body.items.find((d: { id: string }) => d.id === dead.delivery_id);
			expect(dl.last_error).to.equal("HTTP 500");
			expect(rx.accepted.size).to.equal(0);
			await rx.stop();
		});
	});
}

describe("alert delivery: dead letters per owner over REST (JWT)", function () {
	this.timeout(30_000);
	const SECRET = "d".repeat(40);
	let node: TestNode;
	let base: string;
	const results: DeliveryResult[] = [];
	const jwt = (claims: Record<string, unknown>) => new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).setExpirationTime("1h").sign(new TextEncoder().encode(SECRET));
	const as = async (sub: string, roles: string[] = []) => ({ authorization: `Bearer ${await jwt({ sub, tier: "pro", roles })}` });

	before(async () => {
		const config = {
			nodeId: "delivery-owners",
			services: ["gateway", "monitor", "alert-delivery"],
			auth: { ...defaultConfig().auth, jwtSecret: SECRET, anonymousTier: null },
			alertDelivery: { ...defaultConfig().alertDelivery, ...FAST },
		} satisfies ConfigOverrides;
		node = await startNode(config, { services: [alertsRecorder(results)] });
		base = `${node.base}/api/v1`;
	});
	after(async () => node?.stop());

	it("each caller sees its own dead letters, only an admin retries, bad input is a 422 naming the field", async () => {
		const send = (msg: DeliveryMessage) => (node.broker as unknown as { sendToChannel(c: string, p: unknown): Promise<void> }).sendToChannel(ALERT_DELIVERY_CHANNEL, msg);
		// A URL no receiver listens on with a permanent refusal: a private address (allowPrivate is off).
		for (const owner of ["jwt:alice", "jwt:bob"]) await send(deliveryMessage(`own-${owner}`, { type: "webhook", url: "http://10.255.255.1/h", secret: "x" }, "high", owner));
		await waitFor(() => results.filter(r => r.status === "dead").length === 2, { what: "two dead letters" });
		const list = async (headers: Record<string, string>) => (await fetch(`${base}/alerts/dead-letters`, { headers })).json() as Promise<{ items: Array<{ id: string; owner: string; last_error: string }> }>;
		const alice = await list(await as("alice"));
		expect(alice.items.map(d => d.owner)).to.deep.equal(["jwt:alice"]);
		expect(alice.items[0].last_error).to.match(/private address/);
		expect((await list(await as("root", ["admin"]))).items.map(d => d.owner).sort()).to.deep.equal(["jwt:alice", "jwt:bob"]);
		const retry = async (id: string, headers: Record<string, string>) => (await fetch(`${base}/alerts/dead-letters/${encodeURIComponent(id)}/retry`, { method: "POST", headers })).status;
		expect(await retry(alice.items[0].id, await as("alice"))).to.equal(403);
		expect((await fetch(`${base}/alerts/dead-letters`)).status).to.equal(401);
		const bad = await fetch(`${base}/alerts/dead-letters?limit=0`, { headers: await as("alice") });
		expect(bad.status).to.equal(422);
		expect(JSON.stringify(await bad.json())).to.include("limit");
		expect(await retry(alice.items[0].id, await as("root", ["admin"]))).to.equal(202);
	});
});
