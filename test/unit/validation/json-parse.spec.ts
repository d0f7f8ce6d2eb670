/**
 * parseJson: a short text is parsed first and its depth checked on the value; the answer is the
 * one of a depth scan of the text followed by secure-json-parse (how parseJson read every text
 * before), value, key order and refusals alike.
 */
import { expect } from "chai";
import fc from "fast-check";
import secureJson from "secure-json-parse";
import { PARSE_FIRST_LENGTH, depthBeyond, parseJson } from "../../../lib/validation/json.ts";
import { JsonRefusedError } from "../../../lib/protocol/errors.ts";
import { editedJson, expectSameOutcome, outcome } from "../../helpers/json-outcome.ts";

/** The scan, then secure-json-parse: parseJson's answer for every text before short ones were parsed first. */
function scanFirst(text: string, maxDepth: number): unknown {
	if (depthBeyond(text, maxDepth) >= 0) throw new JsonRefusedError("depth", "too deep");
	try {
		return secureJson.parse(text, null, { protoAction: "error", constructorAction: "error" });
	} catch (err) {
		if ((err as Error).message === "Object contains forbidden prototype property") throw new JsonRefusedError("prototype-key", "poisoned");
		throw err;
	}
}

function expectSame(text: string, maxDepth: number): void {
	const label = `${JSON.stringify(text.slice(0, 200))} (length ${text.length}), depth ${maxDepth}`;
	const want = outcome(() => scanFirst(text, maxDepth));
	const got = outcome(() => parseJson(text, maxDepth));
	if ("error" in want && want.error === "refused depth" && !("error" in got && got.error === "refused depth")) {
		// The one difference: in a short text the limit is on the value JSON.parse keeps. Then what
		// it kept is within the limit, and the answer is the scan-first one without the limit.
		expect(text.length, label).to.be.at.most(PARSE_FIRST_LENGTH);
		const kept = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text) as unknown;
		expect(depthBeyond(JSON.stringify(kept), maxDepth), label).to.equal(-1);
		return expectSameOutcome(
			got,
			outcome(() => scanFirst(text, Infinity)),
			label,
		);
	}
	expectSameOutcome(got, want, label);
}

/** A valid text with a few tokens inserted, deleted or replaced: mostly malformed, some too deep or poisoned. */
const edited = editedJson(["", ",", ":", "[", "]", "{", "}", "[[[[", '"', "\\", " ", '"__proto__":1', '"\\u005f_proto__":{}', '"constructor":{"prototype":1}', "\ufeff"], 0, 3);

/** A valid text holding a prototype key (plain or escaped) or `constructor.prototype` somewhere inside. */
const poisoned = fc.tuple(fc.json({ depthSize: "small" }), fc.constantFrom('"__proto__"', '"\\u005f_proto__"', '"constructor"', '"constructor"'), fc.json({ depthSize: "small" }), fc.nat(3)).map(([a, key, b, nest]) => {
	const member = key === '"constructor"' ? `{${key}:{"prototype":${b}}}` : `{${key}:${b}}`;
	return `${"[".repeat(nest)}[${a},${member}]${"]".repeat(nest)}`;
});

