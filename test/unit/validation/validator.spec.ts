import { expect } from "chai";
import { Errors } from "moleculer";
import { Validator, describingErrors } from "../../../lib/validation/validator.ts";
import { DescribingParamsValidator } from "../../../middlewares/describing-params.validator.ts";

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
		const first = check(unprintable()) as Array<{ type: string; message: string }>;
		expect(first).to.have.length(1);
		expect(first[0].type).to.equal("invalid");
		expect(first[0].message).to.match(/could not be checked or described/);
		// A new array each time: Moleculer adds the node and action to each error it gets.
		expect(check(unprintable())).to.not.equal(first);
		expect(check(["fine"])).to.equal(true);
	});

	it("copies shared and cyclic references once, and keeps an own __proto__ key a key", () => {
		const check = new Validator({ haltOnFirstError: false }).compile({ n: "number" });
		// One unprintable object, held 1,000 times, holding the input again (a cycle).
		const shared: Record<string, unknown> = { toString: 1 };
		const value: Record<string, unknown> = { n: Array.from({ length: 1000 }, () => shared) };
		value.self = value;
		shared.back = value;
		const errors = check(value) as Array<{ field: string; actual: unknown[] }>;
		expect(errors.map(e => e.field)).to.deep.equal(["n"]);
		// Copied once: every place that held it holds the same copy.
		expect(new Set(errors[0].actual).size).to.equal(1);
		const poisoned = check(JSON.parse('{"n":[{"toString":1,"__proto__":{"x":1}}]}')) as Array<{ actual: Array<Record<string, unknown>> }>;
		expect(Object.getPrototypeOf(poisoned[0].actual[0])).to.equal(Object.prototype);
		expect(Object.hasOwn(poisoned[0].actual[0], "__proto__")).to.equal(true);
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

	it("gives Moleculer's params validation the same answers, through compile and validate", () => {
		const v = new DescribingParamsValidator();
		const check = v.compile({ n: "number" }) as (p: unknown) => unknown;
		expect((check({ n: unprintable() }) as Array<{ field: string }>)[0].field).to.equal("n");
		expect(() => v.validate({ n: unprintable() }, { n: "number" })).to.throw(Errors.ValidationError);
		expect(v.validate({ n: 1 }, { n: "number" })).to.equal(true);
	});
});
