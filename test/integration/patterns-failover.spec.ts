/**
 * Kill -9 the node owning a pattern under load (real child processes over NATS + Redis): events
 * are posted without pause through one gateway (retried with the same ids until 201) while the
 * pattern's owner is SIGKILLed. Afterwards the audit trail holds every posted event once, and the
 * pattern's matches (count, the last ones, the `pattern_matched` events pm-{id}-1..n) equal the
 * pure evaluator fed the same inputs without interruption.
 */
import { expect } from "chai";
import { startNats, startRedis, type TestServer } from "../helpers/servers.ts";
import { startNode, type RookeryNodeProcess } from "../helpers/node-process.ts";
import { getJson, postJson } from "../helpers/http.ts";
import { waitFor } from "../helpers/ports.ts";
import { applyPattern, initialState, type PatternState } from "../../lib/patterns/evaluate.ts";
import type { Input, PatternDef } from "../../lib/patterns/pattern-types.ts";

const BATCHES = 60;
const PER_BATCH = 20;
const KILL_AT = 15;
const log = (msg: string) => console.log(`      [patterns-failover] ${msg}`);

/** Every page of the audit trail. */
async function trailOf(api: string, query: string): Promise<Array<{ id: string; data: unknown }>> {
	const out: Array<{ id: string; data: unknown }> = [];
	for (let cursor: string | null = null; ; ) {
		const page: { items: Array<{ id: string; data: unknown }>; next: string | null } = (await getJson(`${api}/events?${query}&limit=1000${cursor ? `&cursor=${cursor}` : ""}`)).body;
		out.push(...page.items);
		if (!page.next) return out;
		cursor = page.next;
	}
}

type MatchRow = { id: string; seq: number; ts: number; data: { pattern_id: string } };

/**
 * For a failure message: the rows of any id listed twice, and whether a second read still lists it
 * (the same seq twice, gone on a second read: the read repeated a row; two seqs: two rows stored).
 */
async function repeatedRows(api: string, patternId: string, rows: MatchRow[], trailSize: number): Promise<string> {
	const ids = rows.map(r => r.id);
	const repeated = new Set(ids.filter((id, i) => ids.indexOf(id) !== i));
	if (repeated.size === 0) return "";
	const read = await trailOf(api, "type=pattern_matched").catch((err: Error) => err);
	if (read instanceof Error) return `ids listed twice: ${[...repeated].join(", ")}; the second read failed: ${read.message}`;
	const again = (read as MatchRow[]).filter(r => r.data.pattern_id === patternId && repeated.has(r.id));
	const show = (list: MatchRow[]) => JSON.stringify(list.filter(r => repeated.has(r.id)).map(r => ({ id: r.id, seq: r.seq, ts: r.ts })));
	return `ids listed twice among ${trailSize} pattern_matched rows: ${show(rows)}; read again: ${show(again)}`;
}

/** Every node's output, without Moleculer's `$location` lines: what a failure message carries. */
const logsOf = (nodes: Array<{ output(max: number): string }>) =>
	nodes
		.map(n =>
			n
				.output(200000)
				.split("\n")
				.filter(l => !l.includes("$location"))
				.join("\n"),
		)
		.join("\n");

