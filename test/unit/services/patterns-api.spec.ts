/**
 * Patterns over REST on an embedded node with a fake clock: CRUD, 422 naming the field with
 * nothing stored, a threshold pattern fed by ticks emitting one `pattern_matched` event per
 * crossing (the audit trail), an absence pattern firing on the clock. Ownership with auth on:
 * others neither see nor delete a pattern (404), admins do.
 */
import { expect } from "chai";
import { createNode, type RookeryNode } from "../../../runtime/node.ts";
import { defaultConfig, mergeConfig } from "../../../lib/config/config.ts";
import { getJson, postJson } from "../../helpers/http.ts";
import { waitFor } from "../../helpers/ports.ts";
import { call, jwtFor, startSecuredNode, type SecuredNode } from "../../security/secured-node.ts";

const T0 = Date.parse("2026-01-05T10:00:00Z");

describe("services: patterns REST (embedded node, fake clock)", function () {
	this.timeout(30_000);
	let node: RookeryNode;
	let base: string;
	let now = T0;

	before(async () => {
		const config = mergeConfig(defaultConfig(), { port: 0, host: "127.0.0.1", logLevel: "fatal", feed: { type: "none" }, nodeId: "patterns-test", services: ["gateway", "monitor", "events", "analytics", "patterns"] });
		node = await createNode(config, { now: () => now });
		await node.start();
		base = `http://127.0.0.1:${node.port()}/api/v1`;
	});
	after(async () => node?.stop());

	const del = (id: string) => fetch(`${base}/analytics/patterns/${id}`, { method: "DELETE" }).then(async r => ({ status: r.status, body: await r.json() }));
	const matched = async () => (await getJson(`${base}/events?type=pattern_matched&limit=1000`)).body.items as Array<{ id: string; entity: string; data: { pattern_id: string; inputs: Record<string, unknown> } }>;
	/** Resolves after `n` more turns of the service's clock have run to the end. */
	const clockTurns = async (n: number) => {
		const svc = node.broker.getLocalService("patterns") as unknown as { tickClock: () => Promise<void> };
		const original = svc.tickClock;
		let turns = 0;
		svc.tickClock = async () => {
			await original.call(svc);
			turns++;
		};
		try {
			await waitFor(() => turns >= n, { timeoutMs: 5000, what: `${n} clock turns` });
		} finally {
			svc.tickClock = original;
		}
	};
	const tick = (symbol: string, price: number, ts = now) => node.deps.bus.publish(`rookery.ticks.${symbol}`, { v: 1, seq: 1, symbol, price, size: 1, ts });

	it("creates, lists, reads and deletes a pattern", async () => {
		const r = await postJson(`${base}/analytics/patterns`, { kind: "rate", entity: "CRUD", source: { type: "tick", field: "price" }, change_pct: 5, within_ms: 60_000 });
		expect(r.status, JSON.stringify(r.body)).to.equal(201);
		expect(r.body).to.include({ kind: "rate", entity: "CRUD", created_at: now });
		const id = r.body.id as string;
		expect((await getJson(`${base}/analytics/patterns`)).body.items.map((p: { id: string }) => p.id)).to.include(id);
		const one = await getJson(`${base}/analytics/patterns/${id}`);
		expect(one.status).to.equal(200);
		expect(one.body.state).to.include({ matches: 0, seq: 1 });
		expect((await del(id)).body).to.deep.equal({ id, deleted: true });
		expect((await getJson(`${base}/analytics/patterns/${id}`)).status).to.equal(404);
		expect((await del(id)).status).to.equal(404);
	});

	for (const [what, body, field] of [
		["an unknown kind", { kind: "wave" }, "kind"],
		["a bad op", { kind: "threshold", source: { type: "tick", field: "price" }, op: "above", value: 1 }, "op"],
		["a bad source", { kind: "absence", source: { type: "tick", field: "bid" }, within_ms: 1000 }, "source.field"],
		[
			"a bad step",
			{
				kind: "sequence",
				within_ms: 10,
				steps: [
					{ source: { type: "tick", field: "price" }, op: "gt", value: 1 },
					{ source: { type: "event", event_type: "nope" }, op: "gt", value: 1 },
				],
			},
			"steps[1].source.event_type",
		],
		["a correlation bound outside [-1, 1]", { kind: "correlation", a: { source: { type: "tick", field: "price" }, entity: "A" }, b: { source: { type: "tick", field: "price" }, entity: "B" }, op: "gt", value: 2, within_ms: 10 }, "value"],
	] as const) {
		it(`refuses ${what} with 422 naming '${field}' and stores nothing`, async () => {
			const before = (await getJson(`${base}/analytics/patterns`)).body.items.length;
			const r = await postJson(`${base}/analytics/patterns`, body);
			expect(r.status).to.equal(422);
			expect(r.body.error.details.map((d: { field: string }) => d.field)).to.include(field);
			expect((await getJson(`${base}/analytics/patterns`)).body.items.length).to.equal(before);
		});
	}

	it("a crosses_above pattern on ticks emits one pattern_matched per crossing", async () => {
		const r = await postJson(`${base}/analytics/patterns`, { kind: "threshold", entity: "PAT", source: { type: "tick", field: "price" }, op: "crosses_above", value: 100 });
		const id = r.body.id as string;
		const prices = [99, 101, 102, 103, 98, 104, 105];
		for (const [i, p] of prices.entries()) {
			tick("PAT", p, T0 + i);
			// One at a time: each tick reaches the actor before the next (the order the bus gives).
			await waitFor(async () => (await getJson(`${base}/analytics/patterns/${id}`)).body.state.seq === i + 2, { timeoutMs: 5000 });
		}
		await waitFor(async () => (await matched()).filter(e => e.data.pattern_id === id).length === 2, { timeoutMs: 5000 });
		const mine = (await matched()).filter(e => e.data.pattern_id === id);
		expect(mine.map(e => e.data.inputs.value)).to.deep.equal([101, 104]);
		expect(mine.map(e => e.id)).to.deep.equal([`pm-${id}-1`, `pm-${id}-2`]);
		expect(mine[0].entity).to.equal("PAT");
	});

	it("an absence pattern fires on the clock once, and again only after an input", async () => {
		const r = await postJson(`${base}/analytics/patterns`, { kind: "absence", entity: "QUIET", source: { type: "tick", field: "price" }, within_ms: 10_000 });
		const id = r.body.id as string;
		const count = async () => (await matched()).filter(e => e.data.pattern_id === id).length;
		now += 9_000;
		await clockTurns(2); // nothing is due yet
		expect(await count()).to.equal(0);
		now += 1_000;
		await waitFor(async () => (await count()) === 1, { timeoutMs: 5000 });
		now += 20_000;
		await clockTurns(2);
		expect(await count(), "no re-fire while still quiet").to.equal(1);
		tick("QUIET", 1, now);
		now += 10_000;
		await waitFor(async () => (await count()) === 2, { timeoutMs: 5000 });
	});

	it("a threshold on a window aggregate fires when the polled value crosses it", async () => {
		const r = await postJson(`${base}/analytics/patterns`, { kind: "threshold", source: { type: "window", metric: "pat.lat", window: "1m", stat: "max" }, op: "gt", value: 50 });
		const id = r.body.id as string;
		await postJson(`${base}/analytics/metrics/pat.lat`, [{ value: 10 }, { value: 20 }]);
		await waitFor(async () => (await getJson(`${base}/analytics/patterns/${id}`)).body.state.seq >= 2, { timeoutMs: 5000 });
		expect((await matched()).some(e => e.data.pattern_id === id)).to.equal(false);
		await postJson(`${base}/analytics/metrics/pat.lat`, [{ value: 70 }]);
		const hit = await waitFor(async () => (await matched()).find(e => e.data.pattern_id === id), { timeoutMs: 5000 });
		expect(hit.entity).to.equal("pat.lat");
		expect(hit.data.inputs).to.include({ key: "window.pat.lat.1m.max", value: 70 });
	});

	it("a sequence on events fires on A then B for one entity", async () => {
		const r = await postJson(`${base}/analytics/patterns`, {
			kind: "sequence",
			within_ms: 60_000,
			steps: [
				{ source: { type: "event", event_type: "anomaly_detected" }, op: "eq", value: 1 },
				{ source: { type: "event", event_type: "alert_triggered" }, op: "eq", value: 1 },
			],
		});
		const id = r.body.id as string;
		await postJson(`${base}/events`, { type: "anomaly_detected", entity: "svc-1", data: { metric: "cpu", value: 99 } });
		await waitFor(async () => (await getJson(`${base}/analytics/patterns/${id}`)).body.state.seq === 2, { timeoutMs: 5000 });
		await postJson(`${base}/events`, { type: "alert_triggered", entity: "svc-1", data: { rule_id: "r", message: "cpu" } });
		await waitFor(async () => (await matched()).some(e => e.data.pattern_id === id && e.entity === "svc-1"), { timeoutMs: 5000 });
	});
});

