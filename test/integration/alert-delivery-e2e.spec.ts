/**
 * Rules to receivers, end to end on one embedded node with the real alerts service (runs once
 * `alerts` is among the services, i.e. with the alerts branch merged): a price rule with a webhook
 * and an email channel fires three times while the receiver answers 500 and the SMTP server is
 * down; then both recover. Each alert reaches the receiver once with a valid signature and the
 * mailbox once, and the history shows every delivery `delivered`.
 */
import { expect } from "chai";
import { startNode, type TestNode } from "../helpers/node.ts";
import { SERVICE_NAMES, defaultConfig, type ServiceName } from "../../lib/config/config.ts";
import { freePort, waitFor } from "../helpers/ports.ts";
import { getJson, postJson } from "../helpers/http.ts";
import { SmtpSink, WebhookReceiver } from "../helpers/alert-delivery.ts";

const withAlerts = (SERVICE_NAMES as readonly string[]).includes("alerts");

(withAlerts ? describe : describe.skip)("alert delivery end to end: rule → webhook and email (real alerts service)", function () {
	this.timeout(60_000);
	let node: TestNode;
	let base: string;
	let smtp: SmtpSink;
	let rx: WebhookReceiver;
	const SECRET = "e2e-webhook-secret-0123";

	before(async () => {
		smtp = new SmtpSink(await freePort());
		rx = await new WebhookReceiver(SECRET).start();
		const d = defaultConfig();
		node = await startNode({
			nodeId: "delivery-e2e",
			services: ["gateway", "monitor", "ingest", "symbols", "alerts", "alert-delivery"] as ServiceName[],
			alertDelivery: { ...d.alertDelivery, retryInitialMs: 50, retryMaxMs: 300, pollMs: 20, allowLoopback: true, smtpUrl: smtp.url, timeoutMs: 1000 },
			...({ alerts: { ...(d as unknown as { alerts: object }).alerts, system: { ...(d as unknown as { alerts: { system: object } }).alerts.system, enabled: false } } } as object),
		});
		base = `${node.base}/api/v1`;
	});
	after(async () => {
		await node?.stop();
		await rx?.stop();
		await smtp?.down();
	});

	it("every firing during the outage is delivered once to the webhook and the mailbox", async () => {
		rx.failing = true;
		const created = await postJson(`${base}/alerts/rules`, {
			name: "AAPL over 200",
			condition: { source: "price", symbol: "AAPL", op: "crosses_above", value: 200 },
			severity: "high",
			cooldown_ms: 0,
			channels: [
				{ type: "webhook", url: rx.url, secret: SECRET },
				{ type: "email", to: "ops@example.com" },
			],
		});
		expect(created.status, JSON.stringify(created.body)).to.equal(201);
		const rule = created.body.id as string;
		const t0 = Date.now() - 60_000;
		const ticks = [199, 201, 199, 202, 199, 203].map((price, i) => ({ symbol: "AAPL", price, size: 1, ts: t0 + i * 1000 }));
		expect((await postJson(`${base}/ticks`, ticks)).status).to.equal(200);
		type Item = { alert_id: string; deliveries: Array<{ channel: string; status: string; attempts: number }> };
		const history = async () => (await getJson(`${base}/alerts/history?rule=${rule}`)).body.items as Item[];
		const fired = await waitFor(async () => ((await history()).length === 3 ? history() : null), { what: "three alerts" });
		const hookIds = fired.map(a => `${a.alert_id}:0`);
		const mailIds = fired.map(a => `${a.alert_id}:1`);
		await waitFor(() => hookIds.every(id => rx.attemptsOf(id) >= 2), { what: "two refused attempts of each webhook", timeoutMs: 30_000 });
		expect(smtp.mails).to.have.length(0);
		rx.failing = false;
		await smtp.up();
		await waitFor(async () => (await history()).every(a => a.deliveries.filter(d => d.channel === "webhook" || d.channel === "email").every(d => d.status === "delivered")), {
			what: "every delivery delivered in the history",
			timeoutMs: 30_000,
		});
		for (const id of hookIds) expect(rx.accepted.get(id), id).to.equal(1);
		expect(rx.received.every(r => r.signatureOk)).to.equal(true);
		for (const id of mailIds) expect(smtp.countOf(id), id).to.equal(1);
		const attempts = (await history()).flatMap(a => a.deliveries.filter(d => d.channel === "webhook").map(d => d.attempts));
		expect(Math.min(...attempts)).to.be.at.least(3);
	});
});
