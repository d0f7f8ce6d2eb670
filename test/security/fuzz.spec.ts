/**
 * The fuzz suite (issue 13): fast-check cases driven for a bounded time at a real node (a child
 * process, development mode, so admin routes are reachable as from any loopback caller) over every
 * surface a client reaches: REST, raw request lines, WebSocket upgrades, WebSocket frames (valid
 * ones with hostile content and ones broken at the protocol level) and SSE. After each case:
 * - the node is alive: its process runs and `/health/live` answers 200;
 * - the reply is well-formed: HTTP status < 500 (but the documented retryable 503/504), errors as
 *   `{"error":{"code","message"}}`; WS frames of known types and error codes, or a close code from
 *   lib/protocol/ws-codes.ts (or the RFC 6455 code the `ws` library sends for a protocol error);
 * - a refused write changed nothing: symbols, FZ's latest, agent and instrument config, streams.
 * Arbitraries: test/security/fuzz-arbitraries.ts; checks: test/security/fuzz-probes.ts.
 *
 * Each surface runs half its time budget with a fixed seed and half with a random one (printed;
 * `FUZZ_SEED=<n>` replays it). `FUZZ_SCALE=4` gives every surface four times the time.
 * A failure reports the first failing case as is (no shrinking: a crashed node fails every case).
 */
import { expect } from "chai";
import fc from "fast-check";
import { WebSocket } from "ws";
import { startNode, type RookeryNodeProcess } from "../helpers/node-process.ts";
import { waitFor } from "../helpers/ports.ts";
import { ClientSession } from "../../lib/streaming/client-session.ts";
import { TopicHub } from "../../lib/streaming/topic-hub.ts";
import { LocalBus } from "../../lib/bus/local-bus.ts";
import { rawWsFrame, restCase, sseBody, sseCase, upgradeRequest, plainRequest, wsFrameText, type RestCase } from "./fuzz-arbitraries.ts";
import { REPROS } from "./fuzz-repros.ts";
import { ALLOWED_CLOSE_CODES, expectAlive, expectWellFormedFrame, expectWellFormedHttp, parseServerFrames, rawRequest, readUntilClose, WS_HANDSHAKE } from "./fuzz-probes.ts";

const FIXED_SEED = 20_261_206;
const RANDOM_SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
/** Time per surface, ms (29 s in all, plus the node's start). */
const BUDGET = { protocol: 2000, rest: 9000, requestLine: 2000, upgrade: 3000, frames: 6000, rawFrames: 3000, sse: 4000 };

const counts: Record<string, { cases: number; ms: number }> = {};
const log = (msg: string) => console.log(`      [fuzz] ${msg}`);
const short = (s: string | null, n = 200) => (s === null ? "" : s.length > n ? `${s.slice(0, n)}…(${s.length} chars)` : s);

/** Drive `check` over `arb` for `budgetMs`, half with the fixed seed, half with the random one. */
async function drive<T>(surface: string, arb: fc.Arbitrary<T>, budgetMs: number, check: (c: T) => Promise<void>, ready: () => Promise<void>): Promise<void> {
	const examples = (REPROS[surface] ?? []) as T[];
	const started = Date.now();
	let cases = 0;
	const failures: string[] = [];
	// Both seeds run even when the first fails, so a run reports what each of them found.
	for (const seed of [FIXED_SEED, RANDOM_SEED]) {
		await ready(); // a node the first seed took down is replaced
		try {
			await fc.assert(
				fc.asyncProperty(arb, async c => {
					cases++;
					await check(c);
				}),
				// The known reproductions (./fuzz-repros.ts) run first, every time.
				{ seed, numRuns: 1_000_000, interruptAfterTimeLimit: (budgetMs * SCALE) / 2, endOnFailure: true, examples: seed === FIXED_SEED ? examples.map(e => [e] as [T]) : [] },
			);
		} catch (err) {
			const cause = (err as Error).cause as Error | undefined;
			failures.push(`seed ${seed}: ${cause?.message ?? (err as Error).message}`);
		}
	}
	counts[surface] = { cases, ms: Date.now() - started };
	log(`${surface}: ${cases} cases in ${((Date.now() - started) / 1000).toFixed(1)} s${failures.length ? `, ${failures.length} failing` : ""}`);
	if (failures.length) expect.fail(`${surface}:\n${failures.join("\n\n")}`);
}

