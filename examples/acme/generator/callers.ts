// Who calls which model in October 2026, how often and how big. Every caller names the cost
// center and evidence a reader should expect the report to show for it.
import {
  HAIKU_3_5,
  NOVA_PRO,
  SONNET_4,
  type Caller,
  type Expectation,
  type GatewayCaller,
  type Model,
  type Range,
  type Traffic,
} from './org.js';

const SSO_ROLE = 'AWSReservedSSO_DataScientist_0a1b2c';

const US = (model: Model) => [`us.${model.id}`];
const BOTH = (model: Model) => [model.id, `us.${model.id}`];
const ALL_DAY: Range = [0, 23];
const WORK_HOURS: Range = [13, 23];
const NONE: Range = [0, 0];

function person(
  userName: string,
  apiKeyId: string,
  model: Model,
  weekdayCalls: Range,
  expect: Expectation,
  extra: Partial<Traffic> = {},
): GatewayCaller {
  const [input, output]: [Range, Range] =
    model === SONNET_4
      ? [
          [8000, 40000],
          [800, 3000],
        ]
      : [
          [2000, 9000],
          [150, 900],
        ];
  return {
    via: 'gateway',
    name: userName,
    identity: { apiKeyId, user: userName },
    traffic: [
      {
        model,
        modelIds: US(model),
        weekdayCalls,
        weekendCalls: NONE,
        hours: WORK_HOURS,
        input,
        output,
        errorShare: 0.03,
        ...extra,
      },
    ],
    expect,
  };
}