describe("patterns: kill -9 of a pattern's owner under load (real processes)", function () {
	this.timeout(180_000);
	let nats: TestServer;
	let redis: TestServer;
	const nodes: RookeryNodeProcess[] = [];

	before(async () => {
		[nats, redis] = await Promise.all([startNats(), startRedis()]);
		for (let i = 0; i < 3; i++) nodes.push(await startNode({ transporter: nats.url, redisUrl: redis.url, services: "gateway,monitor,events,patterns", nodeId: `rk-pf${i}-${process.pid}` }));
	});
	after(async () => {
		for (const n of nodes) await n.kill().catch(() => {});
		await Promise.all([nats?.stop(), redis?.stop()]);
	});

	it("loses no event and ends in the state of an uninterrupted run", async () => {
		const entry = `${nodes[0].url}/api/v1`;
		const source = { type: "event", event_type: "alert_triggered", field: "metrics.value" };
		// Create pairs of patterns until one is owned by a node other than the entry node (when all three see each other).
		let defs: PatternDef[] = [];
		let victim: RookeryNodeProcess | undefined;
		let pairs = 0;
		await waitFor(
			async () => {
				const made = [
					(await postJson(`${entry}/analytics/patterns`, { kind: "threshold", entity: "E1", source, op: "crosses_above", value: 100 })).body as PatternDef,
					(await postJson(`${entry}/analytics/patterns`, { kind: "rate", entity: "E1", source, change_pct: 3, within_ms: 50 })).body as PatternDef,
				];
				pairs++;
				const owners = await Promise.all(made.map(async d => (await getJson(`${entry}/analytics/patterns/${d.id}`)).body.state?.owner as string));
				if (owners[0] === nodes[0].nodeId || owners[0] === undefined) return false;
				defs = made;
				victim = nodes.find(n => n.nodeId === owners[0]);
				log(`${pairs} pair(s) of patterns made; owners ${owners.join(", ")}; killing ${victim?.nodeId}`);
				return victim !== undefined;
			},
			{ timeoutMs: 30_000, intervalMs: 500, what: "a pattern owned away from the entry node" },
		);

		const t0 = Date.now() - 600_000;
		let price = 100;
		const posted: Input[] = [];
		const ids: string[] = [];
		let retries = 0;
		for (let b = 0; b < BATCHES; b++) {
			const batch = Array.from({ length: PER_BATCH }, (_, i) => {
				const k = b * PER_BATCH + i;
				price = Math.round((price + Math.sin(k * 0.7) * 1.5 + (k % 7 === 0 ? -2 : 0.4)) * 100) / 100;
				if (price > 104 || price < 96) price = 100;
				return { type: "alert_triggered", id: `pf-${k}`, ts: t0 + k * 10, entity: "E1", data: { rule_id: "r", message: "m", metrics: { value: price } } };
			});
			for (;;) {
				const r = await postJson(`${entry}/events`, batch).catch(() => ({ status: 0, body: null }));
				if (r.status === 201) break;
				retries++;
				await new Promise(resolve => setTimeout(resolve, 100));
			}
			for (const e of batch) {
				posted.push({ key: "event.alert_triggered.metrics.value", entity: "E1", value: e.data.metrics.value, ts: e.ts });
				ids.push(e.id);
			}
			if (b === KILL_AT) {
				await victim!.kill("SIGKILL");
				log(`killed ${victim!.nodeId} after ${posted.length} events`);
			}
		}
		log(`posted ${posted.length} events (${retries} retried POSTs)`);

		// The audit trail: every posted id once.
		const trail = (await trailOf(entry, "type=alert_triggered&entity=E1")).map(e => e.id);
		expect(trail.length).to.equal(ids.length);
		expect(new Set(trail)).to.deep.equal(new Set(ids));

		for (const def of defs) {
			const want = posted.reduce<PatternState>((s, i) => applyPattern(s, { t: "in", inputs: [i] }), applyPattern(initialState(), { t: "def", def }));
			let last: unknown = null;
			const got = await waitFor(
				async () => {
					const st = (await getJson(`${entry}/analytics/patterns/${def.id}`)).body.state;
					last = st;
					return st && st.matches === want.matches && JSON.stringify(st.recent) === JSON.stringify(want.recent) ? st : null;
				},
				{ timeoutMs: 30_000, intervalMs: 250, what: `pattern ${def.kind} state equal to an uninterrupted run (want ${want.matches} matches)` },
			).catch(err => {
				throw new Error(`${(err as Error).message}: got ${JSON.stringify(last).slice(0, 300)}\n${logsOf(nodes)}`);
			});
			log(`${def.kind}: ${got.matches} matches, owner now ${got.owner}`);
			expect(want.matches, "the fixture makes matches").to.be.greaterThan(2);
			let seen: string[] = [];
			let rows: MatchRow[] = [];
			let trailSize = 0;
			const events = await waitFor(
				async () => {
					const items = (await trailOf(entry, "type=pattern_matched")) as MatchRow[];
					trailSize = items.length;
					rows = items.filter(e => e.data.pattern_id === def.id);
					seen = rows.map(e => e.id);
					return seen.length >= want.matches ? seen : null;
				},
				{ timeoutMs: 15_000, what: "pattern_matched events" },
			).catch(err => {
				const missing = Array.from({ length: want.matches }, (_, i) => `pm-${def.id}-${i + 1}`).filter(id => !seen.includes(id));
				throw new Error(`${(err as Error).message}: ${seen.length} of ${want.matches}; missing ${missing.map(m => m.split("-").pop()).join(",")}\n${logsOf(nodes)}`);
			});
			expect(events.sort(), await repeatedRows(entry, def.id, rows, trailSize)).to.deep.equal(Array.from({ length: want.matches }, (_, i) => `pm-${def.id}-${i + 1}`).sort());
		}
	});
});
