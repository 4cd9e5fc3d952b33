import { describe, expect, it } from 'vitest';
import {
  CrdError,
  CrdValidator,
  RULES_NOT_CHECKED,
  validateResource,
  type CustomResourceDefinition,
  type StructuralSchema,
} from './index.js';

/** A CRD `example.io/v1` `Widget` with `spec` as given, for behaviour the shipped CRDs lack. */
function widgets(spec: StructuralSchema, root: Partial<StructuralSchema> = {}): CrdValidator {
  const crd: CustomResourceDefinition = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.io' },
    spec: {
      group: 'example.io',
      scope: 'Namespaced',
      names: { kind: 'Widget', listKind: 'WidgetList', plural: 'widgets', singular: 'widget' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, spec },
              ...root,
            },
          },
        },
      ],
    },
  };
  return new CrdValidator([crd]);
}
const widget = (spec: unknown) => ({
  apiVersion: 'example.io/v1',
  kind: 'Widget',
  metadata: { name: 'w' },
  spec,
});
const shown = (problems: { path: string; message: string }[]) =>
  problems.map((p) => `${p.path}: ${p.message}`);

describe('pruning', () => {
  it('drops fields the schema does not declare and reports where they were', () => {
    const result = validateResource({
      apiVersion: 'argmin.io/v1alpha1',
      kind: 'CostCenter',
      metadata: { name: 'payments', labels: { team: 'payments' }, uid: 'abc' },
      spec: {
        code: 'CC-1',
        displayName: 'Payments',
        budgte: { amount: '10' },
        owners: { tems: [] },
      },
    });
    expect(result.unknownFields.map((f) => f.path)).toEqual(['spec.budgte', 'spec.owners.tems']);
    expect(result.object.spec).not.toHaveProperty('budgte');
    expect(result.object.metadata).toEqual({
      name: 'payments',
      labels: { team: 'payments' },
      uid: 'abc',
    });
    expect(result.problems).toEqual([]);
  });

  it('keeps fields under x-kubernetes-preserve-unknown-fields', () => {
    const v = widgets({
      type: 'object',
      properties: { raw: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
    });
    const result = v.validate(widget({ raw: { anything: { at: ['all'] } }, other: 1 }));
    expect(result.object.spec).toEqual({ raw: { anything: { at: ['all'] } } });
    expect(result.unknownFields.map((f) => f.path)).toEqual(['spec.other']);
  });

  it('treats null in a field that is not nullable as absent, so its default applies', () => {
    const v = widgets({
      type: 'object',
      properties: {
        size: { type: 'integer', default: 3 },
        note: { type: 'string', nullable: true },
      },
    });
    const result = v.validate(widget({ size: null, note: null }));
    expect(result.object.spec).toEqual({ size: 3, note: null });
    expect(result.problems).toEqual([]);
  });

  it('leaves the object it was given untouched', () => {
    const input = widget({ extra: true });
    widgets({ type: 'object', properties: {} }).validate(input);
    expect(input.spec).toEqual({ extra: true });
  });
});

describe('defaulting', () => {
  it.each([
    {
      kind: 'CostCenter',
      spec: { code: 'CC-1', displayName: 'P', budget: { amount: '10' } },
      defaulted: {
        code: 'CC-1',
        displayName: 'P',
        budget: { amount: '10', currency: 'USD', period: 'Monthly' },
        timeZone: 'UTC',
      },
    },
    {
      kind: 'CloudConnector',
      spec: {
        provider: 'aws',
        sources: [{ name: 'cur', format: 'aws-cur-2.0', url: 'file://cur/' }],
        credentialsSecretRef: { name: 'aws' },
      },
      defaulted: {
        provider: 'aws',
        sources: [{ name: 'cur', format: 'aws-cur-2.0', url: 'file://cur/' }],
        credentialsSecretRef: { name: 'aws', key: 'credentials' },
        schedule: '1h',
        suspend: false,
      },
    },
    {
      kind: 'AttributionPolicy',
      spec: { sharedServices: [{ service: 'ai/gateway' }] },
      defaulted: {
        sharedServices: [{ service: 'ai/gateway', splitBy: 'Requests' }],
        minConfidence: '0.5',
        priceDriftThreshold: '0.05',
      },
    },
  ])(
    'fills in the defaults of a $kind without adding absent objects',
    ({ kind, spec, defaulted }) => {
      const result = validateResource({
        apiVersion: 'argmin.io/v1alpha1',
        kind,
        metadata: { name: 'x' },
        spec,
      });
      expect(result.problems).toEqual([]);
      expect(result.object.spec).toEqual(defaulted);
    },
  );

  it('keeps a value the user set over the default', () => {
    const result = validateResource({
      apiVersion: 'argmin.io/v1alpha1',
      kind: 'CostCenter',
      metadata: { name: 'x' },
      spec: { code: 'C', displayName: 'X', budget: { amount: '1', currency: 'EUR' } },
    });
    expect(result.object.spec).toMatchObject({ budget: { currency: 'EUR', period: 'Monthly' } });
  });
});

describe('schema validation', () => {
  const costCenter = (spec: Record<string, unknown>, metadata: object = { name: 'payments' }) => ({
    apiVersion: 'argmin.io/v1alpha1',
    kind: 'CostCenter',
    metadata,
    spec: { code: 'CC-1', displayName: 'Payments', ...spec },
  });

  it.each([
    {
      name: 'a missing required field',
      object: { ...costCenter({}), spec: { code: 'CC-1' } },
      expected: 'spec.displayName: Required value',
    },
    {
      name: 'a value outside an enum',
      object: costCenter({ budget: { amount: '1', period: 'Weekly' } }),
      expected:
        'spec.budget.period: Unsupported value: "Weekly": supported values: "Monthly", "Quarterly", "Yearly"',
    },
    {
      name: 'a wrong type',
      object: costCenter({ budget: { amount: 100 } }),
      expected: 'spec.budget.amount: Invalid value: 100: must be of type string',
    },
    {
      name: 'a string that misses its pattern',
      object: costCenter({ budget: { amount: '1,000' } }),
      expected: `spec.budget.amount: Invalid value: "1,000": must match '^-?[0-9]+(\\.[0-9]+)?$'`,
    },
    {
      name: 'an integer out of range, inside a list',
      object: costCenter({ budget: { amount: '1', alertThresholds: [50, 1001] } }),
      expected: 'spec.budget.alertThresholds[1]: Invalid value: 1001: must be <= 1000',
    },
    {
      name: 'too many items',
      object: costCenter({
        budget: { amount: '1', alertThresholds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] },
      }),
      expected: 'spec.budget.alertThresholds: Too many: 11: must have at most 10 items',
    },
    {
      name: 'a duplicate in a set',
      object: costCenter({ namespaces: ['shop', 'payments', 'shop'] }),
      expected: 'spec.namespaces[2]: Duplicate value: "shop"',
    },
    {
      name: 'a bad name',
      object: costCenter({}, { name: 'Payments_Team' }),
      expected: expect.stringMatching(/^metadata\.name: Invalid value: "Payments_Team": must be/),
    },
    {
      name: 'a status time that is not RFC 3339',
      object: { ...costCenter({}), status: { lastAttributionTime: 'yesterday' } },
      expected:
        'status.lastAttributionTime: Invalid value: "yesterday": must be an RFC 3339 date-time',
    },
    {
      name: 'an unknown kind in the argmin.io group',
      object: { ...costCenter({}), kind: 'CostCentre' },
      expected: 'kind: no CustomResourceDefinition serves kind CostCentre in argmin.io/v1alpha1',
    },
  ])('reports $name with its path', ({ object, expected }) => {
    expect(shown(validateResource(object).problems)[0]).toEqual(expected);
  });

  it('reports a duplicate key in a map list at the later item', () => {
    const result = validateResource({
      apiVersion: 'argmin.io/v1alpha1',
      kind: 'CloudConnector',
      metadata: { name: 'aws' },
      spec: {
        provider: 'aws',
        sources: [{ name: 'cur', format: 'aws-cur-2.0', url: 'file://a/' }],
        accounts: [{ id: '111111111111' }, { id: '111111111111', name: 'again' }],
      },
    });
    expect(shown(result.problems)).toEqual([
      'spec.accounts[1]: Duplicate value: {"id":"111111111111"}',
    ]);
  });

  it('does not evaluate CEL rules when a blocking schema error is present, and says so', () => {
    const result = validateResource(
      costCenter({ parent: 'payments', budget: { amount: '1', period: 'Weekly' } }),
    );
    expect(shown(result.problems)).toEqual([
      'spec.budget.period: Unsupported value: "Weekly": supported values: "Monthly", "Quarterly", "Yearly"',
      `: ${RULES_NOT_CHECKED}`,
    ]);
  });

  it('accepts a status the operator writes', () => {
    const result = validateResource({
      ...costCenter({}),
      status: {
        observedGeneration: 3,
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            reason: 'Attributed',
            message: 'spend attributed',
            lastTransitionTime: '2025-03-01T10:00:00Z',
            observedGeneration: 3,
          },
        ],
        spend: '1234.56',
        budgetUsedPercent: '12.3',
        forecast: '4000',
        confidence: '0.87',
        currency: 'USD',
        lastAttributionTime: '2025-03-01T10:00:00Z',
      },
    });
    expect(result.problems).toEqual([]);
  });

  it('translates int-or-string, nullable and exclusive bounds', () => {
    const v = widgets({
      type: 'object',
      properties: {
        port: { 'x-kubernetes-int-or-string': true },
        ratio: { type: 'number', minimum: 0, exclusiveMinimum: true },
        owner: { type: 'string', nullable: true, enum: ['a', 'b'] },
      },
    });
    expect(v.validate(widget({ port: 'http', ratio: 0.5, owner: null })).problems).toEqual([]);
    expect(v.validate(widget({ port: 8080, ratio: 1 })).problems).toEqual([]);
    expect(shown(v.validate(widget({ port: true, ratio: 0 })).problems)).toEqual([
      'spec.port: Invalid value: true: must be of type integer or string',
      'spec.ratio: Invalid value: 0: must be > 0',
      `: ${RULES_NOT_CHECKED}`,
    ]);
  });

  it('names a map key in brackets, as Kubernetes field paths do', () => {
    const v = widgets({
      type: 'object',
      properties: {
        labels: { type: 'object', additionalProperties: { type: 'string', maxLength: 3 } },
      },
    });
    const result = v.validate(widget({ labels: { 'app.kubernetes.io/name': 'long' } }));
    expect(shown(result.problems)[0]).toBe(
      'spec.labels[app.kubernetes.io/name]: Too long: may not be longer than 3',
    );
    expect(result.problems[0]!.segments).toEqual(['spec', 'labels', 'app.kubernetes.io/name']);
  });
});