export const CALLERS: readonly Caller[] = [
  {
    via: 'bedrock',
    name: 'search/ranker',
    roleName: 'search-ranker',
    session: 'botocore',
    operations: ['InvokeModel', 'InvokeModel', 'InvokeModel', 'InvokeModelWithResponseStream'],
    traffic: [
      {
        model: HAIKU_3_5,
        modelIds: BOTH(HAIKU_3_5),
        weekdayCalls: [6, 9],
        weekendCalls: [2, 4],
        hours: ALL_DAY,
        input: [6000, 16000],
        output: [150, 600],
        cacheRead: { tokens: [30000, 70000], share: 0.7 },
        cacheWrite: { tokens: [30000, 40000], share: 0.08 },
        errorShare: 0.03,
      },
    ],
    expect: { costCenter: 'search', evidence: 'IRSA role, then workload annotation' },
  },
  {
    via: 'bedrock',
    name: 'support/ticket-summarizer',
    roleName: 'support-ticket-summarizer',
    session: 'botocore',
    operations: ['Converse', 'ConverseStream'],
    requestUsers: ['hana.sato@acme.example', 'grace.liu@acme.example'],
    traffic: [
      {
        model: SONNET_4,
        modelIds: US(SONNET_4),
        weekdayCalls: [4, 7],
        weekendCalls: [1, 2],
        hours: ALL_DAY,
        input: [10000, 40000],
        output: [600, 2000],
        cacheRead: { tokens: [40000, 120000], share: 0.8 },
        cacheWrite: { tokens: [20000, 40000], share: 0.15 },
        errorShare: 0.04,
      },
    ],
    expect: { costCenter: 'support', evidence: 'IRSA role, then namespace annotation' },
  },
  {
    via: 'bedrock',
    name: 'payments/invoice-parser',
    roleName: 'payments-invoice-parser',
    session: 'botocore',
    operations: ['InvokeModel'],
    traffic: [
      {
        model: NOVA_PRO,
        modelIds: BOTH(NOVA_PRO),
        weekdayCalls: [3, 5],
        weekendCalls: NONE,
        hours: WORK_HOURS,
        input: [6000, 15000],
        output: [500, 1500],
        cacheRead: { tokens: [4000, 6000], share: 0.3 },
        errorShare: 0.02,
      },
      {
        model: SONNET_4,
        modelIds: US(SONNET_4),
        weekdayCalls: [0, 2],
        weekendCalls: NONE,
        hours: WORK_HOURS,
        input: [12000, 30000],
        output: [800, 2000],
        errorShare: 0,
      },
    ],
    expect: { costCenter: 'payments', evidence: 'IRSA role, then CostCenter namespaceSelector' },
  },
  {
    via: 'bedrock',
    name: 'platform/report-bot',
    roleName: 'quarterly-report-runner',
    session: 'botocore',
    operations: ['InvokeModelWithResponseStream'],
    traffic: [
      {
        model: SONNET_4,
        modelIds: US(SONNET_4),
        weekdayCalls: [1, 2],
        weekendCalls: NONE,
        hours: [13, 14],
        input: [60000, 150000],
        output: [3000, 8000],
        errorShare: 0.05,
      },
    ],
    expect: { costCenter: null, evidence: 'none: no workload names the role' },
  },
  {
    via: 'bedrock',
    name: 'priya.shah@acme.example',
    roleName: SSO_ROLE,
    session: 'priya.shah@acme.example',
    operations: ['ConverseStream', 'Converse'],
    billedAsPrincipal: true,
    traffic: [
      {
        model: SONNET_4,
        modelIds: US(SONNET_4),
        weekdayCalls: [6, 10],
        weekendCalls: NONE,
        days: [8, 22],
        hours: [15, 21],
        input: [10000, 40000],
        output: [1000, 4000],
        errorShare: 0,
      },
    ],
    expect: { costCenter: 'data-science', evidence: 'IAM principal, then SCIM costCenter' },
  },
  {
    via: 'gateway',
    name: 'payments/fraud-scorer',
    identity: { serviceAccount: 'payments/fraud-scorer' },
    traffic: [
      {
        model: HAIKU_3_5,
        modelIds: US(HAIKU_3_5),
        weekdayCalls: [4, 7],
        weekendCalls: [3, 5],
        hours: ALL_DAY,
        input: [900, 2400],
        output: [40, 160],
        errorShare: 0.02,
      },
    ],
    expect: { costCenter: 'payments', evidence: 'service account, then workload annotation' },
  },
  {
    via: 'gateway',
    name: 'support/reply-drafter',
    identity: { serviceAccount: 'support/reply-drafter' },
    traffic: [
      {
        model: SONNET_4,
        modelIds: US(SONNET_4),
        weekdayCalls: [3, 6],
        weekendCalls: [1, 2],
        hours: ALL_DAY,
        input: [8000, 25000],
        output: [500, 1500],
        errorShare: 0.03,
      },
    ],
    expect: { costCenter: 'support', evidence: 'service account, then namespace annotation' },
  },
  {
    via: 'gateway',
    name: 'ml/eval-runner',
    identity: { serviceAccount: 'ml/eval-runner' },
    traffic: [
      {
        model: SONNET_4,
        modelIds: US(SONNET_4),
        weekdayCalls: [30, 45],
        weekendCalls: [30, 45],
        days: [12, 13, 14, 26, 27],
        hours: [1, 6],
        input: [10000, 30000],
        output: [2000, 6000],
        reasoningShare: 0.4,
        errorShare: 0.05,
      },
    ],
    expect: { costCenter: 'data-science', evidence: 'service account, then workloadSelector' },
  },
  {
    via: 'gateway',
    name: 'platform/docs-assistant',
    identity: { serviceAccount: 'platform/docs-assistant' },
    traffic: [
      {
        model: HAIKU_3_5,
        modelIds: US(HAIKU_3_5),
        weekdayCalls: [3, 5],
        weekendCalls: [0, 1],
        hours: WORK_HOURS,
        input: [6000, 16000],
        output: [250, 800],
        errorShare: 0.02,
      },
    ],
    expect: { costCenter: 'platform', evidence: 'service account, then CODEOWNERS (repo root)' },
  },
  {
    via: 'gateway',
    name: 'ml/dataset-labeler',
    identity: { serviceAccount: 'ml/dataset-labeler' },
    traffic: [
      {
        model: HAIKU_3_5,
        modelIds: US(HAIKU_3_5),
        weekdayCalls: [3, 5],
        weekendCalls: [3, 5],
        hours: [2, 2],
        input: [80000, 150000],
        output: [4000, 8000],
        errorShare: 0.02,
      },
    ],
    expect: {
      costCenter: 'data-science',
      evidence: 'service account, then CODEOWNERS (monorepo path)',
    },
  },
  {
    via: 'gateway',
    name: 'search/query-rewriter',
    identity: { apiKeyId: 'ak_7f3e9b21c4d05a68' },
    service: 'search/query-rewriter',
    traffic: [
      {
        model: HAIKU_3_5,
        modelIds: [HAIKU_3_5.id],
        weekdayCalls: [4, 6],
        weekendCalls: [2, 3],
        hours: ALL_DAY,
        input: [300, 900],
        output: [30, 120],
        errorShare: 0.01,
      },
    ],
    expect: { costCenter: 'search', evidence: 'service field, then CostCenter namespaces' },
  },
  {
    via: 'gateway',
    name: 'platform/llm-gateway',
    identity: { serviceAccount: 'platform/llm-gateway' },
    service: 'platform/llm-gateway',
    traffic: [
      {
        model: HAIKU_3_5,
        modelIds: US(HAIKU_3_5),
        weekdayCalls: [2, 2],
        weekendCalls: [2, 2],
        hours: ALL_DAY,
        input: [14, 20],
        output: [3, 6],
        errorShare: 0,
      },
    ],
    expect: { costCenter: 'platform', evidence: 'service field, then workload annotation' },
  },
  person('ben.carter@acme.example', 'ak_1b8c44e0f29a7d13', SONNET_4, [2, 4], {
    costCenter: 'search',
    evidence: 'API key user, then SCIM costCenter',
  }),
  person('aisha.bello@acme.example', 'ak_5d02a9e7b3c81f46', HAIKU_3_5, [1, 3], {
    costCenter: 'search',
    evidence: 'API key user, then manager chain',
  }),
  person('lucas.martin@acme.example', 'ak_c93f1a6d2e7b0458', SONNET_4, [1, 2], {
    costCenter: 'payments',
    evidence: 'API key user, then SCIM costCenter',
  }),
  person('hana.sato@acme.example', 'ak_08e4d7c1a95b3f62', HAIKU_3_5, [2, 3], {
    costCenter: 'support',
    evidence: 'API key user, then SCIM costCenter',
  }),
  person('rafael.costa@acme.example', 'ak_e61b5f93d0a8c247', SONNET_4, [1, 3], {
    costCenter: 'platform',
    evidence: 'API key user, then SCIM costCenter',
  }),
  // Left the company on 2026-10-09; the key was revoked the same day.
  person(
    'noah.fischer@acme.example',
    'ak_4a97c2e08f1d6b35',
    SONNET_4,
    [1, 3],
    { costCenter: 'platform', evidence: 'API key user (inactive), then SCIM costCenter' },
    { days: [1, 2, 5, 6, 7, 8, 9] },
  ),
  person(
    'ivy.chen@acme.example',
    'ak_f2d86b14e7a93c50',
    SONNET_4,
    [2, 3],
    { costCenter: 'data-science', evidence: 'API key user, then SCIM costCenter' },
    { reasoningShare: 0.3 },
  ),
  person('sam.okafor@acme.example', 'ak_9c5a3e7f1b2d0846', HAIKU_3_5, [1, 2], {
    costCenter: null,
    evidence: 'none: API key user without enterprise attributes',
  }),
];
