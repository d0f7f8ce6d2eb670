/**
 * How many symbols change owner when a node joins or leaves: Moleculer's built-in `Shard` strategy
 * (moleculer issue #722) against rendezvous hashing (lib/routing/rendezvous.ts). The ideal is
 * 1/(N+1) of the keys on a join and 1/N on a leave; anything above that is needless actor moves.
 * Also checks the spread (max/min keys per node). Prints a table; writes bench/results/placement.json.
 */
import { writeFileSync, mkdirSync } from "node:fs";
import { Strategies } from "moleculer";
import { rendezvousOwner } from "../lib/routing/rendezvous.ts";

const SYMBOLS = Array.from({ length: 10_000 }, (_, i) => `SYM${i}`);

type Placer = (nodes: string[]) => (key: string) => string;

/** Moleculer's own ShardStrategy class, driven the way the registry drives it. */
const shard: Placer = nodes => {
	const Shard = Strategies.Shard as unknown as new (registry: unknown, broker: unknown, opts: object) => { select(list: Array<{ id: string }>, ctx: { params: object }): { id: string } };
	const s = new Shard({}, { localBus: { on() {} } }, { shardKey: "symbol", cacheSize: 100_000 });
	const list = nodes.map(id => ({ id }));
	return key => s.select(list, { params: { symbol: key } }).id;
};
const rendezvous: Placer = nodes => key => rendezvousOwner(key, nodes)!;

function measure(place: Placer, before: string[], after: string[]) {
	const a = place(before);
	const b = place(after);
	let moved = 0;
	const perNode = new Map<string, number>();
	for (const k of SYMBOLS) {
		const o = b(k);
		if (a(k) !== o) moved++;
		perNode.set(o, (perNode.get(o) ?? 0) + 1);
	}
	const counts = [...perNode.values()];
	return { moved: moved / SYMBOLS.length, spread: Math.max(...counts) / Math.min(...counts) };
}

const nodes = (n: number) => Array.from({ length: n }, (_, i) => `node-${i + 1}`);
const cases = [
	{ change: "join 2→3", before: nodes(2), after: nodes(3), ideal: 1 / 3 },
	{ change: "join 3→4", before: nodes(3), after: nodes(4), ideal: 1 / 4 },
	{ change: "leave 4→3 (last)", before: nodes(4), after: nodes(3), ideal: 1 / 4 },
	{ change: "leave 4→3 (first)", before: nodes(4), after: nodes(4).slice(1), ideal: 1 / 4 },
	{ change: "join 9→10", before: nodes(9), after: nodes(10), ideal: 1 / 10 },
];
const rows = cases.map(c => {
	const s = measure(shard, c.before, c.after);
	const r = measure(rendezvous, c.before, c.after);
	return {
		change: c.change,
		ideal: `${(c.ideal * 100).toFixed(1)} %`,
		"Shard moved": `${(s.moved * 100).toFixed(1)} %`,
		"rendezvous moved": `${(r.moved * 100).toFixed(1)} %`,
		"Shard / ideal": (s.moved / c.ideal).toFixed(2),
		"rendezvous / ideal": (r.moved / c.ideal).toFixed(2),
		"spread Shard": s.spread.toFixed(2),
		"spread rendezvous": r.spread.toFixed(2),
		raw: { shard: s, rendezvous: r, ideal: c.ideal },
	};
});
console.log(`placement of ${SYMBOLS.length} symbols: share of symbols that change owner on a membership change\n`);
console.table(rows.map(({ raw: _raw, ...r }) => r));
mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
writeFileSync(new URL("./results/placement.json", import.meta.url), JSON.stringify({ symbols: SYMBOLS.length, rows }, null, 2));
console.log("wrote bench/results/placement.json");
