/** What a JSON parse of ours answered, for differential tests: its value, or the kind of its refusal. */
import { expect } from "chai";
import fc from "fast-check";
import { JsonRefusedError } from "../../lib/protocol/errors.ts";

export type Outcome = { value: unknown } | { error: string };

export function outcome(parse: () => unknown): Outcome {
	try {
		return { value: parse() };
	} catch (err) {
		if (err instanceof JsonRefusedError) return { error: `refused ${err.reason}` };
		if (err instanceof SyntaxError) return { error: "syntax" };
		throw err;
	}
}

/** `got` gives `want`'s answer: the same refusal, or the same value with its keys in the same order. */
export function expectSameOutcome(got: Outcome, want: Outcome, label: string): void {
	if ("error" in want) return void expect(got, label).to.deep.equal(want);
	expect(got, label).to.have.property("value");
	const value = (got as { value: unknown }).value;
	// deep.equal tells -0 from 0; the text tells the key order.
	expect(value, label).to.deep.equal(want.value);
	expect(JSON.stringify(value), label).to.equal(JSON.stringify(want.value));
}

/** A valid JSON text with up to `maxEdits` of `tokens` inserted, or put in place of a character: mostly malformed. */
export function editedJson(tokens: string[], minEdits: number, maxEdits: number): fc.Arbitrary<string> {
	return fc.tuple(fc.json({ depthSize: "medium" }), fc.array(fc.tuple(fc.nat(), fc.constantFrom(...tokens), fc.boolean()), { minLength: minEdits, maxLength: maxEdits })).map(([text, edits]) => {
		let t = text;
		for (const [at, s, replace] of edits) {
			const i = t.length === 0 ? 0 : at % t.length;
			t = t.slice(0, i) + s + t.slice(replace ? i + 1 : i);
		}
		return t;
	});
}
