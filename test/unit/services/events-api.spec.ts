/**
 * Events and analytics over REST on an embedded node with a fake clock: 422s store nothing, ids
 * are idempotent, retention hides expired rows, the cursor pages in time order without repeats,
 * and each stored event reaches the bus (`rookery.events.{type}`) and the windows.
 */
import { expect } from "chai";
import { startNode, testConfig, type TestNode } from "../../helpers/node.ts";
import { getJson, postJson } from "../../helpers/http.ts";
import { UnavailableError } from "../../../lib/protocol/errors.ts";
import type { TrailRows } from "../../../lib/events/trail-rows.ts";

const T0 = Date.parse("2026-01-05T10:00:00Z");
const perf = (name: string, value: number, extra: object = {}) => ({ type: "performance_metric", data: { metric_name: name, value }, ...extra });

describe("services: events and analytics REST (embedded node, fake clock)", () => {
	let node: TestNode;
	let base: string;
	let now = T0;

	before(async () => {
		const config = testConfig({ nodeId: "events-test", services: ["gateway", "monitor", "events", "analytics"] });
		node = await startNode(config, { now: () => now });
		base = `http://127.0.0.1:${node.port()}/api/v1`;
	});
	after(async () => node?.stop());

	const all = async (q = "") => (await getJson(`${base}/events?limit=1000${q}`)).body.items as Array<{ id: string; seq: number; ts: number; type: string }>;

	it("stores one event, answers 201 with id/seq/type/ts, publishes it on the bus", async () => {
		const seen: unknown[] = [];
		const off = node.deps.bus.subscribe("rookery.events.*", (m, subject) => seen.push([subject, m]));
		const r = await postJson(`${base}/events`, { type: "alert_triggered", entity: "AAPL", severity: "high", data: { rule_id: "r1", message: "up 5 %" } });
		off();
		expect(r.status).to.equal(201);
		expect(r.headers.get("location"), "a 201 names where the events are").to.equal("/api/v1/events");
		expect(r.body.items).to.have.length(1);
		const a = r.body.items[0];
		expect(a).to.include({ type: "alert_triggered", ts: now });
		expect(a.id).to.be.a("string");
		expect(a.seq).to.be.a("number");
		expect(seen).to.have.length(1);
		expect(seen[0]).to.deep.include.members(["rookery.events.alert_triggered"]);
		const rows = await all("&type=alert_triggered");
		expect(rows.map(x => x.id)).to.deep.equal([a.id]);
		expect(rows[0]).to.deep.include({ entity: "AAPL", severity: "high", data: { rule_id: "r1", message: "up 5 %" } });
	});

	const bad: Array<[string, unknown, string]> = [
		["an unknown type", { type: "nope", data: {} }, "type"],
		["a data field of the wrong type", perf("lat", "fast" as unknown as number), "data.value"],
		["a bad metric name", perf("has space", 1), "data.metric_name"],
		["an unknown top-level field", perf("lat", 1, { colour: "red" }), "colour"],
		["a bad severity", perf("lat", 1, { severity: "huge" }), "severity"],
		["a ts far in the future", perf("lat", 1, { ts: T0 + 86_400_000 }), "ts"],
		["a bad ISO ts", perf("lat", 1, { ts: "yesterday" }), "ts"],
		["one bad item in a batch", [perf("lat", 1), perf("lat", 2), { type: "insight_generated", data: {} }], "[2].data.title"],
		["an empty batch", [], "body"],
		["a batch over 5,000", Array.from({ length: 5001 }, () => perf("lat", 1)), "body"],
	];
	for (const [what, body, field] of bad) {
		it(`refuses ${what} with 422 naming '${field}' and stores nothing`, async () => {
			const before = (await all()).length;
			const r = await postJson(`${base}/events`, body);
			expect(r.status).to.equal(422);
			expect(r.body.error.code).to.equal("VALIDATION_ERROR");
			expect(r.body.error.details.map((d: { field: string }) => d.field)).to.include(field);
			expect((await all()).length).to.equal(before);
		});
	}

	it("gives a repeated id its first answer and stores it once (also within one batch)", async () => {
		const first = await postJson(`${base}/events`, perf("lat", 1, { id: "run-1", entity: "svc" }));
		const again = await postJson(`${base}/events`, [perf("lat", 99, { id: "run-1" }), perf("lat", 2, { id: "run-2" }), perf("lat", 3, { id: "run-2" })]);
		expect(again.status).to.equal(201);
		expect(again.body.items[0]).to.deep.equal(first.body.items[0]);
		expect(again.body.items[2]).to.deep.equal(again.body.items[1]);
		const ids = (await all("&type=performance_metric")).map(e => e.id).filter(id => id.startsWith("run-"));
		expect(ids).to.deep.equal(["run-1", "run-2"]);
	});

	it("answers a request re-sent concurrently with the first answers and stores each id once", async () => {
		const body = [perf("lat", 7, { id: "race-1" }), perf("lat", 8, { id: "race-2" }), { type: "competitive_update", id: "race-3", data: { competitor: "c", change: "price" } }];
		const [a, b] = await Promise.all([postJson(`${base}/events`, body), postJson(`${base}/events`, body)]);
		expect([a.status, b.status]).to.deep.equal([201, 201]);
		expect(b.body.items).to.deep.equal(a.body.items);
		const stored = [...(await all("&type=performance_metric")), ...(await all("&type=competitive_update"))].map(e => e.id).filter(id => id.startsWith("race-"));
		expect(stored.sort()).to.deep.equal(["race-1", "race-2", "race-3"]);
	});

	it("pages the trail in time order with a cursor, filtered by entity and from/to (ms or ISO)", async () => {
		const batch = Array.from({ length: 25 }, (_, i) => ({ type: "insight_generated", entity: i % 2 ? "odd" : "even", ts: T0 - 60_000 + (24 - i) * 1000, data: { title: `i${i}` } }));
		expect((await postJson(`${base}/events`, batch)).status).to.equal(201);
		const got: Array<{ ts: number; data: { title: string } }> = [];
		let cursor: string | null = null;
		let pages = 0;
		do {
			const r: { status: number; body: { items: Array<{ ts: number; data: { title: string } }>; next: string | null } } = await getJson(`${base}/events?type=insight_generated&entity=even&limit=5${cursor ? `&cursor=${cursor}` : ""}`);
			expect(r.status).to.equal(200);
			got.push(...r.body.items);
			cursor = r.body.next;
			pages++;
		} while (cursor && pages < 10);
		expect(got).to.have.length(13);
		expect(got.map(e => e.ts)).to.deep.equal([...got.map(e => e.ts)].sort((a, b) => a - b));
		expect(new Set(got.map(e => e.data.title)).size).to.equal(13);
		const iso = (t: number) => new Date(t).toISOString();
		const ranged = await getJson(`${base}/events?type=insight_generated&from=${iso(T0 - 60_000)}&to=${T0 - 60_000 + 4000}`);
		expect(ranged.body.items.map((e: { data: { title: string } }) => e.data.title)).to.deep.equal(["i24", "i23", "i22", "i21", "i20"]);
		expect((await getJson(`${base}/events?limit=1001`)).status).to.equal(422);
		expect((await getJson(`${base}/events?from=soon`)).status).to.equal(422);
		expect((await getJson(`${base}/events?cursor=bogus`)).status).to.equal(422);
	});

	it("when one type fails to store: 503, the other type published once; the retry stores the rest and publishes only it", async () => {
		// The trail's add for one type fails once, as a Redis write would (503, retryable).
		const rows = (node.broker.getLocalService("events") as unknown as { log: { rows: TrailRows } }).log.rows;
		const add = rows.add.bind(rows);
		let failOnce = true;
		rows.add = async (type, events, expiredBefore) => {
			if (type === "insight_generated" && failOnce) {
				failOnce = false;
				throw new UnavailableError("kv: write failed", { backend: "kv" });
			}
			return add(type, events, expiredBefore);
		};
		const seen: string[] = [];
		const off = node.deps.bus.subscribe("rookery.events.*", m => seen.push((m as { id: string }).id));
		const batch = [
			{ type: "competitive_update", id: "part-c", data: { competitor: "c", change: "price" } },
			{ type: "insight_generated", id: "part-i", data: { title: "t", summary: "s" } },
		];
		try {
			expect((await postJson(`${base}/events`, batch)).status).to.equal(503);
			expect(seen, "what went in is published, once").to.deep.equal(["part-c"]);
			const retry = await postJson(`${base}/events`, batch);
			expect(retry.status).to.equal(201);
			expect(seen, "the retry publishes only what it stored").to.deep.equal(["part-c", "part-i"]);
			const ids = (await all()).map(e => e.id).filter(id => id.startsWith("part-"));
			expect(ids.sort()).to.deep.equal(["part-c", "part-i"]);
		} finally {
			off();
			rows.add = add;
		}
	});

	it("forgets rows past their type's retention (performance_metric 60 s, alerts 24 h)", async () => {
		expect((await all("&type=performance_metric")).length).to.be.above(0);
		now += 61_000;
		expect(await all("&type=performance_metric")).to.deep.equal([]);
		expect((await all("&type=alert_triggered")).length).to.equal(1);
		const r = await postJson(`${base}/events`, perf("lat", 5));
		expect((await all("&type=performance_metric")).map(e => e.id)).to.deep.equal([r.body.items[0].id]);
		expect(r.body.items[0].ts).to.equal(now);
	});

	it("feeds windows from events and from POST /analytics/metrics; 404 unknown, 422 bad window", async () => {
		await postJson(`${base}/events`, [
			perf("api_response_time", 10),
			perf("api_response_time", 30),
			{ type: "benchmark_completed", data: { benchmark: "b", metrics: { api_response_time: 20 } } },
			{ type: "anomaly_detected", data: { metric: "x", value: 1 } },
		]);
		const one = await postJson(`${base}/analytics/metrics/api_response_time`, { value: 40 });
		expect(one.status).to.equal(200);
		const many = await postJson(`${base}/analytics/metrics/api_response_time`, [
			{ value: 50, ts: now - 1000 },
			{ value: 60, ts: new Date(now - 2000).toISOString() },
		]);
		expect(many.body).to.deep.equal({ name: "api_response_time", accepted: 2 });
		const w = await getJson(`${base}/analytics/windows/api_response_time?window=5m`);
		expect(w.status).to.equal(200);
		expect(w.body).to.include({ name: "api_response_time", window: "5m", count: 6, sum: 210, avg: 35, min: 10, max: 60, to: now });
		expect(w.body.p50).to.be.closeTo(30, 0.3);
		expect((await getJson(`${base}/analytics/windows/anomaly_count?window=1m`)).body.sum).to.equal(1);
		expect((await getJson(`${base}/analytics/windows/nothing_here?window=5m`)).status).to.equal(404);
		const badWindow = await getJson(`${base}/analytics/windows/api_response_time?window=2m`);
		expect(badWindow.status).to.equal(422);
		expect(badWindow.body.error.details[0].field).to.equal("window");
		const badValue = await postJson(`${base}/analytics/metrics/api_response_time`, [{ value: 1 }, { value: "x" }]);
		expect(badValue.status).to.equal(422);
		expect(badValue.body.error.details[0].field).to.equal("[1].value");
		expect((await postJson(`${base}/analytics/metrics/api_response_time`, { value: 1, ts: now - 2 * 86_400_000 })).status).to.equal(422);
		expect((await getJson(`${base}/analytics/windows/api_response_time?window=5m`)).body.count).to.equal(6);
		expect((await getJson(`${base}/analytics/metrics`)).body.items).to.include.members(["api_response_time", "anomaly_count"]);
	});

	it("publishes each changed metric's six windows once per tick, and the dashboard figures", async () => {
		const svc = node.broker.getLocalService("analytics") as unknown as { publishTick(): Promise<void>; publishDashboard(): Promise<void> };
		await svc.publishTick(); // flush what earlier tests changed
		const got: Array<[string, Record<string, unknown>]> = [];
		const off = node.deps.bus.subscribe("rookery.windows.*.>", (m, subject) => got.push([subject, m as Record<string, unknown>]));
		const offDash = node.deps.bus.subscribe("rookery.dashboard", (m, subject) => got.push([subject, m as Record<string, unknown>]));
		await postJson(`${base}/analytics/metrics/tick.me`, [{ value: 1 }, { value: 2 }]);
		await postJson(`${base}/events`, [{ type: "benchmark_completed", data: { benchmark: "b", metrics: { benchmark_total: 4, benchmark_success: 3 } } }]);
		await svc.publishTick();
		const windows = got.filter(([s]) => s.startsWith("rookery.windows.") && s.endsWith(".tick.me"));
		expect(windows.map(([s]) => s).sort()).to.deep.equal(["15m", "1h", "1m", "24h", "5m", "6h"].map(w => `rookery.windows.${w}.tick.me`));
		expect(windows[0][1]).to.include({ v: 1, name: "tick.me", count: 2, sum: 3 });
		got.length = 0;
		await svc.publishTick();
		expect(got, "nothing changed: nothing published").to.deep.equal([]);
		await svc.publishDashboard();
		off();
		offDash();
		expect(got).to.have.length(1);
		expect(got[0][0]).to.equal("rookery.dashboard");
		expect(got[0][1]).to.include({ v: 1, benchmark_success_rate: 0.75, anomaly_count: 1, api_response_time: 35 });
	});
});

