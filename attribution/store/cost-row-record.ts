// A cost row as the store's statements take and give it: snake_case fields, decimals as text.
import type { ChargeCategory, CostRow, Provider, TokenClass } from '../model.js';

export interface CostRowRecord {
  id: string;
  file: string;
  line: number;
  provider: string;
  billing_account_id: string;
  sub_account_id: string;
  billing_period_start: string;
  billing_period_end: string;
  charge_period_start: string;
  charge_period_end: string;
  charge_category: string;
  charge_type: string;
  service_name: string;
  usage_type: string;
  region: string | null;
  resource_id: string | null;
  model: string | null;
  token_class: string | null;
  quantity: string | null;
  unit: string | null;
  billed_cost: string;
  currency: string;
  principal: string | null;
  tags: Record<string, string>;
  effective_cost: string | null;
  list_cost: string | null;
  late?: boolean;
}

export function costRowRecord(row: CostRow): CostRowRecord {
  return {
    id: row.id,
    file: row.source.file,
    line: row.source.line,
    provider: row.provider,
    billing_account_id: row.billingAccountId,
    sub_account_id: row.subAccountId,
    billing_period_start: row.billingPeriodStart,
    billing_period_end: row.billingPeriodEnd,
    charge_period_start: row.chargePeriodStart,
    charge_period_end: row.chargePeriodEnd,
    charge_category: row.chargeCategory,
    charge_type: row.chargeType,
    service_name: row.serviceName,
    usage_type: row.usageType,
    region: row.region,
    resource_id: row.resourceId,
    model: row.model,
    token_class: row.tokenClass,
    quantity: row.quantity,
    unit: row.unit,
    billed_cost: row.billedCost,
    currency: row.currency,
    principal: row.principal,
    tags: row.tags,
    effective_cost: row.effectiveCost ?? null,
    list_cost: row.listCost ?? null,
    late: row.late ?? false,
  };
}

export function fromCostRowRecord(r: CostRowRecord & { connector: string }): CostRow {
  return {
    id: r.id,
    source: { connector: r.connector, file: r.file, line: Number(r.line) },
    provider: r.provider as Provider,
    billingAccountId: r.billing_account_id,
    subAccountId: r.sub_account_id,
    billingPeriodStart: r.billing_period_start,
    billingPeriodEnd: r.billing_period_end,
    chargePeriodStart: r.charge_period_start,
    chargePeriodEnd: r.charge_period_end,
    chargeCategory: r.charge_category as ChargeCategory,
    chargeType: r.charge_type,
    serviceName: r.service_name,
    usageType: r.usage_type,
    region: r.region,
    resourceId: r.resource_id,
    model: r.model,
    tokenClass: r.token_class as TokenClass | null,
    quantity: r.quantity,
    unit: r.unit,
    billedCost: r.billed_cost,
    currency: r.currency,
    principal: r.principal,
    tags: r.tags,
    ...(r.effective_cost === null ? {} : { effectiveCost: r.effective_cost }),
    ...(r.list_cost === null ? {} : { listCost: r.list_cost }),
    ...(r.late ? { late: true } : {}),
  };
}
