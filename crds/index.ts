// Argmin's CustomResourceDefinitions (argmin.io/v1alpha1) and the validator that checks a
// resource against them as the API server would: pruning, defaulting, schema and CEL rules.
import { loadCrds } from './load-crds.js';
import { CrdValidator, type ValidateOptions, type ValidationResult } from './resource-validator.js';

export { loadCrds, CrdError, type CrdErrorCode } from './load-crds.js';
export {
  CrdValidator,
  RULES_NOT_CHECKED,
  type UnknownField,
  type ValidateOptions,
  type ValidationResult,
} from './resource-validator.js';
export {
  formatPath,
  type CustomResourceDefinition,
  type CustomResourceDefinitionVersion,
  type PathSegment,
  type ProblemReason,
  type SchemaProblem,
  type StructuralSchema,
  type ValidationRule,
} from './schema.js';

let shipped: CrdValidator | undefined;

/** Validates `object` against the CRDs in `crds/`; see CrdValidator.validate. */
export function validateResource(object: unknown, options: ValidateOptions = {}): ValidationResult {
  shipped ??= new CrdValidator(loadCrds());
  return shipped.validate(object, options);
}
