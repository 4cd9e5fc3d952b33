import { describe, expect, it } from 'vitest';
import { addObject, emptyClusterState, type KubeObject } from './cluster-state.js';
import { pathConfidence } from './evidence.js';
import type { CostRow, UsageEvent } from './model.js';
import { PolicyResolver } from './policy.js';
import { reconcile, VIA_ATTRIBUTE } from './reconcile.js';

const origin = { file: 'cluster.yaml', line: 1 };

function resolver(objects: KubeObject[]) {
  const state = emptyClusterState();
  for (const o of objects) addObject(state, o, origin);
  return new PolicyResolver({
    state,
    people: [
      {
        id: 'u1',
        userName: 'ana@acme.example',
        displayName: null,
        emails: [],
        active: true,
        costCenter: 'CC-search',
        department: null,
        managerId: null,
        groups: [],
        source: { connector: 'okta', file: 'users.json', line: 2 },
      },
    ],
    groups: [],
    codeowners: new Map(),
  });
}

const costCenter = (name: string, spec: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'argmin.io/v1alpha1',
  kind: 'CostCenter',
  metadata: { name },
  spec: { code: `CC-${name}`, ...spec },
});
const policy = (name: string, spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'argmin.io/v1alpha1',
  kind: 'AttributionPolicy',
  metadata: { name },
  spec,
});
const deployment = (
  ns: string,
  name: string,
  annotations: Record<string, string> = {},
  labels = {},
) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: ns, annotations, labels },
  spec: { template: { spec: { serviceAccountName: name } } },
});
const namespace = (name: string, annotations: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, annotations },
});
const confidence = (a: { edges: Parameters<typeof pathConfidence>[0] } | null) =>
  a ? pathConfidence(a.edges).toNumber() : null;

describe('AttributionPolicy', () => {
  it('overrides the default evidence weights', () => {
    const r = resolver([
      costCenter('search'),
      deployment('search', 'ranker', { 'argmin.io/cost-center': 'search' }),
      policy('p', { evidenceWeights: { workloadAnnotation: '0.5' } }),
    ]);
    expect(confidence(r.resolveCaller({}, 'search/ranker'))).toBe(0.5);
  });

  it('sends spend below the minimum confidence to the unattributed bucket, saying why', () => {
    const r = resolver([costCenter('search'), policy('p', { minConfidence: '0.8' })]);
    const found = r.resolveCaller({ user: 'ana@acme.example' });
    expect(found?.costCenter).toBeNull();
    expect(found?.edges.at(-1)?.evidence).toMatch(
      /below the minimum confidence 0\.8 .*search at 0\.7/,
    );
  });

  it.each([
    ['a service', { service: 'search/ranker' }, { service: 'search/ranker' }, 'payments'],
    [
      'a person',
      { person: 'ana@acme.example' },
      { identity: { user: 'ana@acme.example' } },
      'payments',
    ],
  ])('applies an explicit override of %s', (_what, match, caller, expected) => {
    const r = resolver([
      costCenter('search'),
      costCenter('payments'),
      deployment('search', 'ranker', { 'argmin.io/cost-center': 'search' }),
      policy('p', { overrides: [{ match, costCenter: 'payments' }] }),
    ]);
    const found = r.resolveCaller(
      (caller as { identity?: object }).identity ?? {},
      (caller as { service?: string }).service,
    );
    expect(found?.costCenter).toBe(expected);
    expect(found?.edges.at(-1)?.evidence).toContain('AttributionPolicy p overrides');
  });

  it('applies an account override to the account-level fallback', () => {
    const r = resolver([
      costCenter('sandbox', { accounts: ['222'] }),
      costCenter('research'),
      policy('p', { overrides: [{ match: { account: '222' }, costCenter: 'research' }] }),
    ]);
    expect(r.accountOwner('222')?.costCenter).toBe('research');
  });

  it('lets the most specific claim win, whatever the weights: workload over namespace', () => {
    const r = resolver([
      costCenter('team-a', { workloadSelector: { matchLabels: { app: 'ranker' } } }),
      costCenter('team-b'),
      namespace('search', { 'argmin.io/cost-center': 'team-b' }),
      deployment('search', 'ranker', {}, { app: 'ranker' }),
      policy('p', { evidenceWeights: { selector: '0.6', namespaceAnnotation: '0.9' } }),
    ]);
    expect(r.resolveCaller({}, 'search/ranker')?.costCenter).toBe('team-a');
  });

  it('reports two CostCenters claiming the same workload equally, and settles it by name', () => {
    const r = resolver([
      costCenter('beta', { workloadSelector: { matchLabels: { app: 'ranker' } } }),
      costCenter('alpha', { workloadSelector: { matchLabels: { app: 'ranker' } } }),
      deployment('search', 'ranker', {}, { app: 'ranker' }),
    ]);
    expect(r.resolveCaller({}, 'search/ranker')?.costCenter).toBe('alpha');
    expect(r.problems.map((p) => p.reason)).toEqual([
      'CostCenters alpha, beta claim Deployment search/ranker equally; alpha is used, by name',
    ]);
  });

  it('applies the policy whose scope covers the spend, and reports overlapping scopes', () => {
    const r = resolver([
      costCenter('search'),
      deployment('search', 'ranker', { 'argmin.io/cost-center': 'search' }),
      deployment('ml', 'trainer', { 'argmin.io/cost-center': 'search' }),
      policy('everything', { evidenceWeights: { workloadAnnotation: '0.6' } }),
      policy('search-only', {
        scope: { namespaces: ['search'] },
        evidenceWeights: { workloadAnnotation: '0.4' },
      }),
    ]);
    expect(confidence(r.resolveCaller({}, 'ml/trainer'))).toBe(0.6);
    expect(confidence(r.resolveCaller({}, 'search/ranker'))).toBe(0.4);
    expect(r.problems.map((p) => p.reason)).toEqual([
      'AttributionPolicies everything, search-only overlap; search-only applies where they do',
    ]);
  });
});

