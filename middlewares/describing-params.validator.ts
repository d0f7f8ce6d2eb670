/**
 * Moleculer's fastest-validator for action and event params, with every check answering input
 * whose refused values cannot be made strings (lib/validation/validator.ts `describingErrors`):
 * Moleculer made a 500 of the TypeError fastest-validator threw for `[{"toString": 1}]` in a param.
 */
import { Errors, Validators } from "moleculer";
import { describingErrors } from "../lib/validation/validator.ts";

export class DescribingParamsValidator extends Validators.Fastest {
	override compile(schema: Record<string, unknown>) {
		return describingErrors(super.compile(schema) as never);
	}

	/** As Moleculer's, through the compiled check (its own validate() bypasses compile). */
	override validate(params: Record<string, unknown>, schema: Record<string, unknown>): boolean {
		const res = (this.compile(schema) as (p: unknown) => unknown)(params);
		if (res !== true) throw new Errors.ValidationError("Parameters validation error!", "", res as never);
		return true;
	}
}
