/** parseJsonBytes: the same answer as parseJson on the decoded text, whatever the pieces. */
import { expect } from "chai";
import fc from "fast-check";
import { parseJson } from "../../../lib/validation/json.ts";
import { JSON_PIECE_BYTES, counted, parseJsonBytes } from "../../../lib/validation/json-bytes.ts";
import { type Outcome, editedJson, expectSameOutcome, outcome } from "../../helpers/json-outcome.ts";

/** What parseJson says of the body's text (body-parser decoded it and dropped a BOM). */
function reference(bytes: Buffer, maxDepth: number): Outcome {
	const from = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
	return outcome(() => parseJson(bytes.toString("utf8", from), maxDepth));
}

function expectSame(bytes: Buffer, piece: number, maxDepth = 64): void {
	expectSameOutcome(
		outcome(() => parseJsonBytes(bytes, maxDepth, piece)),
		reference(bytes, maxDepth),
		`${JSON.stringify(bytes.toString())} in pieces of ${piece}`,
	);
}

/** JSON text with whitespace of every kind between tokens. */
const spaced = fc.tuple(fc.json({ depthSize: "medium" }), fc.array(fc.constantFrom(" ", "\n", "\t", "\r", "  "), { minLength: 1, maxLength: 4 })).map(([text, spaces]) => {
	let k = 0;
	return text.replace(/([,:[\]{}])/g, (_m, c: string) => spaces[k++ % spaces.length] + c + spaces[k % spaces.length]);
});

/** A valid text with a few characters inserted, deleted or replaced: mostly malformed JSON. */
const mutated = editedJson(["", ",", ":", "[", "]", "{", "}", '"', "\\", " ", "1", '"a"', "__proto__", '"constructor":{"prototype":1}'], 1, 3);

/** Strings made of the bytes a cut looks at, so that a guessed cut often falls inside one. */
const trickyString = fc.string({ unit: fc.constantFrom("}", ",", "{", "]", "[", '"', "\\", ":", "a", " "), maxLength: 4 });
/** Keys before the big array: no `[`, which would end the guess before it starts. */
const headString = fc.string({ unit: fc.constantFrom("a", "b", '"', "\\", "{", ","), maxLength: 3 });
const trickyValue = fc.letrec(tie => ({
	value: fc.oneof({ depthSize: "small" }, trickyString, fc.integer(), fc.constant(null), fc.array(tie("value"), { maxLength: 2 }), fc.dictionary(trickyString, tie("value"), { maxKeys: 3 })),
})).value;

/**
 * The shapes `guess` cuts: an array, or an object whose last member is an array, of objects or
 * of any values, with whitespace around the commas (sometimes), and in half of them a byte changed.
 */
const guessable = fc
	.tuple(
		fc.array(fc.oneof(fc.dictionary(trickyString, trickyValue, { maxKeys: 3 }), trickyValue), { minLength: 1, maxLength: 16 }),
		fc.dictionary(headString, fc.oneof(headString, fc.integer()), { maxKeys: 2 }),
		fc.option(headString, { nil: undefined }),
		fc.constantFrom(",", ", ", " ,\n "),
		fc.array(fc.tuple(fc.nat(), fc.constantFrom("", ",", "[", "]", "{", "}", '"', " "), fc.boolean()), { maxLength: 1 }),
	)
	.map(([elements, head, key, comma, edits]) => {
		const array = `[${elements.map(e => JSON.stringify(e)).join(comma)}]`;
		let t = key === undefined ? array : `${JSON.stringify(head).slice(0, -1)}${Object.keys(head).length > 0 ? "," : ""}${JSON.stringify(key)}:${array}}`;
		for (const [at, s, replace] of edits) {
			const i = at % t.length;
			t = t.slice(0, i) + s + t.slice(replace ? i + 1 : i);
		}
		return t;
	});

