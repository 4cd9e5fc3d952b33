import { describe, expect, it } from 'vitest';
import * as attribution from '../attribution/index.js';
import type {
  AttributionPolicySpec,
  AttributionPolicyStatus,
  AzureConnectorSpec,
  CloudConnectorSpec,
  CloudConnectorStatus,
  CostCenterSpec,
  CostCenterStatus,
  GcpConnectorSpec,
  StatusCondition,
} from '../attribution/index.js';
import { SUPPORTED_FORMATS } from '../connectors/index.js';
import { loadCrds, validateResource, type StructuralSchema } from './index.js';

const crds = loadCrds();
const schemaOf = (kind: string) =>
  crds.find((c) => c.spec.names.kind === kind)!.spec.versions[0]!.schema.openAPIV3Schema;

/** Every node of a schema, with its path and whether it is a named field. */
function* nodes(
  node: StructuralSchema,
  at = '',
  isField = false,
): Generator<{ at: string; node: StructuralSchema; isField: boolean }> {
  yield { at, node, isField };
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    yield* nodes(child, `${at}.${key}`, true);
  }
  if (node.items) yield* nodes(node.items, `${at}[]`, false);
  if (typeof node.additionalProperties === 'object') {
    yield* nodes(node.additionalProperties, `${at}[*]`, false);
  }
}

describe.each(crds.map((crd) => ({ kind: crd.spec.names.kind, crd })))(
  'the $kind CRD',
  ({ crd }) => {
    const version = crd.spec.versions[0]!;
    const schema = version.schema.openAPIV3Schema;

    it('is argmin.io/v1alpha1, cluster-scoped, in the argmin category, with short names', () => {
      expect(crd.spec.group).toBe('argmin.io');
      expect(crd.spec.versions.map((v) => v.name)).toEqual(['v1alpha1']);
      expect(crd.spec.scope).toBe('Cluster');
      expect(crd.spec.names.categories).toEqual(['argmin']);
      expect(crd.spec.names.shortNames?.length).toBeGreaterThan(0);
      expect(crd.metadata.name).toBe(`${crd.spec.names.plural}.${crd.spec.group}`);
    });

    it('has the status subresource with observedGeneration and keyed conditions', () => {
      expect(version.subresources?.status).toEqual({});
      const status = schema.properties!.status!;
      expect(status.properties!.observedGeneration!.type).toBe('integer');
      const conditions = status.properties!.conditions!;
      expect(conditions['x-kubernetes-list-type']).toBe('map');
      expect(conditions['x-kubernetes-list-map-keys']).toEqual(['type']);
      expect(conditions.items!.required).toEqual([
        'type',
        'status',
        'reason',
        'message',
        'lastTransitionTime',
      ]);
    });

    it('describes every field, so kubectl explain teaches the API', () => {
      const bare = [...nodes(schema)].filter((n) => n.isField && !n.node.description);
      expect(bare.map((n) => n.at)).toEqual([]);
    });

    it('is structural: every node has a type', () => {
      const untyped = [...nodes(schema)].filter(
        (n) =>
          !n.node.type &&
          !n.node['x-kubernetes-int-or-string'] &&
          !n.node['x-kubernetes-preserve-unknown-fields'],
      );
      expect(untyped.map((n) => n.at)).toEqual([]);
    });

    it('has printer columns that point at fields of the schema, Ready and Age among them', () => {
      const columns = version.additionalPrinterColumns ?? [];
      expect(columns.map((c) => c.name)).toEqual(expect.arrayContaining(['Ready', 'Age']));
      const fields = new Set([...nodes(schema)].map((n) => n.at));
      for (const column of columns) {
        const path = column.jsonPath.replace(/\[\?\(.*?\)\]/g, '[]');
        expect(fields.has(path) || path === '.metadata.creationTimestamp', column.jsonPath).toBe(
          true,
        );
      }
    });

    it('has defaults that pass their own schema', () => {
      for (const { at, node } of nodes(schema)) {
        if (node.default === undefined) continue;
        expect(node.enum ?? [node.default], at).toContain(node.default);
        if (node.pattern) expect(String(node.default), at).toMatch(new RegExp(node.pattern, 'u'));
      }
    });
  },
);

const ready: StatusCondition = {
  type: 'Ready',
  status: 'True',
  reason: 'Synced',
  message: 'all sources read',
  lastTransitionTime: '2025-03-01T10:00:00Z',
  observedGeneration: 2,
};