describe('shared services', () => {
  const objects = [
    costCenter('platform'),
    costCenter('search'),
    costCenter('support'),
    deployment('platform', 'gateway', { 'argmin.io/cost-center': 'platform' }),
    deployment('search', 'ranker', { 'argmin.io/cost-center': 'search' }),
    deployment('support', 'bot', { 'argmin.io/cost-center': 'support' }),
  ];
  const line: CostRow = {
    id: 'l1',
    source: { connector: 'aws', file: 'cur.csv', line: 2 },
    provider: 'aws',
    billingAccountId: '1',
    subAccountId: '111',
    billingPeriodStart: '2026-10-01T00:00:00Z',
    billingPeriodEnd: '2026-11-01T00:00:00Z',
    chargePeriodStart: '2026-10-03T00:00:00Z',
    chargePeriodEnd: '2026-10-04T00:00:00Z',
    chargeCategory: 'Usage',
    chargeType: 'Usage',
    serviceName: 'Amazon Bedrock',
    usageType: 'USE1-NovaPro-input-tokens',
    region: null,
    resourceId: null,
    model: 'amazon.nova-pro-v1:0',
    tokenClass: 'inputTokens',
    quantity: null,
    unit: null,
    billedCost: '8',
    currency: 'USD',
    principal: null,
    tags: {},
  };
  const own: UsageEvent = {
    requestId: 'gw-1',
    timestamp: '2026-10-03T10:00:00Z',
    provider: 'aws',
    model: 'amazon.nova-pro-v1:0',
    inputTokens: 4000,
    service: 'platform/gateway',
  };
  const through = (id: string, service: string): UsageEvent => ({
    requestId: id,
    timestamp: '2026-10-03T09:00:00Z',
    provider: 'aws',
    model: null,
    service,
    attributes: { [VIA_ATTRIBUTE]: 'platform/gateway' },
  });
  const sharing = policy('p', {
    sharedServices: [{ service: 'platform/gateway', splitBy: 'Requests' }],
  });
  const byCenter = (events: UsageEvent[], extra: KubeObject[] = [sharing]) => {
    const graph = resolver([...objects, ...extra]);
    const allocations = reconcile({ rows: [line], events, graph, normalizeModel: (_p, m) => m });
    return Object.fromEntries(allocations.map((a) => [a.attribution.costCenter, a.cost]));
  };

  it('passes a shared gateway’s spend to its callers by their share of requests', () => {
    const events = [
      own,
      through('a1', 'search/ranker'),
      through('a2', 'search/ranker'),
      through('a3', 'search/ranker'),
      through('b1', 'support/bot'),
    ];
    expect(byCenter(events)).toEqual({ search: '6', support: '2' });
  });

  it('keeps with the gateway what no measured caller explains', () => {
    expect(byCenter([own])).toEqual({ platform: '8' });
  });

  it('does not pass through a service no policy calls shared', () => {
    expect(byCenter([own, through('a1', 'search/ranker')], [])).toEqual({ platform: '8' });
  });
});
