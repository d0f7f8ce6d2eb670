/**
 * A node's rules follow the store: broadcast changes apply at once, and the periodic check loads
 * the whole set again only when it missed one (a version it never saw).
 */
import { expect } from "chai";
import { AlertStore, RulesSync } from "../../../lib/alerts/alert-store.ts";
import { AlertEngine } from "../../../lib/alerts/engine.ts";
import type { AlertRule } from "../../../lib/alerts/rule.ts";
import { MemoryKv } from "../../../lib/kv/memory-kv.ts";

const rule = (id: string): AlertRule => ({ id, name: id, owner: "o", condition: { source: "price", symbol: "AAPL", op: "gt", value: 1 }, severity: "low", cooldown_ms: 0, channels: [{ type: "ws" }], created_at: 0 });
const ids = (e: AlertEngine) => [...e.rules()].map(r => r.id).sort();

describe("lib/alerts RulesSync", () => {
	function setup() {
		const store = new AlertStore(new MemoryKv(), 86_400_000, Date.now);
		let loads = 0;
		const allRules = store.allRules.bind(store);
		store.allRules = () => (loads++, allRules());
		const engine = new AlertEngine();
		return { store, engine, sync: new RulesSync(store, engine), loads: () => loads };
	}

	it("applies broadcast changes and does not load the set again when it saw every version", async () => {
		const { store, engine, sync, loads } = setup();
		await store.putRule(rule("a"));
		await sync.check();
		expect(loads()).to.equal(1);
		for (const id of ["b", "c"]) sync.apply({ put: rule(id), version: await store.putRule(rule(id)) });
		sync.apply({ remove: "a", version: await store.deleteRule("a", "o") });
		expect(ids(engine)).to.deep.equal(["b", "c"]);
		expect(await sync.check()).to.equal(4);
		expect(loads()).to.equal(1);
	});

	it("loads the whole set again after a missed broadcast, to exactly the stored rules", async () => {
		const { store, engine, sync, loads } = setup();
		await sync.check();
		sync.apply({ put: rule("b"), version: await store.putRule(rule("b")) });
		// Changes made elsewhere whose broadcasts never came.
		await store.putRule(rule("x"));
		await store.putRule(rule("y"));
		await store.deleteRule("b", "o");
		expect(await sync.check()).to.equal(4);
		expect(loads()).to.equal(2);
		expect(ids(engine)).to.deep.equal(["x", "y"]);
		// Now in step: the next check loads nothing.
		await sync.check();
		expect(loads()).to.equal(2);
	});

	it("keeps a rule deleted while a load was under way deleted (the load read it before)", async () => {
		const { store, engine, sync } = setup();
		await sync.check();
		await store.putRule(rule("r")); // missed: the next check loads
		const allRules = store.allRules;
		let deleted = false;
		store.allRules = async () => {
			const rules = await allRules();
			// Another node deletes r after this load read it; its broadcast arrives during the load.
			sync.apply({ remove: "r", version: await store.deleteRule("r", "o") });
			deleted = true;
			return rules;
		};
		await sync.check();
		expect(deleted).to.equal(true);
		expect(ids(engine)).to.deep.equal([]);
		store.allRules = allRules;
		await sync.check();
		expect(ids(engine)).to.deep.equal([]);
	});

	it("applies broadcasts from two nodes that arrive out of order by version, per rule", async () => {
		const { store, engine, sync } = setup();
		await sync.check();
		const v1 = await store.putRule(rule("r"));
		const v2 = await store.deleteRule("r", "o");
		sync.apply({ remove: "r", version: v2 });
		sync.apply({ put: rule("r"), version: v1 });
		expect(ids(engine)).to.deep.equal([]);
		await sync.check();
		expect(ids(engine)).to.deep.equal([]);
	});

	it("puts a large set into the engine over several turns, not in one", async () => {
		const { store, engine, sync } = setup();
		for (let i = 0; i < 5000; i++) await store.putRule(rule(`r${i}`));
		let turns = 0;
		const ticker = setInterval(() => turns++, 0);
		const put = engine.put.bind(engine);
		// A slow put (~4 µs of work each) so the 5 ms budget is spent several times over.
		engine.put = r => {
			const until = performance.now() + 0.004;
			while (performance.now() < until);
			put(r);
		};
		await sync.check();
		clearInterval(ticker);
		expect(ids(engine)).to.have.length(5000);
		expect(turns, "timers ran while the rules were loaded").to.be.greaterThan(1);
	});
});
