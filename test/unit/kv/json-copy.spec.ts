import { expect } from "chai";
import fc from "fast-check";
import { checkHandOver, jsonCopy, keep, keepHandedOver, load, MAX_COPY_DEPTH, NOT_PLAIN } from "../../../lib/kv/json-copy.ts";

/** What the stores gave back before: the value through JSON text, or the error JSON throws. */
function roundTrip(value: unknown): { value: unknown } | { error: string } {
	try {
		return { value: JSON.parse(JSON.stringify(value)) as unknown };
	} catch (err) {
		return { error: (err as Error).name };
	}
}
function kept(value: unknown): { value: unknown } | { error: string } {
	try {
		return { value: load(keep(value)) };
	} catch (err) {
		return { error: (err as Error).name };
	}
}

class Point {
	constructor(
		readonly x: number,
		readonly y: number,
	) {}
}
const nested = (depth: number): unknown => (depth === 0 ? 1 : { a: [nested(depth - 1)] });

describe("lib/kv/json-copy", () => {
	it("keep then load gives what JSON.stringify then JSON.parse gives, on any value (fast-check)", () => {
		fc.assert(
			fc.property(fc.anything({ withBoxedValues: true, withMap: true, withSet: true, withNullPrototype: true, withObjectString: true, withSparseArray: true, withTypedArray: true, withDate: true, withBigInt: true }), v => {
				expect(kept(v)).to.deep.equal(roundTrip(v));
			}),
			{ numRuns: 2000 },
		);
	});

	it("keep then load gives JSON's answer on the values JSON changes or refuses", () => {
		const toJSON = { toJSON: () => ({ replaced: true }), other: 1 };
		const cycle: Record<string, unknown> = { a: 1 };
		cycle.self = cycle;
		const inherited = Object.create({ fromProto: 1 }) as Record<string, unknown>;
		inherited.own = 2;
		const protoKey = JSON.parse('{"__proto__": {"polluted": true}, "b": 1}') as unknown;
		const withAccessor = Object.defineProperty({ a: 1 }, "hidden", { value: 2, enumerable: false });
		const cases: unknown[] = [
			-0,
			[-0, NaN, Infinity, -Infinity],
			{ a: -0, b: NaN, c: Infinity, u: undefined, f: () => 1, s: Symbol("s") },
			// The same numbers in an object with nothing JSON leaves out (copied by clone, not key by key).
			{ a: -0, b: NaN, c: -Infinity, d: 1.5, e: "x", n: null, t: true, o: { z: -0 } },
			{ a: 1, [Symbol("key")]: 2, n: { [Symbol("inner")]: 3, b: -0 } },
			{
				a: 1,
				get g() {
					return { n: -0 };
				},
				b: [NaN],
			},
			{ a: 1, b: { big: 1n } },
			[undefined, () => 1, Symbol("s")],
			// eslint-disable-next-line no-sparse-arrays
			[1, , 3],
			{ 2: "b", 1: "a", z: 0, y: 1 },
			Object.assign(Object.create(null) as object, { a: 1 }),
			new Date(0),
			new Point(1, 2),
			{ p: new Point(1, 2) },
			toJSON,
			{ inner: toJSON },
			Object.assign([1, 2], { toJSON: () => "replaced" }),
			{ list: Object.assign([1], { toJSON: () => 7 }) },
			new Map([[1, 2]]),
			new Float64Array([1.5, 2]),
			{ big: 1n },
			cycle,
			inherited,
			protoKey,
			withAccessor,
			nested(MAX_COPY_DEPTH - 1),
			nested(MAX_COPY_DEPTH + 5),
			"\ud800 lone surrogate",
			null,
			undefined,
			() => 1,
			Symbol("top"),
		];
		cases.forEach((v, i) => expect(kept(v), `case ${i}`).to.deep.equal(roundTrip(v)));
		// The own __proto__ key stays a key, and no prototype is set.
		const back = load<Record<string, unknown>>(keep(protoKey));
		expect(Object.getPrototypeOf(back)).to.equal(Object.prototype);
		expect(Object.hasOwn(back, "__proto__")).to.equal(true);
	});

	it("copies own keys only, as JSON does, when Object.prototype has an enumerable key", () => {
		const value = { a: 1, nested: { b: [{ c: 2 }] } };
		Object.defineProperty(Object.prototype, "polluted", { value: "x", enumerable: true, configurable: true, writable: true });
		try {
			const kept = keep(value);
			expect(Object.keys(kept as object)).to.deep.equal(["a", "nested"]);
			expect(JSON.stringify(load(kept))).to.equal(JSON.stringify(value));
			expect(Object.hasOwn(load<{ nested: object }>(kept).nested, "polluted")).to.equal(false);
		} finally {
			delete (Object.prototype as { polluted?: string }).polluted;
		}
	});

	it("copies plain data, and only plain data, without text", () => {
		expect(jsonCopy({ a: [1, { b: "x" }], n: null })).to.deep.equal({ a: [1, { b: "x" }], n: null });
		for (const v of [new Date(0), { p: new Point(1, 2) }, { big: 1n }, nested(MAX_COPY_DEPTH + 1), undefined, () => 1]) expect(jsonCopy(v)).to.equal(NOT_PLAIN);
	});

	it("what is kept does not change when the caller changes its value, or a reader its copy", () => {
		const tick = { symbol: "AAPL", price: 1, tags: ["a"] };
		const stored = keep(tick);
		tick.price = 2;
		tick.tags.push("b");
		const read = load<typeof tick>(stored);
		expect(read).to.deep.equal({ symbol: "AAPL", price: 1, tags: ["a"] });
		read.price = 3;
		read.tags.push("c");
		expect(load(stored)).to.deep.equal({ symbol: "AAPL", price: 1, tags: ["a"] });
		// The same for a value kept as text.
		const dated = { at: new Date(0) };
		const storedText = keep(dated);
		dated.at.setTime(1);
		expect(load(storedText)).to.deep.equal({ at: "1970-01-01T00:00:00.000Z" });
	});

	it("keeps a handed-over value as it is, and reads give what JSON gives back, on any value (fast-check)", () => {
		fc.assert(
			fc.property(
				fc.jsonValue(),
				fc.anything({ withBoxedValues: true, withMap: true, withSet: true, withNullPrototype: true, withObjectString: true, withSparseArray: true, withTypedArray: true, withDate: true, withBigInt: true }),
				(json, any) => {
					for (const value of [json, any]) {
						// A value JSON makes no text of is kept as keep keeps it (tested above).
						if (value === undefined || typeof value === "function" || typeof value === "symbol") continue;
						const expected = roundTrip(value);
						// Values JSON cannot write are refused (test/setup.ts's check; kept, they would throw at the read).
						if ("error" in expected) {
							expect(() => keepHandedOver(value)).to.throw();
							continue;
						}
						const stored = keepHandedOver(value);
						if (typeof value === "object" && value !== null) expect(stored).to.equal(value);
						expect(load(stored)).to.deep.equal(expected.value);
					}
				},
			),
			{ numRuns: 1000 },
		);
		// Not plain data: through JSON text at the read.
		expect(load(keepHandedOver({ at: new Date(0), p: new Point(1, 2), bad: NaN }))).to.deep.equal({ at: "1970-01-01T00:00:00.000Z", p: { x: 1, y: 2 }, bad: null });
	});

	it("freezes a handed-over value, deep, under the test suite, so a change after the hand-over throws", () => {
		// test/setup.ts (.mocharc.json `require`) sets ROOKERY_CHECK_HAND_OVER for the whole suite.
		expect(checkHandOver, "run the specs with the suite's .mocharc.json (it requires test/setup.ts)").to.equal(true);
		const tick = { symbol: "AAPL", price: 1, tags: ["a"], meta: { at: [{ n: 1 }] } };
		keepHandedOver(tick);
		expect(() => {
			tick.price = 2;
		}).to.throw(TypeError);
		expect(() => tick.tags.push("b")).to.throw(TypeError);
		expect(() => {
			tick.meta.at[0].n = 2;
		}).to.throw(TypeError);
		expect(tick).to.deep.equal({ symbol: "AAPL", price: 1, tags: ["a"], meta: { at: [{ n: 1 }] } });
	});
});