describe("validation: parseJson", () => {
	it("answers a short text as the scan before the parse did: value, key order, too deep, malformed, prototype keys", () => {
		const kinds = new Map<string, number>();
		fc.assert(
			fc.property(fc.oneof(edited, poisoned), fc.integer({ min: 0, max: 5 }), fc.boolean(), (text, maxDepth, bom) => {
				const t = bom ? `\ufeff${text}` : text;
				expectSame(t, maxDepth);
				const o = outcome(() => parseJson(t, maxDepth));
				const kind = "error" in o ? o.error : "value";
				kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
			}),
			{ numRuns: 4000 },
		);
		// Each answer was given often enough for the property to mean something.
		for (const kind of ["value", "syntax", "refused depth", "refused prototype-key"]) expect(kinds.get(kind) ?? 0, `${kind}: ${JSON.stringify([...kinds])}`).to.be.above(40);
	});

	it("puts the limit on the value a short text keeps: a deep value under a repeated key is dropped, not refused", () => {
		const deep = `${"[".repeat(70)}${"]".repeat(70)}`;
		expect(parseJson(`{"a":${deep},"a":1}`)).to.deep.equal({ a: 1 });
		expect(outcome(() => parseJson(`{"__proto__":${deep},"__proto__":1}`))).to.deep.equal({ error: "refused prototype-key" });
		// The kept value is what counts, whichever copy of the key is deep.
		expect(outcome(() => parseJson(`{"a":1,"a":${deep}}`))).to.deep.equal({ error: "refused depth" });
		// A long text is scanned first: everything in it counts.
		expect(outcome(() => parseJson(`{"a":${deep},"a":1}${" ".repeat(PARSE_FIRST_LENGTH)}`))).to.deep.equal({ error: "refused depth" });
	});

	it("refuses too deep before malformed and before a prototype key, short or long", () => {
		const pad = " ".repeat(PARSE_FIRST_LENGTH);
		for (const tail of ["", pad]) {
			expect(outcome(() => parseJson(`${"[".repeat(65)}${"]".repeat(65)}${tail}`))).to.deep.equal({ error: "refused depth" });
			expect(outcome(() => parseJson(`${"[".repeat(64)}${"]".repeat(64)}${tail}`))).to.have.property("value");
			expect(outcome(() => parseJson(`[}${"[".repeat(70)}${tail}`))).to.deep.equal({ error: "refused depth" });
			expect(outcome(() => parseJson(`{"__proto__":${"[".repeat(70)}${"]".repeat(70)}}${tail}`))).to.deep.equal({ error: "refused depth" });
			expect(outcome(() => parseJson(`{"a":[{"__proto__":{"admin":true}}]}${tail}`))).to.deep.equal({ error: "refused prototype-key" });
			expect(outcome(() => parseJson(`[1,2${tail}`))).to.deep.equal({ error: "syntax" });
		}
	});

	it("throws a malformed text's SyntaxError without a stack, as secure-json-parse did, and leaves the stack limit as it was", () => {
		const before = Error.stackTraceLimit;
		Error.stackTraceLimit = 17;
		try {
			let err: unknown;
			try {
				parseJson('{"a":');
			} catch (e) {
				err = e;
			}
			expect(err).to.be.instanceOf(SyntaxError);
			expect((err as Error).stack).to.not.match(/\n\s+at /);
			expect(Error.stackTraceLimit).to.equal(17);
			parseJson('{"a":1}');
			expect(Error.stackTraceLimit).to.equal(17);
		} finally {
			Error.stackTraceLimit = before;
		}
	});

	it("takes the scan first for a text over the limit, the parse first up to it", () => {
		// 40,000 nested arrays fit in a long text only: its refusal comes from the scan, before any parse.
		const deep = "[".repeat(40_000) + "]".repeat(40_000);
		expect(deep.length).to.be.above(PARSE_FIRST_LENGTH);
		const parse = JSON.parse;
		let parsed = 0;
		JSON.parse = ((text: string, reviver?: (this: unknown, key: string, value: unknown) => unknown) => (parsed++, parse(text, reviver))) as typeof JSON.parse;
		try {
			expect(outcome(() => parseJson(deep))).to.deep.equal({ error: "refused depth" });
			expect(parsed).to.equal(0);
			expect(outcome(() => parseJson("[".repeat(100) + "]".repeat(100)))).to.deep.equal({ error: "refused depth" });
			expect(parsed).to.equal(1);
			// At the limit the parse comes first, one code unit past it the scan.
			const nested = "[".repeat(70) + "]".repeat(70);
			const at = nested + " ".repeat(PARSE_FIRST_LENGTH - nested.length);
			expect(outcome(() => parseJson(at))).to.deep.equal({ error: "refused depth" });
			expect(parsed).to.equal(2);
			expect(outcome(() => parseJson(`${at} `))).to.deep.equal({ error: "refused depth" });
			expect(parsed).to.equal(2);
		} finally {
			JSON.parse = parse;
		}
	});
});
