// The two column sets of Azure cost details exports: Enterprise Agreement (PascalCase, currency in
// `BillingCurrencyCode`) and Microsoft Customer Agreement (mostly camelCase, currency in
// `billingCurrency`, plus invoice and USD columns). Both come as actual or amortized cost with the
// same columns. Names compare without case, since MCA files themselves mix `ResourceId` and
// `costInBillingCurrency`; a column the variant requires and the file lacks stops the file.
import type { SourceFile } from './format-reader.js';
import { SourceError } from './source-error.js';

export type AzureAgreement = 'ea' | 'mca';

/** The columns a row is read from, by what they mean. */
export type AzureColumn =
  | 'date'
  | 'cost'
  | 'currency'
  | 'subscriptionId'
  | 'billingAccountId'
  | 'billingProfileId'
  | 'billingPeriodStart'
  | 'billingPeriodEnd'
  | 'chargeType'
  | 'meterCategory'
  | 'meterSubCategory'
  | 'meterName'
  | 'productName'
  | 'resourceId'
  | 'resourceLocation'
  | 'quantity'
  | 'unitOfMeasure'
  | 'tags'
  | 'pricingModel'
  | 'reservationId'
  | 'benefitId'
  | 'payGPrice'
  | 'payGCost';

type ColumnNames = Readonly<Record<AzureColumn, string | null>>;

/** Each meaning's column in each agreement's export, as Microsoft's schema spells it. */
const NAMES: Readonly<Record<AzureAgreement, ColumnNames>> = {
  ea: {
    date: 'Date',
    cost: 'CostInBillingCurrency',
    currency: 'BillingCurrencyCode',
    subscriptionId: 'SubscriptionId',
    billingAccountId: 'BillingAccountId',
    billingProfileId: 'BillingProfileId',
    billingPeriodStart: 'BillingPeriodStartDate',
    billingPeriodEnd: 'BillingPeriodEndDate',
    chargeType: 'ChargeType',
    meterCategory: 'MeterCategory',
    meterSubCategory: 'MeterSubCategory',
    meterName: 'MeterName',
    productName: 'ProductName',
    resourceId: 'ResourceId',
    resourceLocation: 'ResourceLocation',
    quantity: 'Quantity',
    unitOfMeasure: 'UnitOfMeasure',
    tags: 'Tags',
    pricingModel: 'PricingModel',
    reservationId: 'ReservationId',
    benefitId: 'benefitId',
    payGPrice: 'PayGPrice',
    payGCost: null,
  },
  mca: {
    date: 'date',
    cost: 'costInBillingCurrency',
    currency: 'billingCurrency',
    subscriptionId: 'SubscriptionId',
    billingAccountId: 'billingAccountId',
    billingProfileId: 'billingProfileId',
    billingPeriodStart: 'billingPeriodStartDate',
    billingPeriodEnd: 'billingPeriodEndDate',
    chargeType: 'chargeType',
    meterCategory: 'meterCategory',
    meterSubCategory: 'meterSubCategory',
    meterName: 'meterName',
    productName: 'ProductName',
    resourceId: 'ResourceId',
    resourceLocation: 'resourceLocation',
    quantity: 'quantity',
    unitOfMeasure: 'unitOfMeasure',
    tags: 'tags',
    pricingModel: 'pricingModel',
    reservationId: 'reservationId',
    benefitId: 'benefitId',
    payGPrice: 'PayGPrice',
    payGCost: 'paygCostInBillingCurrency',
  },
};

const REQUIRED_COMMON: readonly AzureColumn[] = [
  'date',
  'cost',
  'currency',
  'subscriptionId',
  'billingAccountId',
  'billingPeriodStart',
  'billingPeriodEnd',
  'chargeType',
  'meterCategory',
  'meterName',
  'resourceId',
  'resourceLocation',
  'quantity',
  'unitOfMeasure',
  'tags',
  'pricingModel',
];

/** Columns every file of the agreement has; the rest are read when present. */
export const REQUIRED: Readonly<Record<AzureAgreement, readonly AzureColumn[]>> = {
  ea: REQUIRED_COMMON,
  mca: [...REQUIRED_COMMON, 'billingProfileId'],
};

/** Columns only MCA files have; `BillingCurrencyCode` is EA's alone. */
const MCA_MARKERS = [
  'billingcurrency',
  'invoiceid',
  'costinusd',
  'paygcostinbillingcurrency',
  'exchangeratepricingtobilling',
];
const EA_MARKER = 'billingcurrencycode';

export interface AzureColumns {
  agreement: AzureAgreement;
  width: number;
  /** The column's text in a row, empty when the file does not have the column. */
  value(fields: readonly string[], column: AzureColumn): string;
  /** The column's name as the agreement's schema spells it, for messages. */
  nameOf(column: AzureColumn): string;
}

/** Which agreement the header is, and where each column sits in it. */
export function azureColumns(header: readonly string[], file: SourceFile): AzureColumns {
  const at = new Map<string, number>();
  header.forEach((name, index) => {
    const key = name.trim().toLowerCase();
    if (!at.has(key)) at.set(key, index);
  });
  if (at.has('billedcost') && at.has('chargeperiodstart')) {
    throw new SourceError(
      'SOURCE_MISSING_COLUMN',
      'cost export column missing from the header: CostInBillingCurrency (EA) or ' +
        'costInBillingCurrency (MCA); the header looks like a FOCUS export, which the focus-1.0 ' +
        'format reads',
      { file: file.path, line: 1, field: NAMES.ea.cost! },
    );
  }
  const agreement: AzureAgreement =
    !at.has(EA_MARKER) && MCA_MARKERS.some((m) => at.has(m)) ? 'mca' : 'ea';
  const names = NAMES[agreement];
  const nameOf = (column: AzureColumn) => names[column] ?? column;

  const missing = REQUIRED[agreement].filter((c) => !at.has(nameOf(c).toLowerCase()));
  const first = missing[0];
  if (first !== undefined) {
    throw new SourceError(
      'SOURCE_MISSING_COLUMN',
      `required ${agreement.toUpperCase()} cost export column missing from the header: ` +
        missing.map(nameOf).join(', '),
      { file: file.path, line: 1, field: nameOf(first) },
    );
  }

  const positions = new Map<AzureColumn, number>();
  for (const column of Object.keys(names) as AzureColumn[]) {
    const name = names[column];
    const index = name === null ? undefined : at.get(name.toLowerCase());
    if (index !== undefined) positions.set(column, index);
  }
  return {
    agreement,
    width: header.length,
    value: (fields, column) => {
      const index = positions.get(column);
      return index === undefined ? '' : (fields[index] ?? '');
    },
    nameOf,
  };
}
