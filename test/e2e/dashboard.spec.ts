/**
 * The dashboard and /docs in a real browser (Debian chromium, playwright-core): the chart shows the
 * REST bars, a tick posted through REST reaches the chart within 1 s, a dropped WebSocket resumes
 * with no gap and no duplicate seq, the indicator values shown are the server's, the views render
 * at 1280 and 390 px, and Swagger UI's "Try it out" calls the API. Screenshots: test/artifacts/.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { SignJWT } from "jose";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { launchBrowser, startDashboardNode, type DashboardNode } from "../helpers/browser.ts";
import { getJson, postJson } from "../helpers/http.ts";

const ARTIFACTS = path.resolve("test/artifacts");

type Hook = {
	symbol: string | null;
	bars: number;
	gaps: number;
	duplicates: number;
	connections: number;
	loads: number;
	tickSeqs(): number[];
	lastBar(): { time: number; close: number } | null;
	line(name: string): number | null;
	legend(): { time: number | null; values: Record<string, number | null> } | null;
	feedIds(): string[];
	alertIds(): string[];
	shownWindow(): Record<string, number | null> | null;
};
declare const window: { __rookery: Hook };

describe("dashboard in a browser (chromium)", function () {
	this.timeout(30_000);
	let srv: DashboardNode;
	let browser: Browser;
	let context: BrowserContext;
	let page: Page;
	const errors: string[] = [];
	/** Runs `fn` on the page's read-only debug hook (plain arrow functions only: their source is sent). */
	const hook = <T, A = undefined>(fn: (h: Hook, arg: A) => T, arg?: A) => page.evaluate(`(${fn.toString()})(window.__rookery, ${JSON.stringify(arg ?? null)})`) as Promise<T>;
	const shot = (name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });

	before(async () => {
		mkdirSync(ARTIFACTS, { recursive: true });
		// 200 minutes of 20 s ticks: 200 1m bars, all inside the chart's 500, so the page's overlay
		// lines are computed over exactly the bars the server's indicators saw.
		[srv, browser] = await Promise.all([startDashboardNode(["AAPL", "MSFT"], 200), launchBrowser()]);
		context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
		page = await context.newPage();
		page.on("console", m => m.type() === "error" && errors.push(m.text()));
		page.on("pageerror", e => errors.push(e.message));
	});

	after(async () => {
		await browser?.close();
		await srv?.stop();
	});

	it("loads, lists the symbols and draws the REST bars as candles", async () => {
		await page.goto(`${srv.base}/#AAPL/1m`);
		await page.waitForFunction(() => window.__rookery?.loads > 0, undefined, { timeout: 10_000 });
		const rest = (await getJson(`${srv.base}/api/v1/symbols/AAPL/bars?tf=1m&limit=500`)).body;
		expect(await hook(h => h.bars)).to.equal(rest.bars.length);
		expect(await hook(h => h.lastBar()?.close)).to.equal(rest.bars.at(-1).close);
		expect(await page.locator("#watchlist button").allInnerTexts()).to.have.length(2);
		expect(await page.locator("#chart canvas").count()).to.be.greaterThan(0);
		await page.locator("#conn.live").waitFor();
		await shot("dashboard-market-1280");
		expect(errors).to.deep.equal([]);
	});

	it("shows a tick posted through REST on the chart within 1 s", async () => {
		await page.waitForFunction(() => window.__rookery.tickSeqs().length > 0);
		const last = (await hook(h => h.lastBar()))!;
		const price = Math.round(last.close * 1.003 * 10_000) / 10_000;
		const t0 = Date.now();
		const r = await srv.post({ symbol: "AAPL", price, size: 5, ts: Date.now() });
		expect(r.status).to.equal(200);
		await page.waitForFunction(p => window.__rookery.lastBar()?.close === p, price, { timeout: 1000, polling: "raf" });
		const ms = Date.now() - t0;
		expect(ms, "POST → chart").to.be.lessThan(1000);
	});

	it("shows the server's indicator values: the legend equals REST, the overlay lines equal REST's provisional values", async () => {
		const rest = (await getJson(`${srv.base}/api/v1/symbols/AAPL/indicators?tf=1m`)).body;
		await page.waitForFunction(t => window.__rookery.legend()?.time === t, rest.final.time);
		const shown = await page.locator("#legend dd").evaluateAll(els => els.map(e => [e.getAttribute("data-name"), e.getAttribute("data-value")]));
		const restValues = rest.final.values as Record<string, number | null>;
		expect(shown.length).to.equal(Object.keys(restValues).length);
		for (const [name, value] of shown) expect(value === "" ? null : Number(value), name!).to.equal(restValues[name!]);
		expect(restValues.rsi_14).to.be.a("number");
		// The forming bar's line points are the page's own peek over the same bars: the same numbers.
		for (const name of ["sma_20", "ema_20", "bbands_20_2.upper", "rsi_14", "macd_12_26_9.macd", "macd_12_26_9.hist"]) {
			const line = await hook((h, n) => h.line(n), name);
			expect(line, name).to.be.closeTo(rest.provisional.values[name], Math.abs(rest.provisional.values[name]) * 1e-12);
		}
	});

	it("resumes after a dropped connection with no gap and no duplicate tick seq", async () => {
		const before = await hook(h => h.tickSeqs());
		const conns = await hook(h => h.connections);
		expect(srv.dropSockets()).to.be.greaterThan(0);
		// Written while the page is cut off: they must come by replay (`since`), in order, once.
		const last = (await hook(h => h.lastBar()))!;
		for (let i = 0; i < 5; i++) expect((await srv.post({ symbol: "AAPL", price: last.close + i * 0.01, size: 1, ts: Date.now() })).status).to.equal(200);
		const lastSeq = (await getJson(`${srv.base}/api/v1/symbols/AAPL/latest`)).body.seq as number;
		await page.waitForFunction(([c, s]) => window.__rookery.connections > c && window.__rookery.tickSeqs().at(-1)! >= s, [conns, lastSeq] as const, { timeout: 10_000 });
		const seqs = await hook(h => h.tickSeqs());
		expect(seqs.slice(0, before.length)).to.deep.equal(before);
		for (let i = 1; i < seqs.length; i++) expect(seqs[i], `seq after ${seqs[i - 1]}`).to.equal(seqs[i - 1] + 1);
		expect(await hook(h => [h.gaps, h.duplicates])).to.deep.equal([0, 0]);
	});

	it("renders the intelligence view: every agent's answer and what the confidence is made of", async () => {
		await page.getByRole("button", { name: "Intelligence" }).click();
		await page.locator("#intel [data-agent='forecast']").waitFor({ timeout: 15_000 });
		for (const agent of ["sentiment", "forecast", "explain", "strategy"]) expect(await page.locator(`#intel [data-agent='${agent}']`).count(), agent).to.equal(1);
		expect(Number(await page.locator("[data-confidence]").getAttribute("data-confidence"))).to.be.within(0, 1);
		const rest = (await (await fetch(`${srv.base}/api/v1/intelligence/unified`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"symbols":["AAPL"]}' })).json()) as {
			symbols: { AAPL: { confidence: Record<string, number> } };
		};
		const parts = Object.keys(rest.symbols.AAPL.confidence).filter(k => k !== "confidence");
		expect(parts).to.include.members(["agreement", "coverage", "health", "freshness"]);
		expect(await page.locator("#intel table td").allInnerTexts()).to.include.members(parts);
		await shot("dashboard-intelligence-1280");
	});

	it("renders the cluster view for an admin (development mode: loopback is admin)", async () => {
		await page.getByRole("button", { name: "Cluster" }).click();
		await page.locator("#cluster table").first().waitFor();
		const text = await page.locator("#cluster").innerText();
		expect(text).to.include("e2e-").and.include("AAPL").and.include("forecast").and.include("worker_market_data");
		await shot("dashboard-cluster-1280");
	});

	it("alerts view: a rule created in the form fires on a tick crossing it and shows in the live feed", async () => {
		await page.getByRole("button", { name: "Alerts" }).click();
		await page.locator("#alert-feed li").first().waitFor({ timeout: 5000 });
		const form = page.locator("#rule-form");
		const last = (await hook(h => h.lastBar()))!;
		const threshold = Math.round(last.close * 1.02 * 100) / 100;
		await form.getByLabel("Name", { exact: true }).fill("AAPL breaks out");
		await form.getByLabel("Source", { exact: true }).selectOption("price");
		await form.getByLabel("Symbol", { exact: true }).fill("AAPL");
		await form.getByLabel("Condition", { exact: true }).selectOption("crosses_above");
		await form.getByLabel("Value", { exact: true }).fill(String(threshold));
		await form.getByLabel("Severity", { exact: true }).selectOption("high");
		await page.getByRole("button", { name: "Create rule" }).click();
		await page.locator("#rule-msg.ok").waitFor({ timeout: 5000 });
		const id = (await page.locator("#rule-msg").getAttribute("data-rule-id"))!;
		await page.locator(`#rules li[data-rule="${id}"]`).waitFor({ timeout: 5000 });
		const rule = (await getJson(`${srv.base}/api/v1/alerts/rules/${id}`)).body;
		expect(rule.condition).to.deep.include({ source: "price", symbol: "AAPL", op: "crosses_above", value: threshold });
		expect(rule.severity).to.equal("high");
		// Below, then above: one crossing, one alert, and it comes over the WebSocket (no REST reload).
		expect((await srv.post({ symbol: "AAPL", price: threshold - 0.5, size: 1, ts: Date.now() })).status).to.equal(200);
		expect((await srv.post({ symbol: "AAPL", price: threshold + 0.5, size: 1, ts: Date.now() })).status).to.equal(200);
		const item = page.locator(`#alert-feed li[data-rule='${id}']`);
		await item.waitFor({ timeout: 5000 });
		const history = (await getJson(`${srv.base}/api/v1/alerts/history?rule=${id}`)).body.items;
		expect(history).to.have.length(1);
		expect(await item.getAttribute("data-alert")).to.equal(history[0].alert_id);
		expect(await item.innerText())
			.to.include("AAPL breaks out")
			.and.include("high");
		await shot("dashboard-alerts-1280");
		// A bad rule is refused with the field named, and nothing is added.
		await form.getByLabel("Name", { exact: true }).fill("");
		await form.getByLabel("Name", { exact: true }).fill("no value");
		await form.getByLabel("Value", { exact: true }).fill("");
		await page.getByRole("button", { name: "Create rule" }).click();
		await page.locator("#rule-msg.err").waitFor({ timeout: 5000 });
		expect(await page.locator("#rule-msg").innerText()).to.include("condition.value");
		expect(await page.locator("#rules li[data-rule]").count()).to.equal(1);
		// The browser logs the refused request as a console error: that one is expected.
		errors.splice(0, errors.length, ...errors.filter(e => !e.includes("status of 422")));
	});

	it("events view: an event POSTed through REST appears in the live feed, filtered by type", async () => {
		await page.getByRole("button", { name: "Events" }).click();
		await page.locator("#view-events").getByLabel("Type", { exact: true }).selectOption("anomaly_detected");
		// The REST read is over (nothing in the last 15 minutes): what comes next comes over the WebSocket.
		await page.locator("#events li", { hasText: "no events" }).waitFor();
		const batch = [
			{ type: "insight_generated", id: "e2e-insight-1", data: { title: "not shown: another type" } },
			{ type: "anomaly_detected", id: "e2e-anomaly-1", entity: "AAPL", severity: "high", data: { metric: "price.AAPL", value: 212.4, expected: 190 } },
		];
		const t0 = Date.now();
		expect((await postJson(`${srv.base}/api/v1/events`, batch)).status).to.equal(201);
		await page.locator("#events li[data-id='e2e-anomaly-1']").waitFor({ timeout: 2000 });
		expect(Date.now() - t0, "POST → feed").to.be.lessThan(2000);
		expect(await hook(h => h.feedIds())).to.deep.equal(["e2e-anomaly-1"]);
		expect(await page.locator("#events li[data-id='e2e-anomaly-1']").innerText())
			.to.include("AAPL")
			.and.include("high");
		await page.locator("#view-events").getByLabel("Type", { exact: true }).selectOption("*");
		// All types: both, beside what else was stored (the alerts test's alert_triggered event).
		await page.waitForFunction(() => ["e2e-insight-1", "e2e-anomaly-1"].every(id => window.__rookery.feedIds().includes(id)), undefined, { timeout: 5000 });
	});

	it("window widget: a metric POSTed through REST shows count/avg/p50/p95/p99 equal to REST, updated live", async () => {
		expect((await postJson(`${srv.base}/api/v1/analytics/metrics/e2e_latency`, [{ value: 120 }, { value: 95 }])).status).to.equal(200);
		await page.getByRole("button", { name: "Reload metrics" }).click();
		await page.locator("#win-metric option", { hasText: "e2e_latency" }).waitFor({ state: "attached" });
		await page.locator("#view-events").getByLabel("Metric", { exact: true }).selectOption("e2e_latency");
		await page.waitForFunction(() => window.__rookery.shownWindow()?.count === 2);
		// No reload from here: the third value can only come by the analytics:5m:e2e_latency topic.
		expect((await postJson(`${srv.base}/api/v1/analytics/metrics/e2e_latency`, { value: 310 })).status).to.equal(200);
		await page.waitForFunction(() => window.__rookery.shownWindow()?.count === 3, undefined, { timeout: 5000 });
		const rest = (await getJson(`${srv.base}/api/v1/analytics/windows/e2e_latency?window=5m`)).body;
		expect(rest.count).to.equal(3);
		for (const f of ["count", "avg", "p50", "p95", "p99", "min", "max"]) {
			const shown = await page.locator(`#window dd[data-field='${f}']`).getAttribute("data-value");
			expect(Number(shown), f).to.equal(rest[f]);
		}
		await shot("dashboard-events-1280");
	});

	it("is usable at 390 px: no horizontal scroll, watchlist reachable by keyboard", async () => {
		await page.setViewportSize({ width: 390, height: 844 });
		await page.getByRole("button", { name: "Events" }).click();
		expect(await page.evaluate("document.documentElement.scrollWidth"), "events view").to.be.at.most(390);
		await page.getByRole("button", { name: "Alerts" }).click();
		expect(await page.evaluate("document.documentElement.scrollWidth"), "alerts view").to.be.at.most(390);
		await shot("dashboard-alerts-390");
		await page.getByRole("button", { name: "Market" }).click();
		expect(await page.evaluate("document.documentElement.scrollWidth")).to.be.at.most(390);
		await page.locator("#search").fill("ms");
		await page.locator("#search").press("Enter");
		await page.waitForFunction(() => window.__rookery.symbol === "MSFT" && window.__rookery.loads > 1);
		await page.waitForFunction(() => window.__rookery.bars > 100);
		await shot("dashboard-market-390");
		await page.setViewportSize({ width: 1280, height: 900 });
		expect(errors).to.deep.equal([]);
	});

	it("serves Swagger UI at /docs over /api/openapi.json, and Try it out calls the API", async function () {
		await page.goto(`${srv.base}/docs`);
		// Swagger UI parses a 1.8 MB bundle: seconds on a busy 2-core machine.
		this.timeout(60_000);
		const op = page.locator("#operations-default-get_api_v1_symbols_symbol_latest");
		await op.waitFor({ timeout: 45_000 });
		await op.locator(".opblock-summary").click();
		// Try-it-out is on from the start (docs.js): the parameters are editable and Execute is there.
		await op.locator("input[placeholder='symbol']").fill("AAPL");
		await op.getByRole("button", { name: "Execute" }).click();
		const status = op.locator(".live-responses-table tr.response .response-col_status").first();
		await status.waitFor({ timeout: 10_000 });
		expect((await status.innerText()).trim()).to.equal("200");
		expect(await op.locator(".live-responses-table .microlight").first().innerText()).to.include('"symbol": "AAPL"');
		await shot("docs-1280");
	});

	describe("with auth on (JWT configured, anonymous refused)", () => {
		const SECRET = "e2e-secret-0123456789abcdef0123456789";
		let authSrv: DashboardNode;
		let ctx: BrowserContext;
		let p: Page;
		let token: string;

		before(async () => {
			token = await new SignJWT({ sub: "analyst", tier: "pro", roles: ["admin"] }).setProtectedHeader({ alg: "HS256" }).setExpirationTime("1h").sign(new TextEncoder().encode(SECRET));
			authSrv = await startDashboardNode(["AAPL"], 60, { auth: { jwtSecret: SECRET, anonymousTier: null } as never }, token);
			ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
			p = await ctx.newPage();
		});

		after(async () => {
			await ctx?.close();
			await authSrv?.stop();
		});

		it("asks for credentials, then works with the token entered, which stays in sessionStorage only", async () => {
			await p.goto(`${authSrv.base}/`);
			await p.locator("#watchlist .err").waitFor();
			expect(await p.locator("#watchlist .err").innerText()).to.match(/credentials|token|unauthori/i);
			await p.getByLabel("API key or token").fill(token);
			await p.getByRole("button", { name: "Use" }).click();
			await p.waitForFunction(() => (globalThis as any).__rookery.loads > 0 && (globalThis as any).__rookery.tickSeqs().length > 0);
			expect(await p.locator("#conn").innerText()).to.equal("live");
			expect(await p.getByLabel("API key or token").inputValue(), "the field is cleared").to.equal("");
			expect(await p.evaluate("[sessionStorage.getItem('rookery.token'), localStorage.length, document.cookie]")).to.deep.equal([token, 0, ""]);
			await p.getByRole("button", { name: "Cluster" }).click();
			await p.locator("#cluster table").first().waitFor();
			await p.getByRole("button", { name: "Forget" }).click();
			expect(await p.evaluate("sessionStorage.getItem('rookery.token')")).to.equal(null);
			await p.locator("#watchlist .err").waitFor();
		});
	});
});
