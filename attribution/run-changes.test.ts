import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freshPostgres, type TestDatabase } from '../test/databases.js';
import { BILL, clusterState, PERIOD, seed, usageEvent } from '../test/run-organisation.js';
import { attribute } from './attribute.js';
import { loadPriceBook } from './price-book.js';
import type { CostView } from './reconcile.js';
import type { ClusterState } from './resources.js';
import { previousRun, runChanges, type RunChanges } from './run-changes.js';
import {
  MAX_NAMED_OBJECTS,
  runInputs,
  runOutcome,
  saveRunInputs,
  type RunOutcome,
} from './run-inputs.js';
import { Store } from './store/index.js';

const normalizeModel = (_provider: string, model: string) => model;
const OUTCOME: RunOutcome = {
  currency: 'USD',
  billed: '16.8',
  attributed: '16.8',
  unattributed: '0',
  byCostCenter: { 'cc-ads': '8.6', 'cc-search': '8.2' },
};

/** One run as the engine would make it: attribute, compare with the run before, keep the digests. */
async function run(
  store: Store,
  state: ClusterState,
  costView: CostView = 'billed',
): Promise<{ runId: number; changes: RunChanges }> {
  const priceBook = await loadPriceBook({ normalizeModel });
  const result = await attribute({
    store,
    state,
    connectors: ['aws'],
    codeowners: new Map(),
    isAiSpend: () => true,
    normalizeModel,
    priceBook,
    costView,
  });
  const { period } = result.report;
  const inputs = await runInputs(store.sql, {
    connectors: ['aws'],
    period,
    state,
    people: await store.people(),
    groups: await store.groups(),
    bindings: await store.bindings(),
    codeowners: new Map(),
    priceBook,
    costView,
  });
  const outcome = runOutcome(result.report);
  const previous = await previousRun(store.sql, {
    connectors: ['aws'],
    period,
    costView,
    before: result.runId,
  });
  await saveRunInputs(store.sql, result.runId, inputs, outcome);
  return { runId: result.runId, changes: runChanges(previous, { inputs, outcome }) };
}

