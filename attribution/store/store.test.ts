import { readdir } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { BACKENDS, freshDatabase, type TestDatabase } from '../../test/databases.js';
import type { CostRow, UsageEvent } from '../model.js';
import { Store } from './store.js';

function costRow(id: string, billedCost: string): CostRow {
  return {
    id,
    source: { connector: 'aws', file: 'cur.csv', line: 2 },
    provider: 'aws',
    billingAccountId: '111122223333',
    subAccountId: '444455556666',
    billingPeriodStart: '2026-10-01T00:00:00Z',
    billingPeriodEnd: '2026-11-01T00:00:00Z',
    chargePeriodStart: '2026-10-03T00:00:00Z',
    chargePeriodEnd: '2026-10-04T00:00:00Z',
    chargeCategory: 'Usage',
    chargeType: 'Usage',
    serviceName: 'Amazon Bedrock',
    usageType: 'USE1-Claude3.5Sonnet-input-tokens',
    region: 'us-east-1',
    resourceId: null,
    model: 'anthropic.claude-3-5-sonnet-20240620-v1:0',
    tokenClass: 'inputTokens',
    quantity: '1200',
    unit: '1K tokens',
    billedCost,
    currency: 'USD',
    principal: null,
    tags: { team: 'search' },
  };
}

const event: UsageEvent = {
  requestId: 'req-1',
  timestamp: '2026-10-03T10:00:00Z',
  provider: 'aws',
  model: 'anthropic.claude-3-5-sonnet-20240620-v1:0',
  inputTokens: 1200,
  outputTokens: 300,
  identity: { serviceAccount: 'search/ranker' },
  attributes: { feature: 'rerank' },
};

describe.each(BACKENDS)('store on %s', (backend) => {
  let db: TestDatabase;
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    await db?.drop();
  });

  it('keeps money exact to the last decimal the bill carries', async () => {
    db = await freshDatabase(backend);
    store = await Store.open(db.url);
    await store.replaceCostRows(
      'aws',
      'cur',
      ['2026-10-01T00:00:00Z'],
      [costRow('a', '0.1234567891')],
    );
    const [row] = await store.costRows(['aws']);
    expect(row).toEqual(costRow('a', '0.1234567891'));
  });

  it('replaces a re-delivered billing period instead of adding to it', async () => {
    db = await freshDatabase(backend);
    store = await Store.open(db.url);
    await store.replaceCostRows('aws', 'cur', ['2026-10-01T00:00:00Z'], [costRow('a', '1')]);
    await store.replaceCostRows('aws', 'focus', ['2026-10-01T00:00:00Z'], [costRow('b', '5')]);
    await store.replaceCostRows('aws', 'cur', ['2026-10-01T00:00:00Z'], [costRow('a', '2')]);
    expect((await store.costRows(['aws'])).map((r) => r.billedCost)).toEqual(['2', '5']);
  });

  it('stores an event once however often it arrives', async () => {
    db = await freshDatabase(backend);
    store = await Store.open(db.url);
    expect(await store.insertUsageEvents([event, event], 'test')).toBe(1);
    expect(await store.insertUsageEvents([event], 'test')).toBe(0);
    const events = await store.usageEvents('2026-10-01T00:00:00Z', '2026-11-01T00:00:00Z');
    expect(events).toEqual([event]);
  });

  it("replaces an inventory's workload bindings with its fresh read, leaving others alone", async () => {
    db = await freshDatabase(backend);
    store = await Store.open(db.url);
    const binding = (serviceAccount: string, inventory: string) => ({
      provider: 'aws' as const,
      principal: 'arn:aws:iam::111122223333:role/ranker',
      serviceAccount,
      evidence: 'EKS Pod Identity association a-1',
      source: { connector: inventory, file: 'pod-identity.json', line: 3 },
    });
    await store.replaceBindings('aws/iam', [binding('search/ranker', 'aws/iam')]);
    await store.replaceBindings('aws/eks', [binding('search/old', 'aws/eks')]);
    await store.replaceBindings('aws/eks', [binding('search/new', 'aws/eks')]);
    expect(await store.bindings()).toEqual([
      binding('search/new', 'aws/eks'),
      binding('search/ranker', 'aws/iam'),
    ]);
  });

  it('migrates an already migrated database without change', async () => {
    db = await freshDatabase(backend);
    store = await Store.open(db.url);
    if (backend === 'postgres') {
      await store.close();
      store = await Store.open(db.url);
    }
    const files = (await readdir(new URL('./migrations/', import.meta.url))).sort();
    const applied = await store.sql.query('SELECT name FROM schema_migrations ORDER BY name');
    expect(applied).toEqual(files.map((name) => ({ name })));
    expect(files.length).toBeGreaterThan(0);
  });
});
