import { describe, expect, it } from 'vitest';
import { loadCrds } from './load-crds.js';
import { validateResource } from './index.js';

// Every CEL rule in crds/*.yaml, each with an object that passes it and one that fails it. The
// last test below fails when a rule is added to a CRD without a row here.

const cc = (spec: Record<string, unknown>, name = 'payments') => ({
  apiVersion: 'argmin.io/v1alpha1',
  kind: 'CostCenter',
  metadata: { name },
  spec: { code: 'CC-1', displayName: 'Payments', ...spec },
});
const conn = (spec: Record<string, unknown>) => ({
  apiVersion: 'argmin.io/v1alpha1',
  kind: 'CloudConnector',
  metadata: { name: 'aws-prod' },
  spec: {
    provider: 'aws',
    sources: [{ name: 'cur', format: 'aws-cur-2.0', url: 'file://cur/' }],
    ...spec,
  },
});
const policy = (spec: Record<string, unknown>) => ({
  apiVersion: 'argmin.io/v1alpha1',
  kind: 'AttributionPolicy',
  metadata: { name: 'default' },
  spec,
});
const gcpEvents = [{ name: 'events', format: 'argmin-events', url: 'file://events/' }];
const selector = (expression: Record<string, unknown>) => ({
  matchExpressions: [{ key: 'team', ...expression }],
});

interface RuleCase {
  message: string;
  path: string;
  passes: object;
  fails: object;
  /** The stored object an update replaces, for transition rules. */
  old?: object;
}

const RULES: RuleCase[] = [
  {
    message: 'a CostCenter cannot be its own parent',
    path: 'spec.parent',
    passes: cc({ parent: 'finance' }),
    fails: cc({ parent: 'payments' }),
  },
  {
    message: 'values must be non-empty for In and NotIn, and empty for Exists and DoesNotExist',
    path: 'spec.namespaceSelector.matchExpressions[0]',
    passes: cc({ namespaceSelector: selector({ operator: 'In', values: ['payments'] }) }),
    fails: cc({ namespaceSelector: selector({ operator: 'In', values: [] }) }),
  },
  {
    message: 'values must be non-empty for In and NotIn, and empty for Exists and DoesNotExist',
    path: 'spec.workloadSelector.matchExpressions[0]',
    passes: cc({ workloadSelector: selector({ operator: 'Exists' }) }),
    fails: cc({ workloadSelector: selector({ operator: 'Exists', values: ['x'] }) }),
  },
  {
    message: 'budget amount must not be negative',
    path: 'spec.budget.amount',
    passes: cc({ budget: { amount: '0' } }),
    fails: cc({ budget: { amount: '-0.01' } }),
  },
  {
    message: 'alertThresholds must be in strictly ascending order, e.g. [50, 80, 100]',
    path: 'spec.budget.alertThresholds',
    passes: cc({ budget: { amount: '100', alertThresholds: [50, 80, 100, 150] } }),
    fails: cc({ budget: { amount: '100', alertThresholds: [50, 80, 80] } }),
  },
  {
    message: 'alertThresholds must be in strictly ascending order, e.g. [50, 80, 100]',
    path: 'spec.budget.alertThresholds',
    passes: cc({ budget: { amount: '100', alertThresholds: [1] } }),
    fails: cc({ budget: { amount: '100', alertThresholds: [100, 80] } }),
  },
  {
    message: 'set at most one provider block (aws, gcp or azure)',
    path: 'spec',
    passes: conn({ aws: { region: 'us-east-1' } }),
    fails: conn({ aws: { region: 'us-east-1' }, gcp: { projectId: 'acme-billing' } }),
  },
  {
    message:
      'the provider block must match provider (aws with aws, gcp with gcp, azure with azure)',
    path: 'spec',
    passes: conn({ provider: 'gcp', sources: gcpEvents, gcp: { projectId: 'acme-billing' } }),
    fails: conn({ provider: 'gcp', sources: gcpEvents, aws: { region: 'us-east-1' } }),
  },
  {
    message: 'sources in an aws-* format need provider aws',
    path: 'spec.sources',
    passes: conn({ provider: 'azure', sources: gcpEvents }),
    fails: conn({ provider: 'azure' }),
  },
  {
    message: 'sources in a gcp-* format need provider gcp',
    path: 'spec.sources',
    passes: conn({
      provider: 'gcp',
      sources: [{ name: 'billing', format: 'gcp-billing-export', url: 'file://billing/' }],
    }),
    fails: conn({
      provider: 'aws',
      sources: [{ name: 'billing', format: 'gcp-billing-export', url: 'file://billing/' }],
    }),
  },
  {
    message: 'sources in an aws-* format need provider aws',
    path: 'spec.sources',
    passes: conn({ sources: [{ name: 'iam', format: 'aws-iam', url: 'file://iam/' }] }),
    fails: conn({
      provider: 'gcp',
      sources: [{ name: 'iam', format: 'aws-iam', url: 'file://iam/' }],
    }),
  },
  {
    message: 'sources in a gcp-* format need provider gcp',
    path: 'spec.sources',
    passes: conn({
      provider: 'gcp',
      sources: [{ name: 'audit', format: 'gcp-vertex-audit-logs', url: 'file://audit/' }],
    }),
    fails: conn({
      sources: [{ name: 'audit', format: 'gcp-vertex-audit-logs', url: 'file://audit/' }],
    }),
  },
  {
    message: 'sources in an azure-* format need provider azure',
    path: 'spec.sources',
    passes: conn({
      provider: 'azure',
      sources: [{ name: 'costs', format: 'azure-cost-export', url: 'file://costs/' }],
    }),
    fails: conn({
      provider: 'gcp',
      sources: [{ name: 'costs', format: 'azure-cost-export', url: 'file://costs/' }],
    }),
  },
  {
    message: 'provider is immutable; create another CloudConnector instead',
    path: 'spec.provider',
    old: conn({ provider: 'gcp', sources: gcpEvents }),
    passes: conn({ provider: 'gcp', sources: gcpEvents, schedule: '2h' }),
    fails: conn({ provider: 'azure', sources: gcpEvents }),
  },
  {
    message: 'schedule must be at least 5m',
    path: 'spec.schedule',
    passes: conn({ schedule: '5m' }),
    fails: conn({ schedule: '4m59s' }),
  },
  {
    message: 'minConfidence must be at most 0.95',
    path: 'spec.minConfidence',
    passes: policy({ minConfidence: '0.95' }),
    fails: policy({ minConfidence: '0.951' }),
  },
  {
    message:
      'evidenceWeights keys must be evidence kinds: workloadAnnotation, namespaceAnnotation, selector, workloadIdentity, codeowners, personCostCenter, managerChain, account',
    path: 'spec.evidenceWeights',
    passes: policy({ evidenceWeights: { codeowners: '0.85', account: '0.4' } }),
    fails: policy({ evidenceWeights: { codeOwners: '0.85' } }),
  },
  {
    message: 'evidence weights must be at most 0.95',
    path: 'spec.evidenceWeights',
    passes: policy({ evidenceWeights: { workloadAnnotation: '0.95' } }),
    fails: policy({ evidenceWeights: { workloadAnnotation: '0.99' } }),
  },
  {
    message: 'match exactly one of service, account or person',
    path: 'spec.overrides[0].match',
    passes: policy({ overrides: [{ match: { person: 'ana@acme.com' }, costCenter: 'payments' }] }),
    fails: policy({
      overrides: [{ match: { person: 'ana@acme.com', account: '1234' }, costCenter: 'payments' }],
    }),
  },
  {
    message: 'match exactly one of service, account or person',
    path: 'spec.overrides[0].match',
    passes: policy({ overrides: [{ match: { service: 'shop/checkout' }, costCenter: 'shop' }] }),
    fails: policy({ overrides: [{ match: {}, costCenter: 'shop' }] }),
  },
];

