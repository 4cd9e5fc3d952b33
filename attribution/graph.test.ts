import { describe, expect, it } from 'vitest';
import { addObject, emptyClusterState, type KubeObject } from './cluster-state.js';
import { pathConfidence } from './evidence.js';
import { AttributionGraph, roleKey, type OwnershipLookup } from './graph.js';
import type { CallerIdentity, Person } from './model.js';

const origin = { file: 'cluster.yaml', line: 1 };

function cluster(objects: KubeObject[]) {
  const state = emptyClusterState();
  for (const o of objects) addObject(state, o, origin);
  return state;
}

const costCenter = (name: string, spec: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'argmin.io/v1alpha1',
  kind: 'CostCenter',
  metadata: { name },
  spec: { code: `CC-${name}`, displayName: name, ...spec },
});

const deployment = (
  ns: string,
  name: string,
  annotations: Record<string, string> = {},
  labels: Record<string, string> = {},
): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: ns, annotations, labels },
  spec: {
    template: {
      spec: { serviceAccountName: name, containers: [{ image: `ghcr.io/acme/${name}:1` }] },
    },
  },
});

const person = (id: string, extra: Partial<Person> = {}): Person => ({
  id,
  userName: `${id}@acme.example`,
  displayName: id,
  emails: [`${id}@acme.example`],
  active: true,
  costCenter: null,
  department: null,
  managerId: null,
  groups: [],
  source: { connector: 'okta', file: 'users.json', line: 3 },
  ...extra,
});

const codeowners: OwnershipLookup = {
  file: 'repos/mono/CODEOWNERS',
  ownersOf: (path) =>
    path.startsWith('services/billing/')
      ? { owners: ['@acme/payments'], line: 7, pattern: '/services/billing/' }
      : { owners: ['@acme/platform'], line: 2, pattern: '*' },
};

const state = cluster([
  costCenter('search'),
  costCenter('payments', { owners: { teams: ['payments'] } }),
  costCenter('platform', { owners: { teams: ['@acme/platform'] }, accounts: ['345678901234'] }),
  costCenter('support', { namespaceSelector: { matchLabels: { tier: 'support' } } }),
  costCenter('research', { owners: { people: ['vp@acme.example'] } }),
  {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'payments', annotations: { 'argmin.io/cost-center': 'payments' } },
  },
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'help', labels: { tier: 'support' } } },
  deployment('search', 'ranker', { 'argmin.io/cost-center': 'search' }),
  deployment('payments', 'ledger'),
  deployment('help', 'triage'),
  deployment('tools', 'invoicer', {
    'argmin.io/repository': 'github.com/acme/mono',
    'argmin.io/source-path': 'services/billing',
  }),
  deployment('tools', 'orphan'),
  {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: {
      name: 'ranker',
      namespace: 'search',
      annotations: {
        'eks.amazonaws.com/role-arn': 'arn:aws:iam::210987654321:role/workloads/ranker',
      },
    },
  },
]);

const people = [
  person('ana', { costCenter: 'CC-search' }),
  person('bo', { managerId: 'vp' }),
  person('vp'),
  person('cy', { groups: ['payments'] }),
];

type Caller = { identity?: CallerIdentity; service?: string };

const graph = new AttributionGraph({
  state,
  people,
  groups: [],
  codeowners: new Map([['github.com/acme/mono', codeowners]]),
});

