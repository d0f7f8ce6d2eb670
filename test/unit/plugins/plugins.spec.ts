/**
 * Plug-ins (docs/plugins.md): the three examples load through the documented loader and pass the
 * contract suite (lib/plugins/contract.ts) that built-ins pass too (run here on every built-in
 * indicator kind and strategy, and the synthetic vendor); a bad plug-in is refused with a message naming the module and the
 * problem, and registers nothing.
 */
import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Bar } from "../../../lib/bars/bar.ts";
import { mergedConfig, validateConfig, ConfigError } from "../../../lib/config/config.ts";
import { createIndicator, INDICATOR_KINDS } from "../../../lib/indicators/registry.ts";
import { contractBars, indicatorContract, strategyContract, streamColumns, vendorContract } from "../../../lib/plugins/contract.ts";
import { loadedPlugins, loadPlugin, loadPlugins, PluginError } from "../../../lib/plugins/loader.ts";
import { STRATEGY_NAMES } from "../../../lib/strategies/index.ts";
import { ORACLE_CASES } from "../indicators/oracle-cases.ts";
import { createVendor, SyntheticVendor } from "../../../lib/vendors/index.ts";
import { zscoreBatch } from "../../../examples/plugins/zscore-indicator.ts";
import { rsiRevertBatch } from "../../../examples/plugins/rsi-revert-strategy.ts";
import { FileQuotesVendor } from "../../../examples/plugins/file-quotes-vendor.ts";

const EXAMPLES = ["./examples/plugins/zscore-indicator.ts", "./examples/plugins/rsi-revert-strategy.ts", "./examples/plugins/file-quotes-vendor.ts"];
const dir = mkdtempSync(join(tmpdir(), "rk-plugins-"));
const quotes = join(dir, "quotes.json");
writeFileSync(quotes, JSON.stringify({ AAPL: 190.25, MSFT: { price: 410.5, size: 200 } }));
const closes = (bars: readonly Bar[]) => bars.map(b => b.close);
// Taken before any plug-in registers (the lists are live).
const BUILT_IN_KINDS = [...INDICATOR_KINDS];
const BUILT_IN_STRATEGIES = [...STRATEGY_NAMES];

