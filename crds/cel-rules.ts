// CEL validation rules (`x-kubernetes-validations`) evaluated the way the API server does: `self`
// is the value at the rule's node, `oldSelf` the value it replaces on an update, and a rule that
// reads `oldSelf` (a transition rule) runs only where an old value can be correlated.
import { Environment, type ASTNode } from '@marcbachmann/cel-js';
import { CrdError } from './load-crds.js';
import {
  formatPath,
  isPlainObject,
  type PathSegment,
  type ProblemReason,
  type SchemaProblem,
  type StructuralSchema,
  type ValidationRule,
} from './schema.js';

interface CompiledRule {
  source: ValidationRule;
  check: (context: Record<string, unknown>) => unknown;
  message?: (context: Record<string, unknown>) => unknown;
  fieldPath: PathSegment[];
  transition: boolean;
  reason: ProblemReason;
}

/** Old value at a node, or absent where the update has none to correlate with. */
type Old = { value: unknown } | undefined;

const RULE_REASONS = new Set<ProblemReason>([
  'FieldValueInvalid',
  'FieldValueForbidden',
  'FieldValueRequired',
  'FieldValueDuplicate',
]);

/**
 * The CEL environment of a CRD rule: standard CEL plus the one Kubernetes list function Argmin's
 * rules use. Other Kubernetes CEL libraries (quantity, url, ip, regex find) are not provided; a
 * rule that calls them fails to compile and the CRD is refused when it is loaded.
 */
function kubernetesEnvironment(): Environment {
  return new Environment({ homogeneousAggregateLiterals: false })
    .registerVariable('self', 'dyn')
    .registerVariable('oldSelf', 'dyn')
    .registerFunction({
      name: 'isSorted',
      receiverType: 'list',
      returnType: 'bool',
      params: [],
      handler: (list: unknown[]) =>
        list.every((v, i) => i === 0 || (list[i - 1] as bigint) <= (v as bigint)),
    });
}

export class CelRules {
  private readonly env = kubernetesEnvironment();
  private readonly rules = new Map<StructuralSchema, CompiledRule[]>();

  /** Compiles every rule in `schema`; a rule that does not parse or type-check is refused. */
  constructor(
    private readonly schema: StructuralSchema,
    private readonly crdName: string,
  ) {
    this.compileTree(schema, []);
  }

  get count(): number {
    let n = 0;
    for (const rules of this.rules.values()) n += rules.length;
    return n;
  }

  /** Problems of every failing rule in `value`; `old` is the object an update replaces. */
  evaluate(value: unknown, old?: unknown): SchemaProblem[] {
    const problems: SchemaProblem[] = [];
    this.walk(this.schema, value, old === undefined ? undefined : { value: old }, [], problems);
    return problems;
  }

  private compileTree(node: StructuralSchema, at: PathSegment[]): void {
    const rules = node['x-kubernetes-validations'] ?? [];
    if (rules.length > 0)
      this.rules.set(
        node,
        rules.map((r) => this.compile(r, at)),
      );
    for (const [key, child] of Object.entries(node.properties ?? {})) {
      this.compileTree(child, [...at, key]);
    }
    if (typeof node.additionalProperties === 'object') {
      this.compileTree(node.additionalProperties, [...at, '*']);
    }
    if (node.items) this.compileTree(node.items, [...at, '*']);
  }

  private compile(rule: ValidationRule, at: PathSegment[]): CompiledRule {
    const program = (expression: string, what: string) => {
      let parsed;
      try {
        parsed = this.env.parse(expression);
      } catch (err) {
        throw this.ruleError(expression, what, at, err);
      }
      const checked = this.env.check(expression);
      if (!checked.valid) throw this.ruleError(expression, what, at, checked.error);
      return parsed;
    };
    const check = program(rule.rule, 'rule');
    let fieldPath: PathSegment[];
    try {
      fieldPath = parseFieldPath(rule.fieldPath ?? '');
    } catch (err) {
      throw this.ruleError(rule.fieldPath ?? '', 'fieldPath', at, err);
    }
    return {
      source: rule,
      check,
      ...(rule.messageExpression
        ? { message: program(rule.messageExpression, 'messageExpression') }
        : {}),
      fieldPath,
      transition: readsOldSelf(check.ast),
      reason:
        rule.reason && RULE_REASONS.has(rule.reason as ProblemReason)
          ? (rule.reason as ProblemReason)
          : 'FieldValueInvalid',
    };
  }

  private ruleError(expression: string, what: string, at: PathSegment[], err: unknown) {
    const summary =
      (err as { summary?: string }).summary ?? (err instanceof Error ? err.message : String(err));
    const where = at.length > 0 ? at.join('.') : '<root>';
    return new CrdError(
      'CRD_RULE_INVALID',
      `${where}: ${what} ${JSON.stringify(expression)} does not compile: ${summary}`,
      this.crdName,
      { cause: err },
    );
  }

