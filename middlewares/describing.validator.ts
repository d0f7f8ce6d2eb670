/**
 * Moleculer's fastest-validator for action params, with every compiled check answering input whose
 * refused values cannot be made strings (lib/validation/validator.ts `describingErrors`): Moleculer
 * made a 500 of the TypeError fastest-validator threw for `[{"toString": 1}]` in a param.
 */
import { Validators } from "moleculer";
import { describingErrors } from "../lib/validation/validator.ts";

export class DescribingValidator extends Validators.Fastest {
	override compile(schema: Record<string, unknown>) {
		return describingErrors(super.compile(schema) as never);
	}
}