describe("services: patterns belong to their creator (auth on)", function () {
	this.timeout(30_000);
	let n: SecuredNode;
	let alice: string;
	let bob: string;
	let admin: string;
	before(async () => {
		n = await startSecuredNode("sec-patterns", { auth: true, overrides: { services: ["gateway", "monitor", "events", "patterns"] } });
		[alice, bob, admin] = await Promise.all([jwtFor("alice", "free"), jwtFor("bob", "free"), jwtFor("root", "internal", ["admin"])]);
	});
	after(async () => n?.stop());

	it("others neither list, read nor delete it (404); the owner and admins do", async () => {
		const body = { kind: "threshold", source: { type: "tick", field: "price" }, op: "gt", value: 1 };
		const created = await call(n.base, "POST", "/api/v1/analytics/patterns", { token: alice, body });
		expect(created.status, created.text).to.equal(201);
		const id = created.body.id as string;
		expect(created.body.created_by).to.equal("jwt:alice");
		const ids = async (token: string) => (await call(n.base, "GET", "/api/v1/analytics/patterns", { token })).body.items.map((p: { id: string }) => p.id);
		expect(await ids(alice)).to.deep.equal([id]);
		expect(await ids(bob)).to.deep.equal([]);
		expect(await ids(admin)).to.include(id);
		expect((await call(n.base, "GET", `/api/v1/analytics/patterns/${id}`, { token: bob })).status).to.equal(404);
		expect((await call(n.base, "DELETE", `/api/v1/analytics/patterns/${id}`, { token: bob })).status).to.equal(404);
		expect((await call(n.base, "GET", `/api/v1/analytics/patterns/${id}`, { token: alice })).status).to.equal(200);
		expect((await call(n.base, "DELETE", `/api/v1/analytics/patterns/${id}`, { token: admin })).status).to.equal(200);
		expect(await ids(alice)).to.deep.equal([]);
	});
});
