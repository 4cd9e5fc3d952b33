import { describe, expect, it } from 'vitest';
import { toCostRow, type CurColumn } from './aws-cur-2-row.js';

const base: Partial<Record<CurColumn, string>> = {
  identity_line_item_id: 'li-1',
  identity_time_interval: '2026-10-01T00:00:00Z/2026-10-02T00:00:00Z',
  bill_payer_account_id: '111122223333',
  bill_billing_period_start_date: '2026-10-01T00:00:00Z',
  bill_billing_period_end_date: '2026-11-01T00:00:00Z',
  line_item_usage_account_id: '210987654321',
  line_item_usage_start_date: '2026-10-01T00:00:00Z',
  line_item_usage_end_date: '2026-10-02T00:00:00Z',
  line_item_product_code: 'AmazonSageMaker',
  line_item_usage_type: 'USE1-ml.g5.xlarge',
  line_item_currency_code: 'USD',
};

function row(columns: Partial<Record<CurColumn, string>>) {
  const all = { ...base, ...columns };
  const result = toCostRow((c) => all[c] ?? '', { connector: 'aws', file: 'cur.csv', line: 2 });
  if (!result.ok) throw new Error(`${result.field} ${result.reason}`);
  return result.row;
}

describe('CUR 2.0 effective cost', () => {
  it.each([
    ['Usage', '1.2', {}, '1.2'],
    [
      'SavingsPlanCoveredUsage',
      '1.2',
      { savings_plan_savings_plan_effective_cost: '0.84' },
      '0.84',
    ],
    ['DiscountedUsage', '1.2', { reservation_effective_cost: '0.7' }, '0.7'],
    ['SavingsPlanNegation', '-1.2', {}, '0'],
    ['SavingsPlanRecurringFee', '100', {}, '0'],
    ['SavingsPlanUpfrontFee', '1000', {}, '0'],
    ['RIFee', '50', {}, '0'],
    ['Credit', '-3', {}, '-3'],
    ['Tax', '0.4', {}, '0.4'],
  ])('a %s line billed %s counts %j -> %s amortized', (type, billed, extra, effective) => {
    const r = row({ line_item_line_item_type: type, line_item_unblended_cost: billed, ...extra });
    expect(r.billedCost).toBe(billed);
    expect(r.effectiveCost).toBe(effective);
  });

  it('carries the public on-demand cost as the list cost', () => {
    const r = row({
      line_item_line_item_type: 'Usage',
      line_item_unblended_cost: '1',
      pricing_public_on_demand_cost: '1.25',
    });
    expect(r.listCost).toBe('1.25');
  });

  it('quarantines an effective cost that is not a number, naming the column', () => {
    const all = {
      ...base,
      line_item_line_item_type: 'SavingsPlanCoveredUsage',
      line_item_unblended_cost: '1',
      savings_plan_savings_plan_effective_cost: 'n/a',
    } as Partial<Record<CurColumn, string>>;
    const result = toCostRow((c) => all[c] ?? '', { connector: 'aws', file: 'cur.csv', line: 2 });
    expect(result).toMatchObject({ ok: false, field: 'savings_plan_savings_plan_effective_cost' });
  });
});