describe('re-running attribution of a closed period', () => {
  let store: Store;
  beforeEach(async () => {
    store = await Store.open(undefined);
    await seed(store);
  });
  afterEach(async () => {
    await store.close();
  });

  it('says the first run of a period has nothing to compare with', async () => {
    const { changes } = await run(store, clusterState());
    expect(changes.first).toBe(true);
    expect(changes.lines).toEqual([
      'no earlier run of this period, connectors and cost view to compare with',
    ]);
  });

  it('gives the same answer from the same inputs, and says nothing changed', async () => {
    await run(store, clusterState());
    const { changes } = await run(store, clusterState());
    expect(changes).toMatchObject({
      first: false,
      sameInputs: true,
      sameAnswer: true,
      unexplained: false,
      inputs: [],
      answer: [],
    });
    expect(changes.lines).toEqual([
      'no change: the inputs are the same as the previous run, and so is the answer',
    ]);
  });

  it('names the day that gained a request, and how each CostCenter moved', async () => {
    await run(store, clusterState());
    await store.insertUsageEvents([usageEvent('req-5', '2026-11-14T12:00:00Z', 'ads')], 'late');
    const { changes } = await run(store, clusterState());
    expect(changes.sameInputs).toBe(false);
    expect(changes.unexplained).toBe(false);
    expect(changes.inputs).toEqual([
      'usage events on 2026-11-14: 3 → 4, inputTokens 3,000 → 4,000, outputTokens 300 → 400',
    ]);
    // 12.30 of the 14th went 2:1 to search and ads; with ads' second request it goes 2:2.
    expect(changes.answer).toEqual([
      { costCenter: 'cc-ads', before: '8.6', after: '10.65', delta: '2.05' },
      { costCenter: 'cc-search', before: '8.2', after: '6.15', delta: '-2.05' },
    ]);
    expect(changes.lines).toEqual([
      'inputs changed, and the answer with them',
      '  usage events on 2026-11-14: 3 → 4, inputTokens 3,000 → 4,000, outputTokens 300 → 400',
      'answer:',
      '  CostCenter cc-ads: 8.60 → 10.65 (+2.05)',
      '  CostCenter cc-search: 8.20 → 6.15 (-2.05)',
    ]);
  });

  it('names the bill source whose line changed, with its old and new figures', async () => {
    await run(store, clusterState());
    await store.replaceCostRows(
      'aws',
      'cur',
      [PERIOD.start],
      [{ ...BILL[0]!, billedCost: '12.90' }, BILL[1]!],
    );
    const { changes } = await run(store, clusterState());
    expect(changes.inputs).toEqual(['bill: cost_rows of aws/cur: 2 rows, billed 16.80 → 17.40']);
    expect(changes.lines).toContain('  billed 16.80 → 17.40');
  });

  it('names the CostCenter whose annotation changed, and says when the answer stayed', async () => {
    await run(store, clusterState());
    const state = clusterState();
    state.costCenters[1]!.metadata.annotations['argmin.io/owner'] = 'ana';
    const { changes } = await run(store, state);
    expect(changes.inputs).toEqual(['cluster state: CostCenter cc-ads changed']);
    expect(changes.sameAnswer).toBe(true);
    expect(changes.lines).toEqual([
      'inputs changed; the answer is the same',
      '  cluster state: CostCenter cc-ads changed',
    ]);
  });

  it('tells an answer whose amounts stayed but whose confidence moved from the same answer', async () => {
    await run(store, clusterState());
    const state = clusterState();
    // The ads workload now names its CostCenter itself: the same money, on stronger evidence.
    state.workloads[1]!.metadata.annotations['argmin.io/cost-center'] = 'cc-ads';
    const { changes } = await run(store, state);
    expect(changes.answer).toEqual([]);
    expect(changes.sameAnswer).toBe(false);
    expect(changes.lines).toContain(
      '  CostCenter cc-ads: the same amount, but its rows changed (service, confidence or evidence)',
    );
    expect(changes.lines.join('\n')).not.toContain('cc-search');
  });

  it('names the day whose request changed caller though its figures did not', async () => {
    await run(store, clusterState());
    await store.sql.query(
      `UPDATE usage_events SET caller_service_account = 'ads/app' WHERE request_id = 'req-1'`,
    );
    const { changes } = await run(store, clusterState());
    expect(changes.inputs).toEqual([
      'usage events on 2026-11-14: 3 events, their contents changed',
    ]);
    expect(changes.answer.map((m) => [m.costCenter, m.delta])).toEqual([
      ['cc-ads', '4.1'],
      ['cc-search', '-4.1'],
    ]);
  });

  it('names the workload whose annotation changed, and at most ten of many', async () => {
    const many = () => {
      const state = clusterState();
      for (let i = 0; i < 12; i++) {
        state.workloads.push({
          ...state.workloads[0]!,
          metadata: { name: `batch-${i}`, namespace: 'search', labels: {}, annotations: {} },
        });
      }
      return state;
    };
    await run(store, many());
    const state = many();
    for (const w of state.workloads) w.podAnnotations['argmin.io/source-path'] = 'svc';
    const { changes } = await run(store, state);
    expect(changes.inputs).toHaveLength(11);
    expect(changes.inputs[0]).toBe('cluster state: Deployment ads/app changed');
    expect(changes.inputs[10]).toBe('cluster state: and 4 more Workload changes');
  });

  it('counts rather than names the people that changed among very many', async () => {
    const people = (department: string) =>
      Array.from({ length: MAX_NAMED_OBJECTS + 1 }, (_, i) => ({
        id: `u-${i}`,
        userName: `u${i}@example.com`,
        displayName: null,
        emails: [],
        active: true,
        costCenter: null,
        department,
        managerId: null,
        groups: [],
        source: { connector: 'okta', file: 'users.json', line: i + 2 },
      }));
    const record = async (department: string) => {
      const inputs = await runInputs(store.sql, {
        connectors: ['aws'],
        period: PERIOD,
        state: clusterState(),
        people: people(department),
      });
      return { inputs, outcome: { ...OUTCOME } };
    };
    const changes = runChanges(await record('sales'), await record('support'));
    expect(changes.inputs).toEqual([
      'people: some of 5,001 Person entries changed (5,001 before), too many to name',
    ]);
    expect(changes.sameAnswer).toBe(true);
  });

  it('flags an answer that moved while its inputs did not as a defect', async () => {
    const { runId } = await run(store, clusterState());
    const previous = await previousRun(store.sql, { connectors: ['aws'], period: PERIOD });
    expect(previous?.runId).toBe(runId);
    const drifted = {
      inputs: previous!.inputs,
      outcome: {
        ...previous!.outcome,
        byCostCenter: { ...previous!.outcome.byCostCenter, 'cc-ads': '8.59' },
      },
    };
    const changes = runChanges(previous, drifted);
    expect(changes.unexplained).toBe(true);
    expect(changes.lines[0]).toBe(
      'DEFECT: the inputs are the same as the previous run but the answer differs',
    );
    expect(changes.answer).toEqual([
      { costCenter: 'cc-ads', before: '8.6', after: '8.59', delta: '-0.01' },
    ]);
  });

  it('compares a run only with earlier runs of the same cost view and connectors', async () => {
    const billed = await run(store, clusterState());
    const effective = await run(store, clusterState(), 'effective');
    expect(effective.changes.first).toBe(true);
    const again = await run(store, clusterState());
    expect(again.changes.sameInputs).toBe(true);
    const found = await previousRun(store.sql, { connectors: ['aws'], period: PERIOD });
    expect(found?.runId).toBe(again.runId);
    const before = await previousRun(store.sql, {
      connectors: ['aws'],
      period: PERIOD,
      before: again.runId,
    });
    expect(before?.runId).toBe(billed.runId);
    expect(await previousRun(store.sql, { connectors: ['gcp'], period: PERIOD })).toBeNull();
  });
});

describe('re-running attribution on PostgreSQL', () => {
  let db: TestDatabase | undefined;
  afterEach(async () => {
    await db?.drop();
  });

  it('finds the previous run and says the day that gained a request', async () => {
    db = await freshPostgres();
    const store = await Store.open(db.url);
    try {
      await seed(store);
      await run(store, clusterState());
      expect((await run(store, clusterState())).changes.sameInputs).toBe(true);
      await store.insertUsageEvents([usageEvent('req-5', '2026-11-15T12:00:00Z', 'search')], 'x');
      const { changes } = await run(store, clusterState());
      expect(changes.inputs).toEqual([
        'usage events on 2026-11-15: 1 → 2, inputTokens 1,000 → 2,000, outputTokens 100 → 200',
      ]);
      expect(changes.answer.map((m) => [m.costCenter, m.delta])).toEqual([
        ['cc-ads', '-2.25'],
        ['cc-search', '2.25'],
      ]);
    } finally {
      await store.close();
    }
  });
});
