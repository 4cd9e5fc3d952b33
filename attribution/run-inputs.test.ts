import { afterEach, describe, expect, it } from 'vitest';
import { freshPostgres, type TestDatabase } from '../test/databases.js';
import { BILL, clusterState, costRow, PERIOD, seed, usageEvent } from '../test/run-organisation.js';
import type { OwnershipLookup } from './graph.js';
import type { Group, Person, WorkloadBinding } from './model.js';
import { Money } from './money.js';
import { PriceBook } from './price-book.js';
import type { PriceVersion } from './price-book-file.js';
import type { ClusterState } from './resources.js';
import { runInputs, type RunInputsOptions } from './run-inputs.js';
import { Store } from './store/index.js';

const person: Person = {
  id: 'u-1',
  userName: 'ana@example.com',
  displayName: 'Ana',
  emails: ['ana@example.com'],
  active: true,
  costCenter: 'cc-search',
  department: null,
  managerId: null,
  groups: ['search'],
  source: { connector: 'okta', file: 'users.json', line: 3 },
};
const group: Group = {
  id: 'g-1',
  displayName: 'search',
  memberIds: ['u-1'],
  source: { connector: 'okta', file: 'groups.json', line: 2 },
};
const binding: WorkloadBinding = {
  provider: 'aws',
  principal: 'arn:aws:iam::444455556666:role/search',
  serviceAccount: 'search/app',
  evidence: 'pod identity association a-1',
  source: { connector: 'iam', file: 'associations.json', line: 4 },
};
const codeowners = (owner: string): Map<string, OwnershipLookup> =>
  new Map([
    [
      'github.com/acme/search',
      {
        file: 'CODEOWNERS',
        rules: [{ pattern: '*', owners: [owner], line: 1 }],
        ownersOf: () => ({ owners: [owner], line: 1, pattern: '*' }),
      } as OwnershipLookup,
    ],
  ]);
const price = (input: string): PriceVersion => ({
  provider: 'aws',
  model: 'anthropic.claude-3-5-sonnet-20240620-v1:0',
  region: null,
  tier: 'on-demand',
  effectiveFrom: '2024-06-20',
  currency: 'USD',
  perToken: { inputTokens: new Money(input), outputTokens: new Money('0.000015') },
  source: 'list prices',
});
const book = (input: string) => new PriceBook([price(input)], { normalizeModel: (_p, m) => m });

function options(state: ClusterState = clusterState()): RunInputsOptions {
  return {
    connectors: ['aws'],
    period: PERIOD,
    state,
    people: [person],
    groups: [group],
    bindings: [binding],
    codeowners: codeowners('@acme/search'),
    priceBook: book('0.000003'),
  };
}

