// Legacy AWS Cost and Usage Reports (the CUR console's `category/Name` headers) as CSV, gzip or
// zip. Each column means what its CUR 2.0 counterpart means, so rows are judged by the same code
// and the same spend reads the same in both; tags arrive one column per key and are gathered here.
import type { SourceRecord } from '../attribution/index.js';
import { OPTIONAL_COLUMNS, REQUIRED_COLUMNS, toCostRow, type CurColumn } from './aws-cur-2-row.js';
import { isExportArtifact, legacyCurDelivery } from './aws-export-layout.js';
import { cellText, exportRows } from './aws-export-table.js';
import {
  quarantine,
  sourceRef,
  type FormatReader,
  type ReadContext,
  type SourceFile,
} from './format-reader.js';
import { SourceError } from './source-error.js';

/** The legacy header of each CUR 2.0 column this reader fills from one column. */
const LEGACY_NAMES: Partial<Record<CurColumn, string>> = {
  identity_line_item_id: 'identity/LineItemId',
  identity_time_interval: 'identity/TimeInterval',
  bill_payer_account_id: 'bill/PayerAccountId',
  bill_billing_period_start_date: 'bill/BillingPeriodStartDate',
  bill_billing_period_end_date: 'bill/BillingPeriodEndDate',
  bill_billing_entity: 'bill/BillingEntity',
  line_item_usage_account_id: 'lineItem/UsageAccountId',
  line_item_line_item_type: 'lineItem/LineItemType',
  line_item_usage_start_date: 'lineItem/UsageStartDate',
  line_item_usage_end_date: 'lineItem/UsageEndDate',
  line_item_product_code: 'lineItem/ProductCode',
  line_item_usage_type: 'lineItem/UsageType',
  line_item_operation: 'lineItem/Operation',
  line_item_resource_id: 'lineItem/ResourceId',
  line_item_usage_amount: 'lineItem/UsageAmount',
  line_item_unblended_cost: 'lineItem/UnblendedCost',
  line_item_currency_code: 'lineItem/CurrencyCode',
  line_item_line_item_description: 'lineItem/LineItemDescription',
  pricing_unit: 'pricing/unit',
  pricing_public_on_demand_cost: 'pricing/publicOnDemandCost',
  savings_plan_savings_plan_effective_cost: 'savingsPlan/SavingsPlanEffectiveCost',
  reservation_effective_cost: 'reservation/EffectiveCost',
};

const PRODUCT_PREFIX = 'product/';
const TAG_PREFIX = 'resourceTags/';
const COST_CATEGORY_PREFIX = 'costCategory/';

export const awsCurLegacyReader: FormatReader = {
  format: 'aws-cur-legacy',
  role: 'billing',
  read: readLegacyCur,
  deliveryOf: legacyCurDelivery,
};

async function* readLegacyCur(file: SourceFile, ctx: ReadContext): AsyncIterable<SourceRecord> {
  if (isExportArtifact(file)) return;

  for await (const record of exportRows(file, ctx, legacyColumns, 'a CUR header')) {
    if (record.kind !== 'row') {
      yield record;
      continue;
    }
    const { cells, columns, line } = record;
    const product = gather(cells, columns.product);
    const tags = { ...gather(cells, columns.costCategories), ...gather(cells, columns.tags) };
    const value = (column: CurColumn): string => {
      if (column === 'product') return JSON.stringify(product);
      if (column === 'resource_tags') return JSON.stringify(tags);
      const at = columns.positions.get(column);
      return at === undefined ? '' : cellText(cells[at]);
    };
    const result = toCostRow(value, sourceRef(file, ctx, line));
    if (result.ok) {
      yield { kind: 'cost', row: result.row };
    } else {
      const field = LEGACY_NAMES[result.field] ?? result.field;
      const reason = result.reason.replace(result.field, field);
      yield quarantine(file, ctx, line, field, reason);
    }
  }
}

interface LegacyColumns {
  positions: Map<CurColumn, number>;
  /** Attribute name (as CUR 2.0's `product` map spells it) and position of each product column. */
  product: [string, number][];
  /** Tag key and position of each tag column. */
  tags: [string, number][];
  costCategories: [string, number][];
  width: number;
}

/** Where each column sits. A missing required column stops the file: nothing is guessed. */
function legacyColumns(header: string[], file: SourceFile): LegacyColumns {
  const byName = new Map<string, number>();
  header.forEach((name, at) => {
    if (!byName.has(name.toLowerCase())) byName.set(name.toLowerCase(), at);
  });
  const positions = new Map<CurColumn, number>();
  for (const column of [...REQUIRED_COLUMNS, ...OPTIONAL_COLUMNS]) {
    const legacy = LEGACY_NAMES[column];
    const at = legacy === undefined ? undefined : byName.get(legacy.toLowerCase());
    if (at !== undefined) positions.set(column, at);
  }

  const missing = REQUIRED_COLUMNS.filter((c) => !positions.has(c)).map((c) => LEGACY_NAMES[c]!);
  const first = missing[0];
  if (first !== undefined) {
    const cur2 = header.includes('line_item_usage_account_id')
      ? ' (the header looks like CUR 2.0: use the aws-cur-2.0 format)'
      : '';
    throw new SourceError(
      'SOURCE_MISSING_COLUMN',
      `required legacy CUR column missing from the header: ${missing.join(', ')}${cur2}`,
      { file: file.path, line: 1, field: first },
    );
  }

  const product: [string, number][] = [];
  const tags: [string, number][] = [];
  const costCategories: [string, number][] = [];
  header.forEach((name, at) => {
    if (name.startsWith(PRODUCT_PREFIX)) {
      product.push([snakeCase(name.slice(PRODUCT_PREFIX.length)), at]);
    } else if (name.startsWith(TAG_PREFIX)) {
      tags.push([name, at]);
    } else if (name.startsWith(COST_CATEGORY_PREFIX)) {
      costCategories.push([name, at]);
    }
  });
  return { positions, product, tags, costCategories, width: header.length };
}

/** The non-blank cells of a column group as a map: a blank tag cell means the tag is not set. */
function gather(cells: unknown[], columns: [string, number][]): Record<string, string> {
  const map: Record<string, string> = {};
  for (const [key, at] of columns) {
    const text = cellText(cells[at]).trim();
    if (text !== '') map[key] ??= text;
  }
  return map;
}

/** `ProductName` -> `product_name`, as CUR 2.0 names product attributes. */
function snakeCase(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}