describe('attribution graph', () => {
  it.each([
    ['a workload annotation', { service: 'search/ranker' }, 'search', 0.95],
    ['a namespace annotation', { service: 'payments/ledger' }, 'payments', 0.9],
    ['a CostCenter namespace selector', { service: 'help/triage' }, 'support', 0.9],
    ['CODEOWNERS of the source folder', { service: 'tools/invoicer' }, 'payments', 0.8],
    ['the pod service account', { identity: { serviceAccount: 'search/ranker' } }, 'search', 0.95],
    [
      'a SPIFFE id',
      { identity: { spiffeId: 'spiffe://cluster.local/ns/search/sa/ranker' } },
      'search',
      0.95,
    ],
    [
      'IRSA, whatever the role path or session',
      {
        identity: {
          awsPrincipal: 'arn:aws:sts::210987654321:assumed-role/ranker/botocore-session-9',
        },
      },
      'search',
      0.855,
    ],
    ['the SCIM costCenter of the user', { identity: { user: 'ana@acme.example' } }, 'search', 0.7],
    ['team membership', { identity: { user: 'CY@acme.example' } }, 'payments', 0.7],
    ['the manager chain', { identity: { user: 'bo@acme.example' } }, 'research', 0.6],
    [
      'an IAM user named after the person',
      { identity: { awsPrincipal: 'arn:aws:iam::345678901234:user/ana' } },
      'search',
      0.63,
    ],
  ] as [string, Caller, string, number][])(
    'attributes through %s',
    (_kind, caller, expected, confidence) => {
      const found = graph.resolveCaller(caller.identity ?? {}, caller.service);
      expect(found?.costCenter).toBe(expected);
      expect(pathConfidence(found!.edges).toNumber()).toBeCloseTo(confidence, 6);
    },
  );

  it('names the CODEOWNERS file, line and team in the evidence', () => {
    const found = graph.resolveCaller({}, 'tools/invoicer');
    expect(found?.team).toBe('payments');
    expect(found?.edges.at(-1)?.evidence).toContain('repos/mono/CODEOWNERS:7');
  });

  it('does not match an IRSA role of the same name in another account', () => {
    const arn = 'arn:aws:sts::999999999999:assumed-role/ranker/botocore-session-1';
    expect(graph.resolveCaller({ awsPrincipal: arn })).toBeNull();
  });

  it('keeps a known service without a CostCenter as unattributed, not guessed', () => {
    const found = graph.resolveCaller({}, 'tools/orphan');
    expect(found).toMatchObject({ costCenter: null, service: 'tools/orphan' });
  });

  it('falls back to the CostCenter that lists the account, at account strength', () => {
    const found = graph.accountOwner('345678901234');
    expect(found?.costCenter).toBe('platform');
    expect(pathConfidence(found!.edges).toNumber()).toBe(0.5);
  });

  it('never reports certainty, even when every edge is certain', () => {
    const found = graph.resolveCaller({ serviceAccount: 'search/ranker' }, 'search/ranker');
    expect(pathConfidence(found!.edges).lessThanOrEqualTo(0.95)).toBe(true);
  });

  it('reports an annotation that names a CostCenter that does not exist', () => {
    const broken = new AttributionGraph({
      state: cluster([deployment('x', 'y', { 'argmin.io/cost-center': 'nope' })]),
      people: [],
      groups: [],
      codeowners: new Map(),
    });
    expect(broken.problems).toEqual([
      {
        origin,
        fieldPath: ['metadata', 'annotations', 'argmin.io/cost-center'],
        reason: 'names CostCenter nope, which does not exist',
      },
    ]);
  });
});

describe('roleKey', () => {
  it.each([
    ['arn:aws:iam::111122223333:role/ranker', '111122223333:ranker'],
    ['arn:aws:iam::111122223333:role/a/b/ranker', '111122223333:ranker'],
    ['arn:aws:sts::111122223333:assumed-role/ranker/botocore-session-1', '111122223333:ranker'],
    ['arn:aws:iam::111122223333:user/ana', null],
  ])('%s -> %s', (arn, key) => {
    expect(roleKey(arn)).toBe(key);
  });
});