describe("plug-ins", () => {
	before(async () => {
		await loadPlugins(EXAMPLES);
	});
	after(() => rmSync(dir, { recursive: true, force: true }));

	describe("the examples load and register under their names", () => {
		it("zscore, rsi-revert and file-quotes are known; loading again is a no-op", async () => {
			expect(loadedPlugins().map(p => [p.name, p.indicators, p.strategies, p.vendors])).to.deep.include.members([
				["example-zscore", ["zscore"], [], []],
				["example-rsi-revert", [], ["rsi-revert"], []],
				["example-file-quotes", [], [], ["file-quotes"]],
			]);
			expect(INDICATOR_KINDS).to.include("zscore");
			expect(STRATEGY_NAMES).to.include("rsi-revert");
			expect(createIndicator("zscore").columns).to.deep.equal(["zscore_20"]);
			expect(createVendor("desk", { type: "file-quotes", file: quotes } as never)).to.include({ type: "file-quotes", name: "desk", file: quotes });
			await loadPlugins(EXAMPLES);
		});

		it("config naming a plug-in's indicator, strategy and vendor validates once it is loaded", () => {
			const cfg = mergedConfig({ env: { ROOKERY_PLUGINS: EXAMPLES.join(",") }, args: {} });
			expect(cfg.plugins).to.deep.equal(EXAMPLES);
			cfg.analysis.indicators = [...cfg.analysis.indicators, "zscore:20"];
			cfg.analysis.strategies = [...cfg.analysis.strategies, "rsi-revert:14:30:70"];
			cfg.vendors = { ...cfg.vendors, desk: { type: "file-quotes", file: quotes } as never };
			expect(() => validateConfig(cfg)).to.not.throw();
			cfg.analysis.indicators = [...cfg.analysis.indicators, "nope:3"];
			cfg.vendors = { ...cfg.vendors, other: { type: "nope" } as never };
			expect(() => validateConfig(cfg))
				.to.throw(ConfigError)
				.with.property("problems")
				.that.satisfies((p: string[]) => p.some(m => /nope:3/.test(m)) && p.some(m => /must be one of: .*file-quotes.*\(got 'nope'\)/.test(m)));
		});
	});

	describe("contract: the zscore example", () => {
		for (const [name, run] of indicatorContract({ spec: "zscore:5", batch: bars => [zscoreBatch(closes(bars), 5)], modules: [EXAMPLES[0]] })) it(name, run);
	});
	describe("contract: the rsi-revert example", () => {
		const batch = (bars: readonly Bar[]) => rsiRevertBatch(streamColumns(createIndicator("rsi:5"), bars)[0], 30, 70);
		for (const [name, run] of strategyContract({ spec: "rsi-revert:5:30:70", batch, modules: [EXAMPLES[1]] })) it(name, run);
	});
	describe("contract: the file-quotes example", () => {
		for (const [name, run] of vendorContract({ create: () => createVendor("desk", { type: "file-quotes", file: quotes } as never), broken: () => new FileQuotesVendor("desk", join(dir, "missing.json")), symbol: "MSFT" })) it(name, run);
		it("answers the file's quote with a versioned tick id, nothing for an unknown symbol, malformed JSON as a VendorError", async () => {
			const v = new FileQuotesVendor("desk", quotes, () => 1_700_000_000_000);
			const [item] = await v.fetch("market_data", "MSFT", new AbortController().signal);
			expect(item.tick).to.deep.include({ symbol: "MSFT", price: 410.5, size: 200, ts: 1_700_000_000_000 });
			expect(item.tick!.id).to.match(/^desk:MSFT:\d+(\.\d+)?$/);
			expect(await v.fetch("market_data", "ZZZ", new AbortController().signal)).to.deep.equal([]);
			const bad = join(dir, "bad.json");
			writeFileSync(bad, "{nope");
			const err = await new FileQuotesVendor("desk", bad).fetch("market_data", "MSFT", new AbortController().signal).catch(e => e);
			expect(err).to.include({ name: "VendorError", kind: "malformed" });
		});
	});

	describe("contract: built-ins pass the same suite", () => {
		// Every built-in kind (its first oracle case; TA-Lib is the batch formula) and every built-in strategy.
		const kinds = new Set<string>();
		for (const [spec, batch] of ORACLE_CASES) {
			const kind = spec.split(":")[0];
			if (kinds.has(kind)) continue;
			kinds.add(kind);
			for (const [name, run] of indicatorContract({ spec, batch })) it(name, run);
		}
		it("covers every built-in indicator kind", () => expect([...kinds].sort()).to.deep.equal(BUILT_IN_KINDS.sort()));
		for (const spec of BUILT_IN_STRATEGIES) for (const [name, run] of strategyContract({ spec })) it(name, run);
		for (const [name, run] of vendorContract({ create: () => new SyntheticVendor("synthetic", { seed: 1 }), symbol: "AAPL" })) it(name, run);
	});

	describe("a bad plug-in fails loudly and registers nothing", () => {
		const write = (name: string, body: string) => {
			const file = join(dir, name);
			writeFileSync(file, body);
			return file;
		};
		const refused = async (file: string, message: RegExp) => {
			const before = [...INDICATOR_KINDS];
			const err = await loadPlugin(file).catch(e => e);
			expect(err).to.be.instanceOf(PluginError);
			expect(err.message).to.match(message);
			expect(err.message).to.include(file);
			expect([...INDICATOR_KINDS]).to.deep.equal(before);
		};
		const ind = (kind: string) => `{ kind: "${kind}", defaults: [3], make: () => { throw new Error("never built") } }`;

		it("another apiVersion", () => refused(write("v2.mjs", `export default { apiVersion: 2, name: "v2", indicators: [${ind("v-two")}] }`), /apiVersion 2 is not supported \(this Rookery speaks plug-in API 1\)/));
		it("no default export", () => refused(write("none.mjs", "export const x = 1;"), /the default export must be a plug-in object .* got undefined/));
		it("a bad shape: name missing, make not a function", () =>
			refused(write("shape.mjs", `export default { apiVersion: 1, indicators: [{ kind: "shape-a", defaults: [3], make: 3 }] }`), /'name' field is required.*'indicators\[0\]\.make' field must be a function/));
		it("a name clash with a built-in, and a name given twice (nothing of it registered)", () =>
			refused(
				write("clash.mjs", `export default { apiVersion: 1, name: "clash", indicators: [${ind("fresh-one")}, ${ind("sma")}, ${ind("dup")}, ${ind("dup")}] }`),
				/indicator kind "sma" already exists; indicator kind "dup" is given twice/,
			));
		it("a clash with another plug-in", () => refused(write("clash2.mjs", `export default { apiVersion: 1, name: "clash2", strategies: [{ name: "rsi-revert", make() {} }] }`), /strategy "rsi-revert" already exists/));
		it("a module that throws while loading, or is missing", async () => {
			await refused(write("throws.mjs", `throw new Error("boom at import")`), /cannot be imported \(boom at import\)/);
			await refused(join(dir, "missing.mjs"), /cannot be imported/);
		});
		it("a malformed kind name", () => refused(write("kind.mjs", `export default { apiVersion: 1, name: "kind", indicators: [${ind("Bad_Kind")}] }`), /indicators\[0\]\.kind/));
	});

	it("the contract's series are deterministic and hold the edge cases (flat stretches, zero volume)", () => {
		const a = contractBars(5, 200);
		expect(a).to.deep.equal(contractBars(5, 200));
		expect(a.filter(b => b.high === b.low).length).to.be.greaterThan(5);
		expect(a.some(b => b.volume === 0)).to.equal(true);
	});
});