describe("validation: parseJsonBytes", () => {
	it("parses valid JSON as parseJson does, in pieces of any size", () => {
		fc.assert(
			fc.property(spaced, fc.integer({ min: 1, max: 48 }), (text, piece) => expectSame(Buffer.from(text), piece)),
			{ numRuns: 3000 },
		);
	});

	it("refuses or rejects malformed JSON as parseJson does", () => {
		fc.assert(
			fc.property(mutated, fc.integer({ min: 1, max: 32 }), fc.integer({ min: 1, max: 6 }), (text, piece, depth) => expectSame(Buffer.from(text), piece, depth)),
			{ numRuns: 5000 },
		);
	});

	it("cuts arrays of elements without a scan as parseJson parses them, wrong guesses included", () => {
		const before = { ...counted };
		fc.assert(
			fc.property(guessable, fc.integer({ min: 8, max: 64 }), fc.integer({ min: 2, max: 8 }), (text, piece, depth) => expectSame(Buffer.from(text), piece, depth)),
			{ numRuns: 6000 },
		);
		// Both paths were taken: cuts that held, and guesses given up to the scan.
		expect(counted.guessed - before.guessed).to.be.greaterThan(300);
		expect(counted.scanned - before.scanned).to.be.greaterThan(300);
	});

	it("takes a guessed cut only where the text bears it out", () => {
		const elements = "1,2,3,4,5,6,7,8,9";
		const cases = [
			// A piece of whitespace only parses (`[ ]`); the list around it does not.
			"[1,2,3,  ,4,5,6,7,8]",
			`{"a":1,"t":[1,2,3,  ,4,5]}`,
			// Cuts that fall inside strings, and the `},{` of a string.
			'[{"a":"},{"},{"b":"x,y"},{"c":"},{"},{"d":1}]',
			// The first `[` in a string, or an array before the last member, or after the last one.
			`{"s":"[","t":[${elements}]}`,
			`{"a":[${elements}],"b":[${elements}]}`,
			`{"a":[${elements}],"b":1}`,
			`{"a":[${elements}] , "b":[1]}`,
			// Keys with escaped quotes and backslashes, a repeated key, a prototype key.
			`{"k\\"q\\\\":[${elements}]}`,
			`{"\\"":[${elements}]}`,
			`{"\\\\":[${elements}]}`,
			`{"t":0,"u":1,"t":[${elements}]}`,
			`{"a":{"b":"c"},"t" : [${elements}]}`,
			// Too deep inside an element, and at the limit.
			`[${elements},[[[[[[[[1]]]]]]]]]`,
			`{"t":[${elements},[[[[[[1]]]]]]]}`,
			`{"h":{"a":{"b":{"c":{"d":{"e":{"f":{"g":{}}}}}}}},"t":[${elements}]}`,
		];
		for (const text of cases)
			for (const piece of [...Array.from({ length: 24 }, (_, i) => i + 1), 64, 100]) {
				expectSame(Buffer.from(text), piece, 8);
				expectSame(Buffer.from(text), piece);
			}
	});

	it("refuses a guessed body at the first piece that nests too deep, not after parsing the rest", () => {
		const deep = `${"[".repeat(70)}${"]".repeat(70)}`;
		const rest = Array.from({ length: 2000 }, (_, i) => `{"i":${i}}`).join(",");
		const parse = JSON.parse;
		for (const text of [`[1,${deep},${rest}]`, `{"t":[1,${deep},${rest}]}`]) {
			const texts: string[] = [];
			JSON.parse = ((t: string, reviver?: Parameters<typeof parse>[1]) => (texts.push(t), parse(t, reviver))) as typeof JSON.parse;
			let got: Outcome;
			try {
				got = outcome(() => parseJsonBytes(Buffer.from(text), 64, 1024));
			} finally {
				JSON.parse = parse;
			}
			expect(got).to.deep.equal({ error: "refused depth" });
			// The head (for the object) and the first piece; the body holds ~20 pieces.
			expect(texts.length, text.slice(0, 20)).to.be.at.most(2);
			expect(texts.every(t => t.length <= 1026)).to.equal(true);
		}
	});

	it("agrees on the cases at the edges of its groups", () => {
		const cases = [
			"[1,,2]",
			"[,1]",
			"[1,]",
			"[ , [1,2,3,4,5,6]]",
			'{"a":1,}',
			'{,"a":1}',
			'{"a" 1}',
			'{"a":1 "b":2}',
			"{1:[1,2,3,4,5,6,7]}",
			'{"a":[1,2,3,4,5,6,7] 1}',
			'{"a":[1,2,3,4,5,6,7]:1}',
			'{"a"::[1,2,3,4,5,6,7]}',
			`[${" ".repeat(40)}]`,
			`{${" ".repeat(40)}}`,
			"[1,2,3,4,5,6,7,8,9] ",
			"[1,2,3,4,5,6,7,8,9] [1]",
			"[1,2,3,4,5,6,7,8,9]]",
			"[1,2,3,4,5,6,7,8,9}",
			'["unterminated,1,2,3,4,5]',
			'{"a":{"b":[1,2,3,4,5,6,7,8],"c":"xxxxxxxxxxxxxxxxxxxxxxxx"},"d":"' + "é".repeat(30) + '"}',
			'{"big":"' + "x".repeat(40) + '","n":1}',
			'["' + "x".repeat(40) + '",2]',
			'{"a":1,"b":2,"a":[3,4,5,6,7,8,9,10]}',
			'{"2":1,"1":2,"b":[1,2,3,4,5,6,7,8,9],"0":3}',
			"[-0,1e400,0.1,[-0]]",
			// Big containers below the marked depth: parsed alone as their parent's element.
			'{"a":{"b":{"c":[1,2,3,4,5,6,7,8,9,10]},"d":[[[1,2,3,4,5,6,7,8,9]]]}}',
			'[[[1,2,3,4,5,6,7,8,9],[1,2,3,4,5,6,7,8,9]],[[{"x":[1,2,3,4,5,6,7,8,9]}]]]',
		];
		for (const text of cases) for (const piece of [1, 4, 8, 16]) expectSame(Buffer.from(text), piece);
	});

	it("refuses prototype keys wherever a piece boundary puts them", () => {
		const bodies = [
			'{"__proto__":[1,2,3,4,5,6,7,8,9]}',
			'{"a":1,"__proto__":{"x":1},"b":[1,2,3,4,5,6,7,8,9]}',
			'{"\\u005f_proto__":[1,2,3,4,5,6,7,8,9]}',
			'{"constructor":{"prototype":[1,2,3,4,5,6,7,8,9]}}',
			'[[1,2,3,4,5,6,7,8,9],{"constructor":{"prototype":1}}]',
			'{"x":[{"a":1},{"b":2},{"__proto__":3},{"c":4}]}',
			// An element, value or key longer than a piece is parsed alone: its text is tested too.
			`[${" ".repeat(40)}{"__proto__":{"polluted":true}}, 1]`,
			`[{"constructor":{"prototype":{"polluted":true}}}${" ".repeat(40)}, 1]`,
			`{"a":${" ".repeat(40)}{"__proto__":{"x":1}},"b":1}`,
			`{"${"k".repeat(40)}":{"__proto__":{"x":1}}}`,
			'[{"__proto__":1}          ,1]',
		];
		for (const text of bodies)
			for (const piece of [1, 4, 8, 20, 1000]) {
				expect(
					outcome(() => parseJsonBytes(Buffer.from(text), 64, piece)),
					`${text} / ${piece}`,
				).to.deep.equal({ error: "refused prototype-key" });
				expectSame(Buffer.from(text), piece);
			}
		// A constructor without a prototype is a key like any other.
		expect(parseJsonBytes(Buffer.from('{"constructor":[1,2,3,4,5,6,7,8,9]}'), 64, 4)).to.deep.equal({ constructor: [1, 2, 3, 4, 5, 6, 7, 8, 9] });
	});

	it("refuses deep nesting first, skips a BOM and decodes UTF-8 (bad bytes included) as the whole text would", () => {
		expect(outcome(() => parseJsonBytes(Buffer.from(`[${"[".repeat(70)}${"]".repeat(70)},1,2,3]`), 64, 4))).to.deep.equal({ error: "refused depth" });
		expect(outcome(() => parseJsonBytes(Buffer.from(`[}${"[".repeat(70)}`), 64, 4))).to.deep.equal({ error: "refused depth" });
		const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('[1,2,3,"é",{"a":"ü"},5,6]')]);
		expectSame(bom, 4);
		expect(parseJsonBytes(bom, 64, 4)).to.deep.equal([1, 2, 3, "é", { a: "ü" }, 5, 6]);
		const bad = Buffer.concat([Buffer.from('["a",'), Buffer.from([0xc3]), Buffer.from(',"b'), Buffer.from([0xe2, 0x82]), Buffer.from('",["'), Buffer.from([0xff, 0xfe]), Buffer.from('"]]')]);
		for (const piece of [1, 3, 6, 100]) expectSame(bad, piece);
	});

	it("parses a 5,000-tick body in pieces under the limit, as JSON.parse does", () => {
		const ticks = Array.from({ length: 5000 }, (_, i) => ({ symbol: ["AAPL", "MSFT"][i % 2], price: 100 + i / 100, size: i, ts: 1_765_000_000_000 + i, id: `t${i}` }));
		const text = JSON.stringify({ ticks });
		expect(text.length).to.be.greaterThan(4 * JSON_PIECE_BYTES);
		expect(parseJsonBytes(Buffer.from(text))).to.deep.equal({ ticks });
		expect(parseJsonBytes(Buffer.from(JSON.stringify(ticks)))).to.deep.equal(ticks);
	});
});
