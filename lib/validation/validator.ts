/**
 * fastest-validator's types declare an ES default export, but the package is CommonJS with
 * `module.exports = Validator`; under NodeNext the default import is the class itself.
 *
 * Its error messages put the bad value in with `String.replace`, which makes a string of it: an
 * array holding an object with a `toString` field that is not a function (`[{"toString": 1}]`, valid
 * JSON) makes that throw a TypeError, so a check of hostile input threw instead of answering
 * (fastest-validator 1.19.1 handles such an object only at the top: issue #235). Every check
 * compiled here, and Moleculer's (middlewares/describing.validator.ts), answers such input with
 * its errors all the same: `describingErrors`.
 */
import FastestValidator from "fastest-validator";
import { MAX_JSON_DEPTH } from "./json.ts";

type ValidatorClass = typeof FastestValidator.default;
type CheckFunction = ReturnType<InstanceType<ValidatorClass>["compile"]>;

/** What a check answers when the values it refused cannot be described even in a copy (below). */
const UNDESCRIBABLE = [{ type: "invalid", field: "", message: "the input holds a value that cannot be described (an object with a non-function 'toString' or 'valueOf' inside an array)" }];

/**
 * `check`, answering input whose refused values cannot be made strings with its errors: the check
 * runs again on a copy of the input in which each such object has no own `toString` / `valueOf`.
 * The first run found errors (the messages are made only then), so if the copy passes, the input
 * still does not: it gets UNDESCRIBABLE, never `true`.
 */
export function describingErrors<F extends CheckFunction>(check: F): F {
	const refusedAnyway = (r: unknown) => (r === true ? UNDESCRIBABLE : r);
	const again = (err: unknown, value: unknown, opts: unknown) => {
		if (!(err instanceof TypeError)) throw err;
		const r = check(describable(value, 0), opts as never);
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
 * A copy of plain input with no object that String() cannot convert: an object whose `toString`
 * is not a function loses its own `toString` and `valueOf` keys. Nesting past MAX_JSON_DEPTH (which
 * parsed input never has) becomes null.
 */
function describable(value: unknown, depth: number): unknown {
	if (typeof value !== "object" || value === null) return value;
	if (depth > MAX_JSON_DEPTH) return null;
	if (Array.isArray(value)) return value.map(v => describable(v, depth + 1));
	const o = value as Record<string, unknown>;
	const unprintable = typeof o.toString !== "function" || typeof o.valueOf !== "function";
	const out: Record<string, unknown> = {};
	for (const k of Object.keys(o)) if (!(unprintable && (k === "toString" || k === "valueOf"))) out[k] = describable(o[k], depth + 1);
	return out;
}

class DescribingValidator extends (FastestValidator as unknown as ValidatorClass) {
	override compile<T = unknown>(schema: Parameters<InstanceType<ValidatorClass>["compile"]>[0]): CheckFunction {
		return describingErrors(super.compile<T>(schema as never));
	}
}

export const Validator = DescribingValidator as unknown as ValidatorClass;
export type Validator = InstanceType<ValidatorClass>;
