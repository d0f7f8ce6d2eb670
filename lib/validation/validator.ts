/**
 * fastest-validator's types declare an ES default export, but the package is CommonJS with
 * `module.exports = Validator`; under NodeNext the default import is the class itself.
 */
import FastestValidator from "fastest-validator";

type ValidatorClass = typeof FastestValidator.default;
export const Validator = FastestValidator as unknown as ValidatorClass;
export type Validator = InstanceType<ValidatorClass>;