describe('run inputs on the embedded store', () => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });

  it('digests the same inputs alike, run after run', async () => {
    store = await Store.open(undefined);
    await seed(store);
    const a = await runInputs(store.sql, options());
    const b = await runInputs(store.sql, options());
    expect(b).toEqual(a);
    expect(a.costRows).toEqual([
      expect.objectContaining({ connector: 'aws', source: 'cur', rows: 2, billed: '16.8' }),
    ]);
    expect(a.usageEvents.map((d) => [d.day, d.events, d.inputTokens])).toEqual([
      ['2026-11-14', 3, '3000'],
      ['2026-11-15', 1, '1000'],
    ]);
    expect(Object.keys(a.sets.CostCenter!.objects!)).toEqual(['cc-ads', 'cc-search']);
  });

  it('digests the requests of a day alike whatever order they were stored in', async () => {
    store = await Store.open(undefined);
    const events = [
      usageEvent('req-1', '2026-11-14T09:00:00Z', 'search'),
      usageEvent('req-2', '2026-11-14T10:00:00Z', 'ads'),
    ];
    await store.insertUsageEvents(events, 'test');
    const forward = await runInputs(store.sql, options());
    const other = await Store.open(undefined);
    try {
      await other.insertUsageEvents([...events].reverse(), 'another file');
      expect((await runInputs(other.sql, options())).usageEvents).toEqual(forward.usageEvents);
    } finally {
      await other.close();
    }
  });

  // Each case changes one input and nothing else: a digest that ignored it would stay the same.
  const changes: [string, (o: RunInputsOptions) => void | Promise<void>, string][] = [
    [
      'a CostCenter annotation',
      (o) => {
        o.state.costCenters[0]!.metadata.annotations['argmin.io/budget-owner'] = 'ana';
      },
      'CostCenter',
    ],
    [
      'a namespace label',
      (o) => void (o.state.namespaces[1]!.metadata.labels.tier = 'gold'),
      'Namespace',
    ],
    [
      'a service account annotation',
      (o) => {
        o.state.serviceAccounts[0]!.metadata.annotations['eks.amazonaws.com/role-arn'] = 'arn:x';
      },
      'ServiceAccount',
    ],
    [
      'a person cost center',
      (o) => void (o.people = [{ ...person, costCenter: 'cc-ads' }]),
      'Person',
    ],
    ['a group member', (o) => void (o.groups = [{ ...group, memberIds: [] }]), 'Group'],
    [
      'a workload binding',
      (o) => void (o.bindings = [{ ...binding, serviceAccount: 'ads/app' }]),
      'WorkloadBinding',
    ],
    ['a CODEOWNERS owner', (o) => void (o.codeowners = codeowners('@acme/ads')), 'CODEOWNERS'],
    ['a list price', (o) => void (o.priceBook = book('0.000004')), 'PriceBook'],
    ['an evidence weight', (o) => void (o.weights = { workloadAnnotation: '0.5' }), 'settings'],
  ];
  it.each(changes)('tells %s apart', async (_name, change, set) => {
    store = await Store.open(undefined);
    await seed(store);
    const before = await runInputs(store.sql, options());
    const changed = options();
    await change(changed);
    const after = await runInputs(store.sql, changed);
    expect(after.digest).not.toBe(before.digest);
    expect(after.sets[set]!.digest).not.toBe(before.sets[set]!.digest);
    for (const other of Object.keys(before.sets).filter((k) => k !== set)) {
      expect(after.sets[other]).toEqual(before.sets[other]);
    }
  });

  it('tells apart a request whose caller alone changed, and a bill line whose tags alone did', async () => {
    store = await Store.open(undefined);
    await seed(store);
    const before = await runInputs(store.sql, options());
    await store.sql.query(
      `UPDATE usage_events SET caller_service_account = 'ads/app' WHERE request_id = 'req-1'`,
    );
    await store.replaceCostRows(
      'aws',
      'cur',
      [PERIOD.start],
      [{ ...BILL[0]!, tags: { team: 'ads' } }, BILL[1]!],
    );
    const after = await runInputs(store.sql, options());
    expect(after.usageEvents[0]!.hash).not.toBe(before.usageEvents[0]!.hash);
    expect(after.usageEvents[0]!.events).toBe(before.usageEvents[0]!.events);
    expect(after.usageEvents[1]).toEqual(before.usageEvents[1]);
    expect(after.costRows[0]!.hash).not.toBe(before.costRows[0]!.hash);
    expect(after.costRows[0]!.billed).toBe(before.costRows[0]!.billed);
  });

  it('digests two checkouts of the same manifests alike, and sees a line that moved', async () => {
    store = await Store.open(undefined);
    const checkout = (root: string) => {
      const state = clusterState();
      for (const list of Object.values(state)) {
        for (const o of list as { origin: { file: string } }[]) {
          o.origin.file = `${root}/${o.origin.file}`;
        }
      }
      return state;
    };
    const here = await runInputs(store.sql, options(checkout('/home/ana/argmin')));
    const there = await runInputs(store.sql, options(checkout('/srv/ci/build-7')));
    expect(there.digest).toBe(here.digest);

    const moved = checkout('/srv/ci/build-7');
    moved.costCenters[1]!.origin.line = 14;
    const after = await runInputs(store.sql, options(moved));
    expect(after.digest).not.toBe(here.digest);
    expect(after.sets.CostCenter!.objects!['cc-ads']).toEqual({
      digest: here.sets.CostCenter!.objects!['cc-ads']!.digest,
      at: 'cost-centers.yaml:14',
    });
  });
});

describe('run inputs on PostgreSQL', () => {
  let db: TestDatabase | undefined;
  afterEach(async () => {
    await db?.drop();
  });

  it('digests the same rows exactly as the embedded store does', async () => {
    db = await freshPostgres();
    const postgres = await Store.open(db.url);
    const embedded = await Store.open(undefined);
    try {
      for (const store of [postgres, embedded]) {
        await seed(store);
        await store.replaceCostRows(
          'aws',
          'late',
          [PERIOD.start],
          [{ ...costRow('line-9', '2026-11-20', '-1.05'), effectiveCost: '-0.9' }],
        );
      }
      const [a, b] = await Promise.all([
        runInputs(postgres.sql, options()),
        runInputs(embedded.sql, options()),
      ]);
      expect(a).toEqual(b);
      expect(a.costRows.map((d) => [d.source, d.rows, d.billed, d.effective])).toEqual([
        ['cur', 2, '16.8', '16.8'],
        ['late', 1, '-1.05', '-0.9'],
      ]);
    } finally {
      await postgres.close();
      await embedded.close();
    }
  });
});
