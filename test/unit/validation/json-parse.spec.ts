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
	return secureJson.parse(text, null, { protoAction: "error", constructorAction: "error" });
}

function expectSame(text: string, maxDepth: number): void {
	const label = `${JSON.stringify(text.slice(0, 200))} (length ${text.length}), depth ${maxDepth}`;
	expectSameOutcome(
		outcome(() => parseJson(text, maxDepth)),
		outcome(() => scanFirst(text, maxDepth)),
		label,
	);
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
		} finally {
			JSON.parse = parse;
		}
	});
});