describe('workload identity on other clouds', () => {
  const clouds = cluster([
    costCenter('ml'),
    deployment('ml', 'trainer', { 'argmin.io/cost-center': 'ml' }),
    deployment('ml', 'scorer', { 'argmin.io/cost-center': 'ml' }),
    deployment('ml', 'tuner', { 'argmin.io/cost-center': 'ml' }),
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: {
        name: 'trainer',
        namespace: 'ml',
        annotations: {
          'iam.gke.io/gcp-service-account': 'trainer@acme-ml.iam.gserviceaccount.com',
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: {
        name: 'scorer',
        namespace: 'ml',
        annotations: {
          'azure.workload.identity/client-id': '0f3c9a52-7b1e-4d2a-9c61-5e8f2b7a1d04',
        },
      },
    },
  ]);
  const g = new AttributionGraph({ state: clouds, people: [], groups: [], codeowners: new Map() });

  it.each([
    [
      'a GKE Google service account',
      { gcpPrincipal: 'Trainer@acme-ml.iam.gserviceaccount.com' },
      'ml/trainer',
    ],
    [
      "a Vertex caller label naming the Google service account's account id",
      { gcpPrincipal: 'trainer' },
      'ml/trainer',
    ],
    [
      'GKE federation without a Google service account',
      {
        gcpPrincipal:
          'principal://iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/acme-ml.svc.id.goog/subject/ns/ml/sa/tuner',
      },
      'ml/tuner',
    ],
    [
      'an Azure workload identity client id',
      { azurePrincipal: '0F3C9A52-7B1E-4D2A-9C61-5E8F2B7A1D04' },
      'ml/scorer',
    ],
  ] as [string, CallerIdentity, string][])(
    'finds the service through %s',
    (_kind, identity, service) => {
      const found = g.resolveCaller(identity);
      expect(found?.service).toBe(service);
      expect(pathConfidence(found!.edges).toNumber()).toBeCloseTo(0.855, 6);
    },
  );

  it('finds no service through an account id that Google service accounts of two projects share', () => {
    const twoProjects = cluster([
      costCenter('ml'),
      deployment('ml', 'trainer', { 'argmin.io/cost-center': 'ml' }),
      deployment('ml', 'tuner', { 'argmin.io/cost-center': 'ml' }),
      ...(['trainer', 'tuner'] as const).map((name) => ({
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: {
          name,
          namespace: 'ml',
          annotations: {
            'iam.gke.io/gcp-service-account': `worker@acme-${name}.iam.gserviceaccount.com`,
          },
        },
      })),
    ]);
    const graph = new AttributionGraph({
      state: twoProjects,
      people: [],
      groups: [],
      codeowners: new Map(),
    });
    expect(graph.resolveCaller({ gcpPrincipal: 'worker' })).toBeNull();
  });
});

describe('workload identity stated by an inventory', () => {
  const state = cluster([
    costCenter('search'),
    deployment('search', 'ranker', { 'argmin.io/cost-center': 'search' }),
  ]);
  const binding = {
    provider: 'aws' as const,
    principal: 'arn:aws:iam::111122223333:role/eks/ranker-bedrock',
    serviceAccount: 'search/ranker',
    evidence: 'EKS Pod Identity association a-0123 on cluster prod',
    source: { connector: 'finops/aws', file: 'pod-identity.json', line: 4 },
  };
  const caller = {
    awsPrincipal: 'arn:aws:sts::111122223333:assumed-role/ranker-bedrock/eks-prod-ranker-7f9',
  };

  it('finds the service of a Pod Identity role that no ServiceAccount annotation names', () => {
    const g = new AttributionGraph({
      state,
      people: [],
      groups: [],
      codeowners: new Map(),
      bindings: [binding],
    });
    const found = g.resolveCaller(caller);
    expect(found?.service).toBe('search/ranker');
    expect(found?.costCenter).toBe('search');
    expect(pathConfidence(found!.edges).toNumber()).toBeCloseTo(0.855, 6);
    expect(found!.edges[0]!.evidence).toContain('pod-identity.json:4');
  });

  it('finds no service for the same caller without the binding', () => {
    const g = new AttributionGraph({ state, people: [], groups: [], codeowners: new Map() });
    expect(g.resolveCaller(caller)?.service ?? null).toBeNull();
  });
});