describe("fuzz: a real node under hostile input (fast-check)", function () {
	this.timeout(120_000);
	let node: RookeryNodeProcess;
	let base: string;

	const ensureNode = async () => {
		if (node?.running) return;
		if (node) log(`node was down (exit ${JSON.stringify(node.exit)}); starting a new one for the next surface\n${node.output(2000)}`);
		node = await startNode({ logLevel: "error", readyTimeoutMs: 60_000 });
		base = node.url;
		const seeded = await fetch(`${base}/api/v1/ticks`, {
			method: "POST",
			headers: { "content-type": "application/json" },
			body: JSON.stringify([100, 101, 102].map((price, i) => ({ symbol: "FZ", price, size: 1, ts: Date.now() - 3000 + i }))),
		});
		expect(seeded.status).to.equal(200);
		// No background writes: the state a refused write must leave alone then changes only by accepted ones.
		expect((await fetch(`${base}/api/v1/workers/stop-all`, { method: "POST" })).status).to.equal(200);
		await waitFor(async () => ((await (await fetch(`${base}/api/v1/workers`)).json()) as Array<{ status: string }>).every(w => w.status !== "running"), { timeoutMs: 30_000, what: "data workers stopped" });
	};
	/** Alive, or the failure says so with the node's output. */
	const alive = async (what: string) => {
		try {
			if (node.running) return await expectAlive(base, what);
		} catch (err) {
			// Not answering: if the process is on its way out, say so with its output.
			await Promise.race([node.exited, new Promise(r => setTimeout(r, 1000))]);
			if (node.running) throw err;
		}
		expect.fail(`node process exited (${JSON.stringify(node.exit)}) after ${short(what, 400)}\n${node.output(3000)}`);
	};

	before(async () => {
		log(`seeds: fixed ${FIXED_SEED}, random ${RANDOM_SEED} (replay with FUZZ_SEED=${RANDOM_SEED})`);
	});
	beforeEach(ensureNode);
	after(async () => {
		const total = Object.values(counts).reduce((n, c) => n + c.cases, 0);
		log(
			`cases per surface: ${Object.entries(counts)
				.map(([s, c]) => `${s} ${c.cases}`)
				.join(", ")}; ${total} in all`,
		);
		await node?.kill();
	});

	it("WS protocol in process: random frames to a ClientSession get well-formed frames only, never a throw", async () => {
		const bus = new LocalBus();
		const hub = new TopicHub(bus);
		await drive(
			"ws-protocol",
			fc.array(wsFrameText, { minLength: 1, maxLength: 5 }),
			BUDGET.protocol,
			async frames => {
				const sent: string[] = [];
				const s = new ClientSession({ send: (t, done) => (sent.push(t), done()), bufferedAmount: () => 0, close: () => {} }, hub, {
					policy: { tier: "pro", maxTopics: 5, wildcards: false, queue: { maxBytes: 1e6, maxMessages: 1000, policy: "conflate" } },
					authRequired: false,
					socketHighWater: 1e6,
					maxPendingPerTopic: 10,
					maxReplay: 100,
					snapshot: async () => ({ seq: 3, data: {} }),
					replay: async (_t, from) => ({ entries: from <= 3 ? [{ seq: 3, data: {} }] : [], lastSeq: 3 }),
					authenticate: async () => {
						throw new Error("refused");
					},
					onDrop: () => {},
				});
				for (const f of frames) s.onMessage(f);
				await new Promise(r => setImmediate(r));
				bus.publish("rookery.ticks.FZ", { v: 1, seq: 4 });
				s.close();
				for (const t of sent) expectWellFormedFrame(t, frames.join(" | "));
				expect(sent.length).to.be.greaterThan(0);
			},
			async () => {},
		);
		expect(hub.topicCount, "every closed session released its topics").to.equal(0);
	});

	it("REST: any route, method, path segment, query and body", async () => {
		const statePaths = ["/api/v1/symbols", "/api/v1/symbols/FZ/latest", "/api/v1/config/agents/explain", "/api/v1/config/instruments", "/api/v1/intelligence/streams"];
		// One line per read; a list compared as a set (the instrument list's order changes once the
		// defaults are stored). The data workers poll every configured instrument and write its ticks
		// on their own schedule: those symbols are left out.
		const read = async (p: string, instruments: Set<string>) => {
			const res = await fetch(`${base}${p}`);
			// lastActivity moves on every read of a symbol: not state a write changes.
			let body: unknown = JSON.parse(await res.text(), (k, v) => (k === "lastActivity" ? undefined : v));
			if (p === "/api/v1/symbols") body = (body as { items: Array<{ symbol: string }> }).items.filter(i => !instruments.has(i.symbol));
			return `${p} ${res.status} ${Array.isArray(body) ? JSON.stringify(body.map(x => JSON.stringify(x)).sort()) : JSON.stringify(body)}`;
		};
		const stateNow = async () => {
			const instruments = new Set(((await (await fetch(`${base}/api/v1/config/instruments`)).json()) as Array<{ symbol: string }>).map(i => i.symbol));
			return (await Promise.all(statePaths.map(p => read(p, instruments)))).join("\n");
		};
		let state = await stateNow();
		const describeCase = (c: RestCase) => `${c.method} ${c.path} [${c.contentType}] ${short(c.body, 1500)}`;
		await drive(
			"rest",
			restCase,
			BUDGET.rest,
			async c => {
				const what = describeCase(c);
				let res: Response;
				try {
					res = await fetch(`${base}${c.path}`, { method: c.method, headers: { "content-type": c.contentType }, body: c.body ?? undefined, signal: AbortSignal.timeout(10_000) });
				} catch (err) {
					await alive(what);
					return expect.fail(`no answer (${(err as Error).message}: ${String((err as Error).cause ?? "")}) to ${what}`);
				}
				const type = res.headers.get("content-type") ?? "";
				const text = type.includes("event-stream") ? (await res.body?.cancel(), "") : await res.text();
				expectWellFormedHttp(res.status, type, text, what, { method: c.method });
				if (!["GET", "HEAD", "OPTIONS"].includes(c.method)) {
					// A batch partly written answers 503 listing what was accepted (docs/api.md): not a refusal.
					const partial = res.status === 503 && /"accepted":\[\{/.test(text);
					if (res.status >= 400 && !partial) {
						const now = await stateNow();
						const changed = now.split("\n").filter(l => !state.split("\n").includes(l));
						if (changed.length) expect.fail(`a refused write changed the state: ${what} → ${res.status} ${short(text)}; now:\n${changed.map(l => short(l, 600)).join("\n")}`);
					} else {
						// An accepted stream is stopped again, so streams do not pile up and run analyses.
						const id = /intelligence\/stream(s|\/start)/.test(c.path) && c.method === "POST" ? (JSON.parse(text) as { id?: string }).id : undefined;
						if (id) await fetch(`${base}/api/v1/intelligence/streams/${id}`, { method: "DELETE" });
						state = await stateNow();
					}
				}
				await alive(what);
			},
			ensureNode,
		);
	});

	it("raw request lines: bad request targets and versions get an HTTP answer", async () => {
		await drive(
			"request-line",
			plainRequest,
			BUDGET.requestLine,
			async req => {
				const what = JSON.stringify(req.toString("latin1").split("\r\n")[0]);
				const r = await rawRequest(node.port, req);
				r.socket.destroy();
				// Node closes a CONNECT nobody listens for without an answer (no tunnels here): fine.
				if (r.status === null && r.closed && r.bytes.length === 0 && what.startsWith('"CONNECT ')) return alive(what);
				if (r.status === null) await alive(what);
				expect(r.status, `no HTTP answer to ${what}: ${JSON.stringify(short(r.bytes.toString("latin1")))} (closed ${r.closed})`).to.not.equal(null);
				expect(r.status! < 500 || r.status === 505, `${what} → ${r.status}`).to.equal(true);
				await alive(what);
			},
			ensureNode,
		);
	});

	it("WS upgrades: bad targets, hosts, keys, versions and origins get an HTTP answer or a 101", async () => {
		await drive(
			"ws-upgrade",
			upgradeRequest,
			BUDGET.upgrade,
			async req => {
				const what = JSON.stringify(short(req.toString("latin1"), 300));
				const r = await rawRequest(node.port, req);
				// A refusal's body comes before the server closes: it is checked like any error body.
				const rest = r.status !== null && r.status !== 101 ? await readUntilClose(r.socket, 1000) : null;
				r.socket.destroy();
				if (r.status === null) await alive(what);
				expect(r.status, `no HTTP answer to ${what}: ${JSON.stringify(short(r.bytes.toString("latin1")))} (closed ${r.closed})`).to.not.equal(null);
				expect(r.status === 101 || r.status! < 500, `${what} → ${r.status}`).to.equal(true);
				if (rest) {
					const answer = Buffer.concat([r.bytes, rest.bytes]).toString("utf8");
					const split = answer.indexOf("\r\n\r\n");
					const type = (/^content-type:\s*(.*)$/im.exec(answer.slice(0, split))?.[1] ?? "").trim();
					const body = answer.slice(split + 4);
					// The ws library refuses a malformed handshake itself (plain text); our refusals are JSON.
					const fromWs = r.status === 400 && type.startsWith("text/html") && /Sec-WebSocket|WebSocket version|Upgrade header/.test(body);
					if (!fromWs) expectWellFormedHttp(r.status!, type, body, what);
				}
				await alive(what);
			},
			ensureNode,
		);
	});

	it("WS frames: hostile JSON, traps, deep nesting and broken text on /ws get frames or a known close", async () => {
		await drive(
			"ws-frames",
			fc.array(wsFrameText, { minLength: 1, maxLength: 4 }),
			BUDGET.frames,
			async frames => {
				const what = frames.map(f => short(f, 150)).join(" | ");
				const ws = new WebSocket(`ws://127.0.0.1:${node.port}/ws`);
				const replies: string[] = [];
				let closeCode: number | null = null;
				ws.on("message", d => replies.push(d.toString()));
				ws.on("error", () => {});
				const closed = new Promise<void>(r => ws.once("close", code => ((closeCode = code), r())));
				await Promise.race([new Promise(r => ws.once("open", r)), closed]);
				if (closeCode !== null) await alive(what);
				expect(closeCode, `upgrade refused before ${what}`).to.equal(null);
				for (const f of frames) ws.send(f);
				// Frames are answered in order: the answer to this last one (an error naming the topic)
				// comes after every earlier synchronous answer, and says the session still works.
				ws.send(JSON.stringify({ op: "subscribe", topics: ["end-of-fuzz"] }));
				const answered = new Promise<void>(r => ws.on("message", d => d.toString().includes("end-of-fuzz") && r()));
				const settled = await Promise.race([answered.then(() => "answered"), closed.then(() => "closed"), new Promise(r => setTimeout(r, 10_000, "timeout"))]);
				expect(settled, `neither an answer to the last frame nor a close within 10 s after ${what}`).to.not.equal("timeout");
				ws.terminate();
				if (settled === "closed" && closeCode === 1006) await alive(what); // dropped: was the node gone?
				for (const t of replies) expectWellFormedFrame(t, what);
				// A frame over maxPayload (64 KiB) is refused by the ws library with 1009; a client still
				// sending when the socket goes may see 1006 instead.
				const oversized = frames.some(f => Buffer.byteLength(f) > 64 * 1024);
				if (closeCode !== null && settled === "closed" && !(oversized && (closeCode === 1009 || closeCode === 1006))) expect(ALLOWED_CLOSE_CODES.has(closeCode), `close code ${closeCode} after ${what}`).to.equal(true);
				await alive(what);
			},
			ensureNode,
		);
	});

	it("WS frames broken at the protocol level (truncated, unmasked, bad opcodes, bad UTF-8) over raw TCP", async () => {
		await drive(
			"ws-raw-frames",
			rawWsFrame,
			BUDGET.rawFrames,
			async frame => {
				const what = `frame bytes ${frame.subarray(0, 40).toString("hex")}${frame.length > 40 ? "…" : ""}`;
				const r = await rawRequest(node.port, WS_HANDSHAKE());
				expect(r.status, `handshake before ${what}`).to.equal(101);
				r.socket.end(frame); // the frame, then end of stream: a client gone mid-frame
				const got = await readUntilClose(r.socket, 3000);
				r.socket.destroy();
				const head = r.bytes.indexOf("\r\n\r\n") + 4;
				const { texts, closeCode } = parseServerFrames(Buffer.concat([r.bytes.subarray(head), got.bytes]));
				for (const t of texts) expectWellFormedFrame(t, what);
				if (closeCode !== null) expect(ALLOWED_CLOSE_CODES.has(closeCode), `close code ${closeCode} after ${what}`).to.equal(true);
				await alive(what);
			},
			ensureNode,
		);
	});

	it("SSE: topic lists, Last-Event-ID values and clients gone after the headers", async () => {
		const arb = fc.oneof(
			sseCase.map(c => ({ ...c, body: null as string | null })),
			sseBody.map(body => ({ path: "/streaming/subscribe/sse", lastEventId: null, abortAfterHeaders: true, body })),
		);
		await drive(
			"sse",
			arb,
			BUDGET.sse,
			async c => {
				const what = `${c.body === null ? "GET" : "POST"} ${short(c.path)} Last-Event-ID ${short(c.lastEventId, 80)} ${short(c.body)}`;
				const ac = new AbortController();
				const headers: Record<string, string> = c.lastEventId === null ? {} : { "last-event-id": c.lastEventId };
				if (c.body !== null) headers["content-type"] = "application/json";
				let res: Response;
				try {
					res = await fetch(`${base}${c.path}`, { method: c.body === null ? "GET" : "POST", headers, body: c.body ?? undefined, signal: ac.signal });
				} catch (err) {
					await alive(what);
					return expect.fail(`no answer (${(err as Error).message}: ${String((err as Error).cause ?? "")}) to ${what}`);
				}
				const type = res.headers.get("content-type") ?? "";
				if (type.includes("event-stream")) {
					expect(res.status).to.equal(200);
					if (!c.abortAfterHeaders) {
						// The first event (the snapshot of a topic with data) or nothing within 1 s: what came is checked.
						const reader = res.body!.getReader();
						let text = "";
						const deadline = Date.now() + 1000;
						while (!text.includes("\n\n") && Date.now() < deadline) {
							const chunk = await Promise.race([reader.read(), new Promise<null>(r => setTimeout(r, deadline - Date.now(), null))]);
							if (!chunk || chunk.done) break;
							text += Buffer.from(chunk.value).toString("utf8");
						}
						for (const line of text.split("\n")) if (line.startsWith("id:")) expect(line.length, `an event id of ${line.length} chars after ${what}`).to.be.lessThan(4096);
					}
					ac.abort();
				} else expectWellFormedHttp(res.status, type, await res.text(), what);
				await alive(what);
			},
			ensureNode,
		);
	});
});
