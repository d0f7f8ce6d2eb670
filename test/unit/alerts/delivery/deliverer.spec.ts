/**
 * The Deliverer's decisions with a fixed clock, the in-memory KV and a sender that answers what
 * each test scripts (the Sender interface; the real webhook and SMTP senders are exercised in
 * test/integration/alert-delivery.spec.ts).
 */
import { expect } from "chai";
import { MemoryKv } from "../../../../lib/kv/index.ts";
import { DeliveryStore, type DeliveryEnvelope } from "../../../../lib/alerts/delivery/delivery-store.ts";
import { Deliverer } from "../../../../lib/alerts/delivery/deliverer.ts";
import { DEFAULT_ALERT_DELIVERY, type AlertDeliveryConfig } from "../../../../lib/alerts/delivery/config.ts";
import type { SendOutcome } from "../../../../lib/alerts/delivery/senders.ts";
import type { DeliveryResult } from "../../../../lib/alerts/types.ts";
import { deliveryMessage } from "../../../helpers/alert-delivery.ts";

function setup(overrides: Partial<AlertDeliveryConfig> = {}) {
	let now = 1_000_000;
	const config = { ...DEFAULT_ALERT_DELIVERY, retryInitialMs: 1000, ...overrides };
	const store = new DeliveryStore(new MemoryKv({ now: () => now }), config);
	const answers: SendOutcome[] = [];
	const sent: string[] = [];
	const recorded: DeliveryResult[] = [];
	const published: DeliveryEnvelope[] = [];
	const counts: Record<string, number> = {};
	const bump = (k: string) => (counts[k] = (counts[k] ?? 0) + 1);
	let onSend = async () => {};
	let recordFails = false;
	const sender = {
		async send(msg: DeliveryEnvelope): Promise<SendOutcome> {
			sent.push(msg.delivery_id);
			await onSend();
			return answers.shift() ?? { type: "delivered", detail: "HTTP 200" };
		},
	};
	const deliverer = new Deliverer({
		store,
		senders: { webhook: sender, email: sender },
		record: async r => {
			if (recordFails) throw new Error("alerts unavailable");
			recorded.push(r);
		},
		publish: async env => void published.push(env),
		metrics: { outcome: (c, s) => bump(`${c}:${s}`), duplicate: c => bump(`${c}:duplicate`), dropped: (c, r) => bump(`${c}:${r}`) },
		config,
		nodeId: "n1",
		now: () => now,
		random: () => 0.5,
	});
	return {
		store,
		deliverer,
		answers,
		sent,
		recorded,
		published,
		counts,
		advance: (ms: number) => (now += ms),
		now: () => now,
		onSend: (f: () => Promise<void>) => (onSend = f),
		failRecords: (on: boolean) => (recordFails = on),
	};
}

const hook = (id: string) => deliveryMessage(id, { type: "webhook", url: "https://example.com/h", secret: "s" });