  private walk(
    node: StructuralSchema,
    value: unknown,
    old: Old,
    at: PathSegment[],
    problems: SchemaProblem[],
  ): void {
    if (value === undefined || value === null) return;

    for (const rule of this.rules.get(node) ?? []) {
      // The API server skips transition rules on create and where no old value correlates.
      // Not supported: optionalOldSelf (such rules are skipped too) and CEL cost limits.
      if (rule.transition && old === undefined) continue;
      const problem = this.run(rule, node, value, old, at);
      if (problem) problems.push(problem);
    }

    if (Array.isArray(value) && node.items) {
      const keys =
        node['x-kubernetes-list-type'] === 'map' ? node['x-kubernetes-list-map-keys'] : null;
      value.forEach((item, i) => {
        const oldItem = keys && old ? correlatedItem(old.value, item, keys) : undefined;
        this.walk(node.items!, item, oldItem, [...at, i], problems);
      });
      return;
    }
    if (!isPlainObject(value)) return;
    for (const [key, child] of Object.entries(value)) {
      const childSchema =
        node.properties?.[key] ??
        (typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined);
      if (!childSchema) continue;
      const oldChild =
        old && isPlainObject(old.value) && old.value[key] !== undefined
          ? { value: old.value[key] }
          : undefined;
      this.walk(childSchema, child, oldChild, [...at, key], problems);
    }
  }

  private run(
    rule: CompiledRule,
    node: StructuralSchema,
    value: unknown,
    old: Old,
    at: PathSegment[],
  ): SchemaProblem | null {
    const context: Record<string, unknown> = { self: toCel(value, node) };
    if (old !== undefined) context.oldSelf = toCel(old.value, node);
    const segments = [...at, ...rule.fieldPath];
    const problem = (message: string) => ({
      path: formatPath(segments, this.schema),
      segments,
      message,
      reason: rule.reason,
    });

    let result: unknown;
    try {
      result = rule.check(context);
    } catch (err) {
      const summary = (err as { summary?: string }).summary ?? String(err);
      return problem(`rule ${JSON.stringify(rule.source.rule)} could not be evaluated: ${summary}`);
    }
    if (result === true) return null;
    if (result !== false) {
      return problem(`rule ${JSON.stringify(rule.source.rule)} must evaluate to a bool`);
    }
    return problem(this.messageOf(rule, context));
  }

  private messageOf(rule: CompiledRule, context: Record<string, unknown>): string {
    if (rule.message) {
      try {
        const text = rule.message(context);
        if (typeof text === 'string' && text.trim() !== '') return text;
      } catch {
        // As the API server does, an unusable messageExpression falls back to the message.
      }
    }
    return rule.source.message ?? `failed rule: ${rule.source.rule}`;
  }
}

/**
 * A JSON value as CEL sees it under its schema: integers as CEL ints, `date-time` strings as
 * timestamps. Values of the wrong type are passed on as they are; schema validation reports them.
 */
export function toCel(value: unknown, node: StructuralSchema | undefined): unknown {
  if (value === null || value === undefined || !node) return value;
  const integer = node.type === 'integer' || node['x-kubernetes-int-or-string'];
  if (integer && typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (node.format === 'date-time' && typeof value === 'string') {
    const at = Date.parse(value);
    return Number.isNaN(at) ? value : new Date(at);
  }
  if (Array.isArray(value)) return value.map((item) => toCel(item, node.items));
  if (isPlainObject(value)) {
    const additional =
      typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined;
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      out[key] = toCel(child, node.properties?.[key] ?? additional);
    }
    return out;
  }
  return value;
}

function correlatedItem(oldList: unknown, item: unknown, keys: string[]): Old {
  if (!Array.isArray(oldList) || !isPlainObject(item)) return undefined;
  const match = oldList.find(
    (candidate) => isPlainObject(candidate) && keys.every((k) => candidate[k] === item[k]),
  );
  return match === undefined ? undefined : { value: match };
}

function readsOldSelf(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(readsOldSelf);
  if (typeof node !== 'object' || node === null || !('op' in node)) return false;
  const ast = node as ASTNode;
  if (ast.op === 'id' && ast.args === 'oldSelf') return true;
  return readsOldSelf(ast.args);
}

/** `.a.b`, `['key.with.dots']` and `[0]`, as fieldPath allows them. */
export function parseFieldPath(fieldPath: string): PathSegment[] {
  const segments: PathSegment[] = [];
  const part = /\.([A-Za-z_][A-Za-z0-9_-]*)|\['((?:[^'\\]|\\.)*)'\]|\[(\d+)\]/y;
  let at = 0;
  while (at < fieldPath.length) {
    part.lastIndex = at;
    const m = part.exec(fieldPath);
    if (!m) throw new Error(`fieldPath ${JSON.stringify(fieldPath)} is not valid at ${at}`);
    if (m[1] !== undefined) segments.push(m[1]);
    else if (m[2] !== undefined) segments.push(m[2].replace(/\\(.)/g, '$1'));
    else segments.push(Number(m[3]));
    at = part.lastIndex;
  }
  return segments;
}