describe('CEL rules of the CRDs', () => {
  it.each(RULES)('accepts an object that meets "$message" ($path)', (c) => {
    const { problems } = validateResource(c.passes, { oldObject: c.old });
    expect(problems).toEqual([]);
  });

  it.each(RULES)('refuses with "$message" at $path', (c) => {
    const { problems } = validateResource(c.fails, { oldObject: c.old });
    expect(problems.map((p) => ({ path: p.path, message: p.message }))).toEqual([
      { path: c.path, message: c.message },
    ]);
  });

  it('skips the immutable-provider rule on create, where there is no old object', () => {
    expect(validateResource(conn({ provider: 'azure', sources: gcpEvents })).problems).toEqual([]);
  });

  it('has a passing and a failing case for every rule in crds/', () => {
    const messages = loadCrds().flatMap((crd) =>
      crd.spec.versions.flatMap((v) => rulesIn(v.schema.openAPIV3Schema)),
    );
    expect(messages.length).toBeGreaterThanOrEqual(13);
    const covered = new Set(RULES.map((c) => c.message));
    expect(messages.filter((m) => !covered.has(m))).toEqual([]);
  });
});

function rulesIn(node: unknown): string[] {
  if (typeof node !== 'object' || node === null) return [];
  const own = (node as { 'x-kubernetes-validations'?: { message: string }[] })[
    'x-kubernetes-validations'
  ];
  return [
    ...(own ?? []).map((r) => r.message),
    ...Object.entries(node)
      .filter(([k]) => k !== 'x-kubernetes-validations')
      .flatMap(([, v]) => rulesIn(v)),
  ];
}
