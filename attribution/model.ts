// The shapes every part of Argmin shares: normalized cost rows, usage events, people and groups,
// and the record of an input that could not be accepted.

/** Disjoint token classes; `reasoningTokens` is a share of `outputTokens`, never added again. */
export const TOKEN_CLASSES = [
  'inputTokens',
  'cacheReadTokens',
  'cacheWriteTokens',
  'outputTokens',
] as const;
export type TokenClass = (typeof TOKEN_CLASSES)[number];

export type Provider = 'aws' | 'gcp' | 'azure' | 'openai' | 'anthropic' | 'other';

/** FOCUS charge categories. */
export type ChargeCategory = 'Usage' | 'Purchase' | 'Tax' | 'Credit' | 'Adjustment';

/** Where a record came from, so every message and every explanation can point at it. */
export interface SourceRef {
  /** `namespace/name` of the CloudConnector, or another stable name of the source. */
  connector: string;
  file: string;
  line: number;
}

/** One billed line, normalized to a FOCUS-aligned shape whatever the export it came from. */
export interface CostRow {
  /** Stable identity of the line within its export (the line item id where the export has one). */
  id: string;
  source: SourceRef;
  provider: Provider;
  billingAccountId: string;
  subAccountId: string;
  billingPeriodStart: string;
  billingPeriodEnd: string;
  chargePeriodStart: string;
  chargePeriodEnd: string;
  chargeCategory: ChargeCategory;
  /** The export's own line type (CUR `Usage`, `Fee`, `Refund`, `EdpDiscount`, ...). */
  chargeType: string;
  serviceName: string;
  /** The export's usage type or SKU meter, kept verbatim. */
  usageType: string;
  region: string | null;
  resourceId: string | null;
  /** Normalized model id (see connectors' model names), or null when the line names none. */
  model: string | null;
  tokenClass: TokenClass | null;
  /** Decimal string: the quantity the line bills, in `unit`. */
  quantity: string | null;
  unit: string | null;
  /** Decimal string, signed: what the invoice says. */
  billedCost: string;
  /**
   * Decimal string, signed: the amortized cost, with commitments spread over the usage they cover
   * and their purchases counting zero. Absent when the export has no such view: then it is
   * `billedCost`.
   */
  effectiveCost?: string;
  /** Decimal string: the public on-demand price of the usage, where the export gives it. */
  listCost?: string;
  currency: string;
  /** The caller the bill itself names (CUR 2.0 `line_item_iam_principal`). */
  principal: string | null;
  tags: Record<string, string>;
  /** True when the line arrived after its billing period had closed; kept and counted as such. */
  late?: boolean;
}

/** Who made a call, as far as the recorder could see. */
export interface CallerIdentity {
  /** `namespace/name` of the pod's service account. */
  serviceAccount?: string;
  spiffeId?: string;
  apiKeyId?: string;
  /** The person behind the call: a SCIM userName or email. */
  user?: string;
  /** An IAM user ARN, or an STS assumed-role ARN with its session name. */
  awsPrincipal?: string;
  /** A Google service account email, a workload identity `principal://` URI, or a user's email. */
  gcpPrincipal?: string;
  /** An Entra ID application (client) id or object id, or a user principal name. */
  azurePrincipal?: string;
}

export type UsageStatus = 'ok' | 'error';

/**
 * One AI call. Token counts that are absent are unknown, never zero. There is no field for
 * prompt or completion content, and none may be added.
 */
export interface UsageEvent {
  requestId: string;
  timestamp: string;
  provider: Provider;
  model: string | null;
  inputTokens?: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
  outputTokens?: number;
  reasoningTokens?: number;
  /** Decimal string; estimated from the price book when absent. */
  cost?: string;
  latencyMs?: number;
  status?: UsageStatus;
  identity?: CallerIdentity;
  /** `namespace/name` of the workload, where the caller knows it. */
  service?: string;
  /** The cloud account that served the call, where known. */
  account?: string;
  region?: string;
  attributes?: Record<string, string>;
}

/** A person from an identity inventory (SCIM User with the enterprise extension). */
export interface Person {
  id: string;
  userName: string;
  displayName: string | null;
  emails: string[];
  active: boolean;
  costCenter: string | null;
  department: string | null;
  /** SCIM id of the manager. */
  managerId: string | null;
  /** Display names of the groups the user belongs to, as the inventory lists them. */
  groups: string[];
  source: SourceRef;
}

/** A group or team from an identity inventory. */
export interface Group {
  id: string;
  displayName: string;
  /** SCIM ids of member users and nested groups. */
  memberIds: string[];
  source: SourceRef;
}

/**
 * A cloud identity that a Kubernetes service account's pods assume, as an identity inventory states
 * it rather than an annotation on the ServiceAccount: an EKS Pod Identity association, or an IAM
 * trust policy that lets exactly one service account assume a role.
 */
export interface WorkloadBinding {
  provider: 'aws';
  /** The IAM role ARN the pods assume. */
  principal: string;
  /** `namespace/name` of the service account. */
  serviceAccount: string;
  /** What states the binding, for explanations (the association id, the trust policy's role). */
  evidence: string;
  source: SourceRef;
}

/** An input that could not be accepted: kept and counted, never skipped in silence. */
export interface Quarantined {
  source: SourceRef;
  /** The field, column or key at fault, when one is. */
  field: string | null;
  reason: string;
}

/** What a connector reader yields, one record at a time. */
export type SourceRecord =
  | { kind: 'cost'; row: CostRow }
  | { kind: 'usage'; event: UsageEvent }
  | { kind: 'person'; person: Person }
  | { kind: 'group'; group: Group }
  | { kind: 'binding'; binding: WorkloadBinding }
  | { kind: 'quarantine'; item: Quarantined };

/**
 * Sets on `target` each of `values` that is defined, leaving the rest absent: absent fields are
 * unknown, and a record never carries them as `undefined`.
 */
export function assignDefined<T extends object>(target: T, values: Partial<T>): T {
  for (const [key, value] of Object.entries(values)) {
    if (value !== undefined) Object.assign(target, { [key]: value });
  }
  return target;
}
