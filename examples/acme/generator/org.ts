// Acme Robotics' accounts, the billing period, the models it uses and the shapes of its callers.
import type { CallerIdentity, TokenClass } from '../../../attribution/index.js';

export interface Account {
  id: string;
  name: string;
}

export const PAYER: Account = { id: '111122223333', name: 'acme-payer' };
export const PROD: Account = { id: '210987654321', name: 'acme-prod' };
export const SANDBOX: Account = { id: '345678901234', name: 'acme-ml-sandbox' };

/** Billing period: October 2026, UTC. 2026-10-01 is a Thursday. */
export const MONTH_START_MS = Date.UTC(2026, 9, 1);
export const DAYS_IN_MONTH = 31;
export const DAY_MS = 86_400_000;

export function isWeekend(day: number): boolean {
  const weekday = new Date(MONTH_START_MS + (day - 1) * DAY_MS).getUTCDay();
  return weekday === 0 || weekday === 6;
}

export const REGIONS: Record<string, { code: string; name: string }> = {
  'us-east-1': { code: 'USE1', name: 'US East (N. Virginia)' },
  'us-west-2': { code: 'USW2', name: 'US West (Oregon)' },
};

export interface Model {
  /** The model segment of CUR usage types. */
  billingName: string;
  displayName: string;
  vendor: string;
  id: string;
  /** On-demand USD per 1K tokens; a class the model does not bill is absent. */
  ratePer1K: Partial<Record<TokenClass, string>>;
}

export const SONNET_4: Model = {
  billingName: 'Claude4Sonnet',
  displayName: 'Claude Sonnet 4',
  vendor: 'Anthropic',
  id: 'anthropic.claude-sonnet-4-20250514-v1:0',
  ratePer1K: {
    inputTokens: '0.003',
    outputTokens: '0.015',
    cacheReadTokens: '0.0003',
    cacheWriteTokens: '0.00375',
  },
};

export const HAIKU_3_5: Model = {
  billingName: 'Claude3.5Haiku',
  displayName: 'Claude 3.5 Haiku',
  vendor: 'Anthropic',
  id: 'anthropic.claude-3-5-haiku-20241022-v1:0',
  ratePer1K: {
    inputTokens: '0.0008',
    outputTokens: '0.004',
    cacheReadTokens: '0.00008',
    cacheWriteTokens: '0.001',
  },
};

// Nova bills no cache writes, so it has no cache-write usage type.
export const NOVA_PRO: Model = {
  billingName: 'NovaPro',
  displayName: 'Amazon Nova Pro',
  vendor: 'Amazon',
  id: 'amazon.nova-pro-v1:0',
  ratePer1K: { inputTokens: '0.0008', outputTokens: '0.0032', cacheReadTokens: '0.0002' },
};

export type Range = readonly [number, number];

export interface Traffic {
  model: Model;
  /** Model ids the caller passes: base ids and `us.` inference profiles. */
  modelIds: readonly string[];
  weekdayCalls: Range;
  weekendCalls: Range;
  /** When set, the caller runs on these days of the month only. */
  days?: readonly number[];
  /** UTC hours in which calls start, both included. */
  hours: Range;
  input: Range;
  output: Range;
  cacheRead?: { tokens: Range; share: number };
  cacheWrite?: { tokens: Range; share: number };
  /** Share of output that is reasoning, for callers that turn extended thinking on. */
  reasoningShare?: number;
  errorShare: number;
}

export interface Expectation {
  /** CostCenter name the spend should reach, or null for the unattributed bucket. */
  costCenter: string | null;
  evidence: string;
}

export type BedrockOperation =
  'InvokeModel' | 'InvokeModelWithResponseStream' | 'Converse' | 'ConverseStream';

/** Calls Bedrock in acme-prod us-east-1 itself; the invocation logs record it. */
export interface DirectCaller {
  via: 'bedrock';
  name: string;
  roleName: string;
  /** The STS session name; IRSA sessions are the SDK's `botocore-session-<n>`. */
  session: 'botocore' | string;
  operations: readonly BedrockOperation[];
  /** People whose email the caller puts in Converse `requestMetadata.user`, now and then. */
  requestUsers?: readonly string[];
  /** The bill names this caller (CUR `line_item_iam_principal`) on its own rows. */
  billedAsPrincipal?: boolean;
  traffic: readonly Traffic[];
  expect: Expectation;
}

/** Calls Bedrock in acme-prod us-west-2 through platform/llm-gateway, which records an event. */
export interface GatewayCaller {
  via: 'gateway';
  name: string;
  identity: CallerIdentity;
  service?: string;
  traffic: readonly Traffic[];
  expect: Expectation;
}

export type Caller = DirectCaller | GatewayCaller;
