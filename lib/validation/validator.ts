/**
 * fastest-validator's types declare an ES default export, but the package is CommonJS with
 * `module.exports = Validator`; under NodeNext the default import is the class itself.
 *
 * Its error messages put the bad value in with `String.replace`, which makes a string of it: an
 * array holding an object with a `toString` field that is not a function (`[{"toString": 1}]`, valid
 * JSON) makes that throw a TypeError, so a check of hostile input threw instead of answering
 * (fastest-validator 1.19.1 handles such an object only at the top: issue #235). Every check
 * compiled here, and Moleculer's for params (middlewares/describing-params.validator.ts), answers such input with
 * its errors all the same: `describingErrors`.
 */
import FastestValidator from "fastest-validator";

type ValidatorClass = typeof FastestValidator.default;
type CheckFunction = ReturnType<InstanceType<ValidatorClass>["compile"]>;

/** What a check answers when the values it refused cannot be described even in a copy (below): a new array each time, as callers add to the errors. */
const undescribable = () => [{ type: "invalid", field: "", message: "the input holds a value that could not be checked or described (an object whose 'toString' or 'valueOf' is not a function)" }];

/**
 * `check`, answering input whose refused values cannot be made strings with its errors: the check
 * runs again on a copy of the input in which each such object has no own `toString` / `valueOf`
 * (the errors' `actual` is then that copy). The first run threw, which a check of acceptable input
 * does not, so if the copy passes the input still does not: it gets an error, never `true`.
 */
export function describingErrors<F extends CheckFunction>(check: F): F {
	const refusedAnyway = (r: unknown) => (r === true ? undescribable() : r);
	const again = (err: unknown, value: unknown, opts: unknown) => {
		if (!(err instanceof TypeError)) throw err;
		const r = check(describable(value, new Map()), opts as never);
		return r instanceof Promise ? r.then(refusedAnyway) : refusedAnyway(r);
	};
	const describing = (value: unknown, opts?: unknown) => {
		let r: ReturnType<F>;
		try {
			r = check(value, opts as never) as ReturnType<F>;
		} catch (err) {
			return again(err, value, opts);
		}
		// An async check ($$async) rejects where a sync one throws.
		return r instanceof Promise ? r.catch((err: unknown) => again(err, value, opts)) : r;
	};
	return Object.assign(describing, { async: check.async }) as unknown as F;
}

/**
 * A copy of plain data (arrays, objects of Object.prototype or none) with no object that String()
 * cannot convert: one whose `toString` or `valueOf` is not a function loses those own keys. Other
 * values stay as they are. Each object is copied once (`seen`), so shared and cyclic references
 * (possible in params of internal calls) cost one copy, not one per path.
 */
function describable(value: unknown, seen: Map<object, unknown>): unknown {
	if (typeof value !== "object" || value === null) return value;
	const done = seen.get(value);
	if (done !== undefined) return done;
	if (Array.isArray(value)) {
		const out: unknown[] = [];
		seen.set(value, out);
		for (let i = 0; i < value.length; i++) out.push(describable(value[i], seen));
		return out;
	}
	const proto = Object.getPrototypeOf(value);
	if (proto !== Object.prototype && proto !== null) return value;
	const o = value as Record<string, unknown>;
	const unprintable = typeof o.toString !== "function" || typeof o.valueOf !== "function";
	const out: Record<string, unknown> = {};
	seen.set(value, out);
	for (const k of Object.keys(o)) {
		// defineProperty: an own `__proto__` key stays a key rather than setting the copy's prototype.
		if (!(unprintable && (k === "toString" || k === "valueOf"))) Object.defineProperty(out, k, { value: describable(o[k], seen), enumerable: true, writable: true, configurable: true });
	}
	return out;
}

class DescribingValidator extends (FastestValidator as unknown as ValidatorClass) {
	override compile(schema: Parameters<InstanceType<ValidatorClass>["compile"]>[0]): CheckFunction {
		return describingErrors(super.compile(schema));
	}
}

export const Validator = DescribingValidator as unknown as ValidatorClass;
export type Validator = InstanceType<ValidatorClass>;