describe('CEL rules', () => {
  it('correlates oldSelf through a map list by its keys, and not through other lists', () => {
    const immutableSize = [{ rule: 'self.size == oldSelf.size', message: 'size is immutable' }];
    const item = {
      type: 'object' as const,
      required: ['name'],
      properties: { name: { type: 'string' as const }, size: { type: 'integer' as const } },
      'x-kubernetes-validations': immutableSize,
    };
    const v = widgets({
      type: 'object',
      properties: {
        byName: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
          items: item,
        },
        atomic: { type: 'array', items: item },
      },
    });
    const old = widget({ byName: [{ name: 'a', size: 1 }], atomic: [{ name: 'a', size: 1 }] });
    const next = widget({
      byName: [
        { name: 'b', size: 5 },
        { name: 'a', size: 2 },
      ],
      atomic: [{ name: 'a', size: 2 }],
    });
    expect(shown(v.validate(next, { oldObject: old }).problems)).toEqual([
      'spec.byName[1]: size is immutable',
    ]);
  });

  it('uses messageExpression, and the message when the expression fails', () => {
    const v = widgets({
      type: 'object',
      properties: { replicas: { type: 'integer' }, max: { type: 'integer' } },
      'x-kubernetes-validations': [
        {
          rule: 'self.replicas <= self.max',
          messageExpression: "'replicas must be at most ' + string(self.max)",
          fieldPath: '.replicas',
        },
        {
          rule: 'self.replicas > 0',
          messageExpression: 'self.missing',
          message: 'replicas must be positive',
        },
      ],
    });
    expect(shown(v.validate(widget({ replicas: 0, max: -1 })).problems)).toEqual([
      'spec.replicas: replicas must be at most -1',
      'spec: replicas must be positive',
    ]);
  });

  it('reports a rule that cannot be evaluated instead of passing it', () => {
    const v = widgets({
      type: 'object',
      properties: { a: { type: 'object', properties: { b: { type: 'string' } } } },
      'x-kubernetes-validations': [{ rule: "self.a.b == 'x'", message: 'b must be x' }],
    });
    expect(shown(v.validate(widget({ a: {} })).problems)).toEqual([
      `spec: rule "self.a.b == 'x'" could not be evaluated: No such key: b`,
    ]);
  });

  it('passes integers to CEL as ints and date-times as timestamps', () => {
    const v = widgets({
      type: 'object',
      properties: { n: { type: 'integer' }, at: { type: 'string', format: 'date-time' } },
      'x-kubernetes-validations': [
        { rule: 'self.n / 2 == 1', message: 'integer division' },
        { rule: "self.at < timestamp('2030-01-01T00:00:00Z')", message: 'before 2030' },
      ],
    });
    expect(v.validate(widget({ n: 3, at: '2025-01-01T00:00:00Z' })).problems).toEqual([]);
  });

  it.each([
    ['does not parse', 'self.a ==', /does not compile: Unexpected token/],
    ['calls a function the environment lacks', 'self.a.quantity() > 0', /does not compile/],
  ])('refuses a CRD whose rule %s', (_, rule, message) => {
    const load = () =>
      widgets({
        type: 'object',
        properties: { a: { type: 'string', 'x-kubernetes-validations': [{ rule }] } },
      });
    expect(load).toThrow(CrdError);
    expect(load).toThrow(message);
  });
});
