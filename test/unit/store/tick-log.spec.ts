/** TickLog: reads give back what JSON's round trip of each entry gives, whatever was kept as columns. */
import v8 from "node:v8";
import vm from "node:vm";
import { expect } from "chai";
import fc from "fast-check";
import { keep } from "../../../lib/kv/json-copy.ts";
import { TickLog } from "../../../lib/store/tick-log.ts";

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

const SYM = "AAPL";
const num = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0, -0, 1e-320, Number.MAX_VALUE, NaN, Infinity, -Infinity), fc.integer());

/** Ticks in the usual key order (most of them kept as columns), and near misses that must not be. */
const entry = fc.oneof(
	{ weight: 6, arbitrary: fc.record({ symbol: fc.constant(SYM), price: num, size: num, ts: num, bid: num, ask: num, id: fc.string() }, { requiredKeys: ["symbol", "price", "size", "ts"] }) },
	{ weight: 1, arbitrary: fc.record({ symbol: fc.constantFrom("MSFT", SYM), price: fc.oneof(num, fc.string(), fc.constant(null)), size: num, ts: num, id: fc.oneof(fc.string(), fc.integer(), fc.constant(undefined)) }) },
	{ weight: 1, arbitrary: fc.record({ price: num, symbol: fc.constant(SYM), size: num, ts: num }) },
	{ weight: 1, arbitrary: fc.record({ symbol: fc.constant(SYM), price: num, size: num, ts: num, extra: fc.jsonValue() }) },
	{ weight: 1, arbitrary: fc.record({ symbol: fc.constant(SYM), price: num, size: num, ts: num, id: fc.string(), bid: num }) },
	{ weight: 1, arbitrary: fc.record({ symbol: fc.constant(SYM), price: num, size: num, ts: num, id: fc.string(), ask: num }) },
	{ weight: 1, arbitrary: fc.jsonValue() },
	{ weight: 1, arbitrary: fc.constant(new Date(0)) },
);

type Op = { push: unknown } | { drop: number } | { read: [number, number] } | { bound: number };
const op: fc.Arbitrary<Op> = fc.oneof(
	{ weight: 8, arbitrary: entry.map(push => ({ push })) },
	{ weight: 1, arbitrary: fc.nat(40).map(drop => ({ drop })) },
	{ weight: 2, arbitrary: fc.tuple(fc.nat(300), fc.nat(300)).map(read => ({ read })) },
	{ weight: 1, arbitrary: fc.nat(400).map(bound => ({ bound })) },
);

/** What JSON gives back for one value: the parse of its text, key order included. */
const roundTrip = (v: unknown) => {
	const text = JSON.stringify(v);
	return text === undefined ? undefined : JSON.parse(text);
};

