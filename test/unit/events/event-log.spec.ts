/**
 * EventLog on the embedded trail (MemoryKv + MemoryTrailRows, fake clock): the bound
 * (`events.memoryMaxRows`) never drops a live row while rows past their retention are held or
 * offered.
 */
import { expect } from "chai";
import { MemoryKv } from "../../../lib/kv/index.ts";
import { EventLog } from "../../../lib/events/event-log.ts";
import { MemoryTrailRows } from "../../../lib/events/memory-trail.ts";
import { DEFAULT_RETENTION_MS, type EventType } from "../../../lib/events/event-types.ts";
import type { CheckedEvent } from "../../../lib/events/check-events.ts";

const T0 = Date.parse("2026-01-05T10:00:00Z");
const perf = (ts: number, id?: string): CheckedEvent => ({ id: id ?? `p${ts}`, idGiven: id !== undefined, type: "performance_metric", ts, entity: null, severity: "info", data: { metric_name: "lat", value: 1 } });
const alert = (ts: number, id?: string): CheckedEvent => ({ id: id ?? `a${ts}`, idGiven: id !== undefined, type: "alert_triggered", ts, entity: "AAPL", severity: "high", data: { rule_id: "r1", message: "up" } });

function setup(maxRows: number) {
	const clock = { now: T0 };
	const kv = new MemoryKv({ now: () => clock.now });
	const rows = new MemoryTrailRows({ maxRows, chunk: 64 });
	const log = new EventLog(kv, rows, DEFAULT_RETENTION_MS, () => clock.now);
	const held = async (type: EventType) => (await log.query({ type, limit: 1000 })).items;
	return { clock, kv, rows, log, held };
}

describe("lib/events/event-log: the memory trail's bound and retention", () => {
	it("does not let events already past their retention push live rows out (ts: 0)", async () => {
		const { rows, log, held } = setup(1000);
		await log.append(Array.from({ length: 1000 }, (_, i) => alert(T0 - 1000 + i)));
		const r = await log.append(Array.from({ length: 500 }, (_, i) => ({ ...perf(0), id: `old${i}` })));
		expect(r.dropped, "live rows dropped").to.equal(0);
		expect(r.answers).to.have.length(500);
		expect([rows.size("alert_triggered"), rows.size("performance_metric")]).to.deep.equal([1000, 0]);
		expect(await held("alert_triggered")).to.have.length(1000);
	});

	it("lets expired rows of a type no one writes to again go before any live row", async () => {
		const { clock, rows, log, held } = setup(1000);
		await log.append(Array.from({ length: 1000 }, (_, i) => perf(T0 - 1000 + i)));
		clock.now += DEFAULT_RETENTION_MS.performance_metric + 1000; // every perf row is past its 60 s
		const r = await log.append(Array.from({ length: 500 }, (_, i) => alert(clock.now - 500 + i)));
		expect(r.dropped, "no live row needed to go").to.equal(0);
		expect([rows.size(), rows.size("performance_metric"), rows.size("alert_triggered")]).to.deep.equal([500, 0, 500]);
		expect(await held("alert_triggered")).to.have.length(500);
	});

	it("still drops the oldest live rows past the bound, counting them", async () => {
		const { rows, log } = setup(1000);
		await log.append(Array.from({ length: 800 }, (_, i) => alert(T0 - 2000 + i)));
		const r = await log.append(Array.from({ length: 400 }, (_, i) => perf(T0 - 400 + i)));
		expect(r.dropped).to.equal(200);
		expect([rows.size("alert_triggered"), rows.size("performance_metric")]).to.deep.equal([600, 400]);
	});
});
