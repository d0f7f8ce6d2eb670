import { expect } from "chai";
import { Validator, describingErrors } from "../../../lib/validation/validator.ts";

/** An array holding an object whose `toString` is not a function: String() of it throws. */
const unprintable = () => [{ toString: 1 }, { valueOf: 2, toString: "x" }, "ok"];

describe("lib/validation/validator", () => {
	it("answers with errors where fastest-validator's message for a value threw", () => {
		const check = new Validator({ haltOnFirstError: false }).compile({ n: "number", s: "string" });
		const value = { n: unprintable(), s: 5 };
		expect(() => String(value.n)).to.throw(TypeError);
		const errors = check(value) as Array<{ field: string; type: string }>;
		expect(errors.map(e => [e.field, e.type])).to.deep.equal([
			["n", "number"],
			["s", "string"],
		]);
		// The input itself is left as it came.
		expect(value.n[0]).to.deep.equal({ toString: 1 });
	});

	it("never answers true for input the first run refused, even where its copy would pass", () => {
		// Like fastest-validator: refuses an array holding an object with an own toString, and puts
		// the array in its message with String.replace (which throws). Its copy has no such key.
		const refuseToString = (v: unknown) => {
			if (!(Array.isArray(v) && v.some(o => typeof o === "object" && o !== null && Object.hasOwn(o, "toString")))) return true;
			return [{ type: "custom", field: "a", message: "has {actual}".replace("{actual}", v as never) }];
		};
		const check = describingErrors(Object.assign(refuseToString, { async: false }) as never) as (v: unknown) => unknown;
		expect(() => refuseToString(unprintable())).to.throw(TypeError);
		expect(check(unprintable())).to.deep.equal([{ type: "invalid", field: "", message: "the input holds a value that cannot be described (an object with a non-function 'toString' or 'valueOf' inside an array)" }]);
		expect(check(["fine"])).to.equal(true);
	});

	it("passes on errors that are not a message's TypeError, and keeps a check's async flag", async () => {
		const failing = describingErrors(
			Object.assign(
				() => {
					throw new RangeError("not ours");
				},
				{ async: false },
			) as never,
		) as () => unknown;
		expect(() => failing()).to.throw(RangeError);
		const check = new Validator({ $$async: true } as never).compile({ $$async: true, n: "number" } as never);
		expect((check as { async?: boolean }).async).to.equal(true);
		expect(await (check as (v: unknown) => Promise<unknown>)({ n: unprintable() })).to.have.length(1);
	});
});