describe("lib/alerts/delivery/deliverer", () => {
	it("delivers, records, and never sends a delivered id again", async () => {
		const t = setup();
		await t.deliverer.handle(hook("a"));
		await t.deliverer.handle(hook("a"));
		expect(t.sent).to.deep.equal(["a:0"]);
		expect(t.recorded.map(r => [r.status, r.attempts])).to.deep.equal([
			["delivered", 1],
			["delivered", 1],
		]);
		expect(t.counts).to.deep.equal({ "webhook:delivered": 1, "webhook:skipped": 1 });
	});

	it("schedules a failed attempt with backoff and publishes it when due, once", async () => {
		const t = setup();
		t.answers.push({ type: "retry", error: "HTTP 503" });
		await t.deliverer.handle(hook("b"));
		expect(t.recorded.at(-1)).to.include({ status: "retrying", attempts: 1, last_error: "HTTP 503" });
		t.advance(749);
		expect(await t.deliverer.publishDue()).to.equal(0);
		t.advance(1);
		expect(await t.deliverer.publishDue()).to.equal(1);
		expect(t.published[0]).to.include({ delivery_id: "b:0", attempt: 2, first_attempt_at: 1_000_000 });
		expect(await t.deliverer.publishDue()).to.equal(0);
		await t.deliverer.handle(t.published[0]);
		expect(t.recorded.at(-1)).to.include({ status: "delivered", attempts: 2 });
	});

	it("dead-letters a permanent refusal at once and retries it fresh on request", async () => {
		const t = setup();
		t.answers.push({ type: "failed", error: "HTTP 410" });
		await t.deliverer.handle(hook("c"));
		expect(t.recorded.at(-1)).to.include({ status: "dead", attempts: 1, last_error: "HTTP 410" });
		const [dl] = await t.store.deadLetters();
		expect(dl).to.include({ id: "c:0", attempts: 1, last_error: "HTTP 410", owner: "anonymous", channel: "webhook" });
		expect(await t.deliverer.retryDeadLetter("c:0")).to.not.equal(null);
		expect(t.published).to.have.length(1);
		expect(t.published[0]).not.to.have.property("attempt");
		expect(await t.store.deadLetters()).to.deep.equal([]);
		expect(await t.deliverer.retryDeadLetter("c:0")).to.equal(null);
	});

	it("dead-letters after maxAttempts", async () => {
		const t = setup({ maxAttempts: 2 });
		t.answers.push({ type: "retry", error: "timeout" }, { type: "retry", error: "timeout" });
		await t.deliverer.handle(hook("d"));
		t.advance(10_000);
		await t.deliverer.publishDue();
		await t.deliverer.handle(t.published[0]);
		expect(t.recorded.map(r => r.status)).to.deep.equal(["retrying", "dead"]);
	});

	it("dead-letters at once when maxScheduled retries already wait, and counts the drop", async () => {
		const t = setup({ maxScheduled: 1 });
		t.answers.push({ type: "retry", error: "HTTP 500" }, { type: "retry", error: "HTTP 500" });
		await t.deliverer.handle(hook("e1"));
		await t.deliverer.handle(hook("e2"));
		expect(t.recorded.map(r => r.status)).to.deep.equal(["retrying", "dead"]);
		expect(t.counts["webhook:retry-queue-full"]).to.equal(1);
	});

	it("keeps at most maxDeadLetters, dropping the oldest and counting them", async () => {
		const t = setup({ maxDeadLetters: 2 });
		for (const id of ["k1", "k2", "k3"]) {
			t.answers.push({ type: "failed", error: "HTTP 404" });
			await t.deliverer.handle(hook(id));
			t.advance(1);
		}
		expect((await t.store.deadLetters()).map(d => d.id)).to.deep.equal(["k3:0", "k2:0"]);
		expect(t.counts["webhook:dead-letters-full"]).to.equal(1);
	});

	it("leaves a copy alone while another holds the in-flight lease", async () => {
		const t = setup();
		let second: Promise<void> | null = null;
		t.onSend(async () => {
			// While the first copy is being sent, a redelivered copy comes in.
			second ??= t.deliverer.handle(hook("f"));
			await second;
		});
		await t.deliverer.handle(hook("f"));
		expect(t.sent).to.deep.equal(["f:0"]);
		// The copy waits in the schedule until the lease would have ended.
		expect(await t.store.scheduledCount()).to.equal(1);
	});

	it("counts a 2xx after an attempt whose node died before storing its outcome", async () => {
		const t = setup();
		// A node began an attempt of g:0 and died (its mark stays; its lease lapsed).
		await t.store.beginAttempt("g:0", "dead-node:1");
		await t.deliverer.handle(hook("g"));
		expect(t.counts["webhook:duplicate"]).to.equal(1);
		// A normal attempt clears its mark: the next id is not counted.
		await t.deliverer.handle(hook("h2"));
		t.answers.push({ type: "retry", error: "HTTP 500" });
		await t.deliverer.handle(hook("h3"));
		t.advance(10_000);
		await t.deliverer.publishDue();
		await t.deliverer.handle(t.published[0]);
		expect(t.counts["webhook:duplicate"]).to.equal(1);
	});

	it("a record the alerts service refuses rejects the handling, after the retry is stored", async () => {
		const t = setup();
		t.answers.push({ type: "retry", error: "HTTP 502" });
		t.failRecords(true);
		let error: Error | null = null;
		await t.deliverer.handle(hook("h")).catch((err: Error) => (error = err));
		expect(error).to.match(/alerts unavailable/);
		expect(await t.store.scheduledCount()).to.equal(1);
	});

	it("does not email alerts below emailSeverities and says so in the record", async () => {
		const t = setup();
		await t.deliverer.handle(deliveryMessage("i", { type: "email", to: "a@example.com" }, "low"));
		expect(t.sent).to.deep.equal([]);
		expect(t.recorded[0]).to.include({ status: "delivered", attempts: 0 });
		expect(t.recorded[0].last_error).to.match(/emailSeverities/);
	});
});