// Required<> makes the compiler insist on every field of the TypeScript types, so a field added
// to attribution/resources.ts without its CRD counterpart (or the other way round) fails here.
const everyField = [
  {
    kind: 'CostCenter',
    spec: {
      code: 'CC-4200',
      displayName: 'Payments',
      parent: 'finance',
      owners: { teams: ['@acme/payments'], people: ['ana@acme.com'] },
      accounts: ['111111111111'],
      namespaces: ['payments'],
      namespaceSelector: { matchLabels: { team: 'payments' } },
      workloadSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['ai'] }] },
      budget: { amount: '25000', currency: 'USD', period: 'Monthly', alertThresholds: [50, 100] },
      timeZone: 'Europe/Berlin',
    } satisfies Required<CostCenterSpec>,
    status: {
      observedGeneration: 2,
      conditions: [ready],
      spend: '1200.50',
      forecast: '3100',
      budgetUsedPercent: '4.8',
      confidence: '0.91',
      lastAttributionTime: '2025-03-01T10:00:00Z',
      currency: 'USD',
    } satisfies Required<CostCenterStatus>,
  },
  {
    kind: 'CloudConnector',
    spec: {
      provider: 'aws',
      accounts: [{ id: '111111111111', name: 'prod' }],
      sources: [{ name: 'cur', format: 'aws-cur-2.0', url: 'file://cur/' }],
      aws: {
        roleArn: 'arn:aws:iam::111111111111:role/argmin-read-only',
        externalId: 'argmin',
        region: 'us-east-1',
      },
      schedule: '6h',
      credentialsSecretRef: { name: 'aws-credentials', key: 'credentials' },
      suspend: false,
    } satisfies Required<Omit<CloudConnectorSpec, 'gcp' | 'azure'>>,
    status: {
      observedGeneration: 2,
      conditions: [ready],
      lastSyncTime: '2025-03-01T10:00:00Z',
      rowsRead: 1200,
      rowsQuarantined: 1,
      quarantineSamples: [
        { file: 'cur/2025-03.csv', line: 7, field: 'line_item_unblended_cost', reason: 'bad' },
      ],
      accountsSeen: ['111111111111'],
    } satisfies Required<CloudConnectorStatus>,
  },
  {
    kind: 'CloudConnector',
    spec: {
      provider: 'gcp',
      sources: [{ name: 'events', format: 'argmin-events', url: 'file://events/' }],
      gcp: {
        projectId: 'acme-billing',
        billingAccountId: '012345-6789AB-CDEF01',
        dataset: 'acme-billing.billing_export',
        serviceAccount: 'argmin@acme-billing.iam.gserviceaccount.com',
      } satisfies Required<GcpConnectorSpec>,
    } satisfies CloudConnectorSpec,
    status: {},
  },
  {
    kind: 'CloudConnector',
    spec: {
      provider: 'azure',
      sources: [{ name: 'events', format: 'argmin-events', url: 'file://events/' }],
      azure: {
        tenantId: '0f0e0d0c-0b0a-0908-0706-050403020100',
        scope: '/subscriptions/00000000-0000-0000-0000-000000000001',
        clientId: '00000000-0000-0000-0000-0000000000aa',
      } satisfies Required<AzureConnectorSpec>,
    } satisfies CloudConnectorSpec,
    status: {},
  },
  {
    kind: 'AttributionPolicy',
    spec: {
      repositories: [
        {
          name: 'github.com/acme/checkout',
          codeowners: 'file://checkout/CODEOWNERS',
          images: ['ghcr.io/acme/checkout'],
        },
      ],
      scope: { namespaces: ['shop'], accounts: ['111111111111'] },
      minConfidence: '0.6',
      evidenceWeights: { codeowners: '0.85' },
      overrides: [{ match: { service: 'shop/legacy' }, costCenter: 'shop' }],
      sharedServices: [{ service: 'ai/gateway', splitBy: 'Tokens', costCenter: 'platform' }],
      priceBook: 'prices/negotiated.yaml',
      priceDriftThreshold: '0.1',
    } satisfies Required<AttributionPolicySpec>,
    status: {
      observedGeneration: 2,
      conditions: [ready],
      coverage: '0.87',
    } satisfies Required<AttributionPolicyStatus>,
  },
];

describe('the CRDs and attribution/resources.ts', () => {
  it.each(everyField)('accept a $kind that uses every field of its types', (example) => {
    const object = { apiVersion: 'argmin.io/v1alpha1', metadata: { name: 'x' }, ...example };
    const result = validateResource(object);
    expect(result.problems).toEqual([]);
    expect(result.unknownFields).toEqual([]);
  });

  it.each(['CostCenter', 'CloudConnector', 'AttributionPolicy'])(
    'name the same top-level fields of %s spec and status',
    (kind) => {
      const examples = everyField.filter((e) => e.kind === kind);
      const keys = (part: 'spec' | 'status') =>
        [...new Set(examples.flatMap((e) => Object.keys(e[part])))].sort();
      const schema = schemaOf(kind).properties!;
      expect(Object.keys(schema.spec!.properties!).sort()).toEqual(keys('spec'));
      expect(Object.keys(schema.status!.properties!).sort()).toEqual(keys('status'));
    },
  );

  const weights = (attribution as Record<string, unknown>).DEFAULT_EVIDENCE_WEIGHTS as
    Record<string, string> | undefined;
  it.runIf(weights !== undefined)('accept exactly the evidence kinds attribution weighs', () => {
    for (const kind of Object.keys(weights!)) {
      const spec = { evidenceWeights: { [kind]: '0.5' } };
      const object = {
        apiVersion: 'argmin.io/v1alpha1',
        kind: 'AttributionPolicy',
        metadata: { name: 'p' },
        spec,
      };
      expect(validateResource(object).problems, kind).toEqual([]);
    }
    const rule = schemaOf('AttributionPolicy').properties!.spec!.properties!.evidenceWeights!;
    expect(rule.maxProperties).toBe(Object.keys(weights!).length);
  });

  it('offer exactly the source formats connectors read', () => {
    const format =
      schemaOf('CloudConnector').properties!.spec!.properties!.sources!.items!.properties!.format!;
    expect([...format.enum!].sort()).toEqual([...SUPPORTED_FORMATS].sort());
  });
});
