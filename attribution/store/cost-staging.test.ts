import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, freshDatabase, type TestDatabase } from '../../test/databases.js';
import type { CostRow } from '../model.js';
import { LATE_GRACE_DAYS } from './cost-staging.js';
import { Store } from './store.js';

function costRow(id: string, period: string, billedCost: string, line = 2): CostRow {
  const [year, month] = period.split('-').map(Number) as [number, number];
  const end = new Date(Date.UTC(year, month, 1)).toISOString().replace('.000', '');
  return {
    id,
    source: { connector: 'c', file: 'cur.csv', line },
    provider: 'aws',
    billingAccountId: '111122223333',
    subAccountId: '444455556666',
    billingPeriodStart: `${period}-01T00:00:00Z`,
    billingPeriodEnd: end,
    chargePeriodStart: `${period}-03T00:00:00Z`,
    chargePeriodEnd: `${period}-04T00:00:00Z`,
    chargeCategory: 'Usage',
    chargeType: 'Usage',
    serviceName: 'Amazon Bedrock',
    usageType: 'USE1-Claude4Sonnet-input-tokens',
    region: 'us-east-1',
    resourceId: null,
    model: null,
    tokenClass: 'inputTokens',
    quantity: '1',
    unit: '1K tokens',
    billedCost,
    currency: 'USD',
    principal: null,
    tags: {},
  };
}

const at = (iso: string) => new Date(iso);

describe.each(BACKENDS)('cost deliveries staged and swapped on %s', (backend) => {
  let db: TestDatabase;
  let store: Store;
  beforeAll(async () => {
    db = await freshDatabase(backend);
    store = await Store.open(db.url);
  });
  afterAll(async () => {
    await store.close();
    await db.drop();
  });

  const stored = async (connector: string) =>
    (await store.costRows([connector])).map(
      (r) => `${r.id}=${r.billedCost}${r.late ? ' late' : ''}`,
    );
  const staged = async () =>
    (await store.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM cost_row_staging'))[0]?.n;

  it('swaps in only the latest delivery of each period, ordering delivery keys by bytes, not the locale', async () => {
    const delivery = await store.beginCostDelivery('latest', 'cur');
    // In byte order `B` sorts before `a`; a locale's collation would put it after.
    await delivery.append('B', [costRow('old', '2026-10', '1'), costRow('nov', '2026-11', '4')]);
    await delivery.append('a', [costRow('new', '2026-10', '2')]);
    const swap = await delivery.commit(at('2026-11-02T00:00:00Z'));
    expect(swap).toEqual({
      rows: 2,
      late: 0,
      periods: ['2026-10-01T00:00:00Z', '2026-11-01T00:00:00Z'],
    });
    expect(await stored('latest')).toEqual(['new=2', 'nov=4']);
    expect(await staged()).toBe(0);
  });

  it('returns a line item repeated within one delivery with where it first was, within a batch and across batches', async () => {
    const delivery = await store.beginCostDelivery('dups', 'cur');
    expect(await delivery.append('d1', [costRow('a', '2026-10', '1', 2)])).toEqual([]);
    const repeats = await delivery.append('d1', [
      costRow('b', '2026-10', '1', 3),
      costRow('a', '2026-10', '1', 4),
      costRow('b', '2026-10', '1', 5),
    ]);
    expect(repeats.map((d) => [d.row.id, d.row.source.line, d.first.line])).toEqual([
      ['a', 4, 2],
      ['b', 5, 3],
    ]);
    expect(await delivery.append('d2', [costRow('a', '2026-10', '1', 9)])).toEqual([]);
    await delivery.discard();
  });

  it('marks rows new to a period closed before the previous delivery as late, and keeps the mark', async () => {
    const first = await store.beginCostDelivery('late', 'cur');
    await first.append('1', [costRow('oct-a', '2026-10', '1'), costRow('nov-a', '2026-11', '1')]);
    await first.commit(at('2026-11-20T00:00:00Z'));

    // October closed (its end plus the grace is before 2026-11-20); November had not.
    const second = await store.beginCostDelivery('late', 'cur');
    await second.append('2', [
      costRow('oct-a', '2026-10', '1'),
      costRow('oct-refund', '2026-10', '-0.5'),
      costRow('nov-a', '2026-11', '1'),
      costRow('nov-b', '2026-11', '2'),
    ]);
    expect((await second.commit(at('2026-12-20T00:00:00Z'))).late).toBe(1);
    expect(await stored('late')).toEqual(['oct-a=1', 'oct-refund=-0.5 late', 'nov-a=1', 'nov-b=2']);

    const third = await store.beginCostDelivery('late', 'cur');
    await third.append('3', [
      costRow('oct-a', '2026-10', '1'),
      costRow('oct-refund', '2026-10', '-0.5'),
    ]);
    await third.commit(at('2026-12-21T00:00:00Z'));
    expect(await stored('late')).toContain('oct-refund=-0.5 late');
    expect(LATE_GRACE_DAYS).toBeGreaterThan(0);
  });

  it('marks nothing late on the first delivery of a source, however old its periods', async () => {
    const delivery = await store.beginCostDelivery('history', 'cur');
    await delivery.append('1', [costRow('old', '2024-01', '1')]);
    expect((await delivery.commit(at('2026-12-01T00:00:00Z'))).late).toBe(0);
  });

  it('marks nothing late in a closed period the previous delivery did not hold', async () => {
    // An empty folder was synced first; the export arrives later, its months long closed.
    const empty = await store.beginCostDelivery('backfill', 'cur');
    await empty.commit(at('2026-11-20T00:00:00Z'));
    const export_ = await store.beginCostDelivery('backfill', 'cur');
    await export_.append('1', [costRow('oct-a', '2026-10', '1'), costRow('sep-a', '2026-09', '2')]);
    expect((await export_.commit(at('2026-12-20T00:00:00Z'))).late).toBe(0);
    expect(await stored('backfill')).toEqual(['sep-a=2', 'oct-a=1']);
  });

  it('keeps the previous delivery when a new one is discarded, and stages nothing after', async () => {
    const first = await store.beginCostDelivery('keep', 'cur');
    await first.append('1', [costRow('a', '2026-10', '1')]);
    await first.commit(at('2026-10-05T00:00:00Z'));
    const second = await store.beginCostDelivery('keep', 'cur');
    await second.append('2', [costRow('a', '2026-10', '100')]);
    await second.discard();
    expect(await stored('keep')).toEqual(['a=1']);
    expect(await staged()).toBe(0);
  });

  it('clears what a crashed sync of the same source staged when the source begins again', async () => {
    const crashed = await store.beginCostDelivery('crash', 'cur');
    await crashed.append('1', [costRow('a', '2026-10', '1')]);
    const other = await store.beginCostDelivery('crash', 'focus');
    await other.append('1', [costRow('z', '2026-10', '1')]);
    const again = await store.beginCostDelivery('crash', 'cur');
    expect(await staged()).toBe(1);
    await again.discard();
    await other.discard();
  });
});