describe("store: TickLog", () => {
	it("reads every entry as JSON's round trip of it, through pushes, trims and ranges", () => {
		fc.assert(
			fc.property(fc.array(op, { minLength: 40, maxLength: 400, size: "max" }), ops => {
				const log = new TickLog(SYM);
				const model: Array<{ seq: number; text: string }> = [];
				let seq = 0;
				for (const o of ops) {
					if ("push" in o) {
						seq += 1 + (seq % 3);
						log.append([{ seq: seq, data: o.push }], keep);
						model.push({ seq, text: JSON.stringify(o.push) });
					} else if ("drop" in o) {
						log.dropFirst(o.drop);
						model.splice(0, o.drop);
					} else if ("read" in o) {
						const [from, to] = o.read;
						const got = log.slice(from, to);
						const want = model.slice(from, to);
						expect(got.map(e => e.seq)).to.deep.equal(want.map(e => e.seq));
						// The text tells the key order and -0; deep.equal tells numbers apart.
						expect(got.map(e => JSON.stringify(e.data))).to.deep.equal(want.map(e => e.text));
						expect(got.map(e => e.data)).to.deep.equal(want.map(e => roundTrip(JSON.parse(e.text))));
					} else {
						const i = log.lowerBound(o.bound);
						const j = model.findIndex(e => e.seq >= o.bound);
						expect(i).to.equal(j < 0 ? model.length : j);
					}
					expect(log.length).to.equal(model.length);
				}
			}),
			{ numRuns: 200 },
		);
	});

	it("gives each read a copy of its own", () => {
		const log = new TickLog(SYM);
		log.append([{ seq: 1, data: { symbol: SYM, price: 1, size: 2, ts: 3, id: "a" } }], keep);
		log.append([{ seq: 2, data: { symbol: SYM, price: 1, size: 2, ts: 3, extra: { deep: [1] } } }], keep);
		const [a, b] = log.slice(0, 2) as Array<{ data: Record<string, unknown> }>;
		a.data.price = 99;
		(b.data.extra as { deep: number[] }).deep.push(2);
		expect(log.slice(0, 2).map(e => e.data)).to.deep.equal([
			{ symbol: SYM, price: 1, size: 2, ts: 3, id: "a" },
			{ symbol: SYM, price: 1, size: 2, ts: 3, extra: { deep: [1] } },
		]);
	});

	it("keeps 100,000 entries across chunks and trims them from the front, releasing what it dropped", () => {
		const log = new TickLog(SYM);
		for (let i = 1; i <= 100_000; i++) log.append([{ seq: i, data: i % 7 === 0 ? { other: i } : { symbol: SYM, price: i / 100, size: 1, ts: i, id: `t${i}` } }], keep);
		log.dropFirst(60_123);
		expect(log.length).to.equal(39_877);
		expect(log.slice(0, 2).map(e => e.seq)).to.deep.equal([60_124, 60_125]);
		expect(log.slice(39_875, 40_000)).to.deep.equal([
			{ seq: 99_999, data: { symbol: SYM, price: 999.99, size: 1, ts: 99_999, id: "t99999" } },
			{ seq: 100_000, data: { symbol: SYM, price: 1000, size: 1, ts: 100_000, id: "t100000" } },
		]);
		expect(log.slice(6, 7)[0]).to.deep.equal({ seq: 60_130, data: { other: 60_130 } });
		expect(log.lowerBound(60_200)).to.equal(76);
		log.dropFirst(1e9);
		expect([log.length, log.slice(0, 10), log.lowerBound(5)]).to.deep.equal([0, [], 0]);
		log.append([{ seq: 100_001, data: { symbol: SYM, price: 1, size: 1, ts: 1 } }], keep);
		expect(log.slice(0, 1)).to.deep.equal([{ seq: 100_001, data: { symbol: SYM, price: 1, size: 1, ts: 1 } }]);
	});

	it("lets go of what a trimmed entry held", async () => {
		const log = new TickLog(SYM);
		let held: object | null = { symbol: SYM, price: 1, size: 1, ts: 1, extra: "not a tick" };
		const ref = new WeakRef(held);
		// Handed over (kept as it is), as the actor's append does: the log holds the very object.
		log.append([{ seq: 1, data: held }], v => v);
		held = null;
		for (let i = 2; i <= 10; i++) log.append([{ seq: i, data: { symbol: SYM, price: i, size: 1, ts: i } }], keep);
		log.dropFirst(1);
		for (let i = 0; i < 3; i++) {
			gc();
			await new Promise(r => setImmediate(r));
		}
		expect(ref.deref(), "a trimmed entry's value").to.equal(undefined);
		expect(log.slice(0, 1)[0].seq).to.equal(2);
	});

	it("reads a tick's fields once, leaves one with a toJSON to JSON, and appends a batch whole or not at all", () => {
		const log = new TickLog(SYM);
		let reads = 0;
		const getter = { symbol: SYM, size: 1, ts: 1 } as Record<string, unknown>;
		Object.defineProperty(getter, "price", { enumerable: true, get: () => (++reads === 1 ? 5 : "changed") });
		// `price` defined last: not the usual key order, so it is kept as JSON reads it (once).
		const ordered = { symbol: SYM } as Record<string, unknown>;
		Object.defineProperty(ordered, "price", { enumerable: true, get: () => (++reads === 2 ? 6 : "changed") });
		Object.assign(ordered, { size: 1, ts: 1 });
		const redacted = { symbol: SYM, price: 1, size: 1, ts: 1 };
		Object.defineProperty(redacted, "toJSON", { value: () => ({ redacted: true }) });
		log.append(
			[
				{ seq: 1, data: getter },
				{ seq: 2, data: ordered },
				{ seq: 3, data: redacted },
			],
			keep,
		);
		expect(log.slice(0, 3).map(e => e.data)).to.deep.equal([{ symbol: SYM, size: 1, ts: 1, price: 5 }, { symbol: SYM, price: 6, size: 1, ts: 1 }, { redacted: true }]);
		expect(() =>
			log.append(
				[
					{ seq: 4, data: { symbol: SYM, price: 1, size: 1, ts: 1 } },
					{ seq: 5, data: { n: 1n } },
				],
				keep,
			),
		).to.throw(TypeError);
		expect([log.length, log.slice(2, 9).map(e => e.seq)]).to.deep.equal([3, [3]]);
	});
});
