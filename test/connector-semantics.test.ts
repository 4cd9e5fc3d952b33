// What the connectors' fixture facts look like to a user: each bill synced and attributed, and the
// report's totals checked. A credit nets against its usage without hiding it, overlapping exports
// count a month once, and a second sync of the same deliveries changes nothing.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  attribute,
  emptyClusterState,
  Store,
  type CloudConnector,
  type Report,
} from '../attribution/index.js';
import {
  connectorKey,
  isAiService,
  normalizeModelId,
  readerFor,
  syncConnector,
} from '../connectors/index.js';

const FIXTURES = path.resolve('connectors/fixtures');

function connector(name: string, provider: 'gcp' | 'azure', format: string, url: string) {
  const spec = { provider, sources: [{ name: 'bill', format, url }] };
  return {
    metadata: { name, namespace: 'finops', labels: {}, annotations: {} },
    spec,
    origin: { file: 'connector.yaml', line: 1 },
  } as CloudConnector;
}

/** Syncs the connector's sources into the store, then attributes what it holds. */
async function syncAndReport(store: Store, c: CloudConnector, baseDir: string): Promise<Report> {
  const synced = await syncConnector(c, { store, baseDir, readerFor });
  expect(synced.quarantined).toEqual([]);
  const { report } = await attribute({
    store,
    state: emptyClusterState(),
    connectors: [connectorKey(c)],
    codeowners: new Map(),
    isAiSpend: isAiService,
    normalizeModel: normalizeModelId,
  });
  return report;
}

let dir: string;
let store: Store;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'argmin-connector-semantics-'));
  // The standard export's first line alone: 10 of Gemini with a -2 promotion and a -3 free tier.
  const standard = await readFile(`${FIXTURES}/gcp-billing-export/standard-2025-06.jsonl`, 'utf8');
  await writeFile(path.join(dir, 'one-line.jsonl'), `${standard.split('\n')[0]}\n`);
  store = await Store.open(undefined);
}, 60_000);

afterAll(async () => {
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

const GCP_LINE = () => connector('gcp-line', 'gcp', 'gcp-billing-export', 'file://one-line.jsonl');
const AZURE_OVERLAP = () =>
  connector('azure-overlap', 'azure', 'azure-cost-export', 'file://overlap/msexports/');

describe('connector semantics, as the report shows them', () => {
  it('reports a Google Cloud line of 10 with credits of -2 and -3 as 5, the gross 10 still visible', async () => {
    const report = await syncAndReport(store, GCP_LINE(), dir);
    expect(report.totals.billed).toBe('5');
    expect(report.totals.byChargeCategory).toEqual({ Usage: '10', Credit: '-5' });
    const credits = report.rows.filter((r) => r.chargeCategory === 'Credit');
    expect(credits.map((r) => r.cost).sort()).toEqual(['-2', '-3']);
  });

  it('reports each month once when two overlapping Azure exports and daily re-runs deliver it', async () => {
    const report = await syncAndReport(store, AZURE_OVERLAP(), `${FIXTURES}/azure-cost-export`);
    // May from the daily export's only run, 5 + 7; June from the latest delivery, 1 + 2 + 4 + 8.
    expect(report.period).toEqual({ start: '2025-05-01T00:00:00Z', end: '2025-07-01T00:00:00Z' });
    expect(report.totals.billed).toBe('27');
    expect(report.totals.byChargeCategory).toEqual({ Usage: '27' });
  });

  it.each([
    ['a Google Cloud billing export', GCP_LINE, () => dir],
    ['Azure cost exports', AZURE_OVERLAP, () => `${FIXTURES}/azure-cost-export`],
  ])('reports the same after syncing %s a second time', async (_bill, make, baseDir) => {
    const once = await syncAndReport(store, make(), baseDir());
    const twice = await syncAndReport(store, make(), baseDir());
    expect(twice.totals).toEqual(once.totals);
    expect(twice.rows).toEqual(once.rows);
    expect(twice.outOfScope).toEqual(once.outOfScope);
  });
});