describe("services: events, the embedded trail's bound (events.memoryMaxRows)", () => {
	let node: TestNode;
	before(async () => (node = await startNode(testConfig({ nodeId: "events-bound", services: ["gateway", "events"], events: { memoryMaxRows: 1000 } }))));
	after(async () => node?.stop());

	it("keeps the newest rows past the bound and counts the others as dropped (drop-oldest)", async () => {
		const base = `http://127.0.0.1:${node.port()}/api/v1`;
		const t = Date.now() - 10_000;
		const batch = (k: number) => Array.from({ length: 600 }, (_, i) => perf("lat", i, { id: `b${k}-${i}`, ts: t + k }));
		for (const k of [0, 1]) expect((await postJson(`${base}/events`, batch(k))).status).to.equal(201);
		const rows = (await getJson(`${base}/events?type=performance_metric&limit=1000`)).body.items as Array<{ id: string }>;
		expect(rows).to.have.length(1000);
		expect(rows[0].id).to.equal("b0-200");
		expect(rows.at(-1)!.id).to.equal("b1-599");
		const dropped = node.broker.metrics.getMetric("rookery.events.dropped")?.snapshot() as unknown as Array<{ labels: { reason: string }; value: number }>;
		expect(dropped.map(v => [v.labels.reason, v.value])).to.deep.equal([["drop-oldest", 200]]);
	});
});
