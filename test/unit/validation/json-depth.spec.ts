/** depthBeyond: the fast scan agrees with a plain character-by-character scan on every input. */
import { expect } from "chai";
import { depthBeyond } from "../../../lib/validation/json.ts";

/** The reference: every character in turn, strings skipped with their escapes. */
function reference(text: string, max: number): number {
	let depth = 0;
	for (let i = 0; i < text.length; i++) {
		const c = text[i];
		if (c === '"') {
			for (i++; i < text.length; i++) {
				if (text[i] === "\\") i++;
				else if (text[i] === '"') break;
			}
		} else if (c === "{" || c === "[") {
			if (++depth > max) return depth;
		} else if (c === "}" || c === "]") depth--;
	}
	return -1;
}

describe("validation: depthBeyond", () => {
	it("finds the same first level beyond the limit as a plain scan, brackets and escapes in strings included", () => {
		// Code units whose low byte is a quote, a backslash or a bracket (Ż ś Ģ ŝ Ŝ Ž) are nothing to the scan.
		const alphabet = ['"', "\\", "\\", "[", "{", "]", "}", "a", ",", ":", "\u017b", "\u015b", "\u0122", "\u015d", "\u015c", "\u017d", "é"];
		let seed = 11;
		const rand = (n: number) => (seed = (seed * 16807) % 2147483647) % n;
		for (let k = 0; k < 20_000; k++) {
			let text = "";
			const len = rand(40);
			for (let i = 0; i < len; i++) text += alphabet[rand(alphabet.length)];
			const max = rand(4);
			expect(depthBeyond(text, max), JSON.stringify(text)).to.equal(reference(text, max));
		}
	});

	it("refuses deep nesting and ignores brackets inside strings", () => {
		expect(depthBeyond("[".repeat(65) + "]".repeat(65))).to.equal(65);
		expect(depthBeyond(`{"a":"${"[".repeat(100)}\\"[[["}`)).to.equal(-1);
		expect(depthBeyond(`["\\\\",[[]]]`, 2)).to.equal(3);
	});
});
