import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Store,
  type CloudConnector,
  type CostRow,
  type SourceRecord,
} from '../attribution/index.js';
import type { FormatReader, SourceFile } from './format-reader.js';
import { SourceError } from './source-error.js';
import { syncConnector, type SyncProgress } from './sync.js';

/** A billing format of lines `id,period,cost`; a file named `*broken*` cannot be read at all. */
function fakeBilling(format: string, withDeliveries: boolean): FormatReader {
  return {
    format,
    role: 'billing',
    async *read(file: SourceFile, ctx): AsyncIterable<SourceRecord> {
      if (file.name.includes('broken')) {
        throw new SourceError('SOURCE_UNREADABLE', 'cannot read', { file: file.path });
      }
      const lines = (await readFile(file.path, 'utf8')).trim().split('\n');
      for (const [i, text] of lines.entries()) {
        const [id, period, cost] = text.split(',') as [string, string, string];
        yield {
          kind: 'cost',
          row: row(id, period, cost, { connector: ctx.connector, file: file.name, line: i + 1 }),
        };
      }
    },
    // The delivery is the folder a file sits in, named by the date it was delivered.
    ...(withDeliveries
      ? { deliveryOf: (file: SourceFile) => path.basename(path.dirname(file.path)) }
      : {}),
  };
}

function row(id: string, period: string, billedCost: string, source: CostRow['source']): CostRow {
  return {
    id,
    source,
    provider: 'azure',
    billingAccountId: 'ea-1',
    subAccountId: 'sub-1',
    billingPeriodStart: `${period}-01T00:00:00Z`,
    billingPeriodEnd: `${period}-28T00:00:00Z`,
    chargePeriodStart: `${period}-01T00:00:00Z`,
    chargePeriodEnd: `${period}-02T00:00:00Z`,
    chargeCategory: 'Usage',
    chargeType: 'Usage',
    serviceName: 'Azure OpenAI',
    usageType: 'gpt-4o-input',
    region: null,
    resourceId: null,
    model: null,
    tokenClass: null,
    quantity: null,
    unit: null,
    billedCost,
    currency: 'USD',
    principal: null,
    tags: {},
  };
}

let dir: string;
let store: Store;

async function files(layout: Record<string, string>) {
  const base = await mkdtemp(path.join(dir, 'case-'));
  for (const [name, text] of Object.entries(layout)) {
    await mkdir(path.dirname(path.join(base, name)), { recursive: true });
    await writeFile(path.join(base, name), text);
  }
  return base;
}

function connector(name: string, sources: { name: string; format: string }[]): CloudConnector {
  return {
    metadata: { name, labels: {}, annotations: {} },
    spec: {
      provider: 'azure',
      sources: sources.map((s) => ({ ...s, url: `file://${s.name}/` })),
    },
    origin: { file: 'connector.yaml', line: 1 },
  };
}

const readers: Record<string, FormatReader> = {
  daily: fakeBilling('daily', true),
  plain: fakeBilling('plain', false),
};
const readerFor = (format: string) => readers[format];

async function total(name: string): Promise<string[]> {
  return (await store.costRows([name])).map((r) => `${r.id}=${r.billedCost}`);
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'argmin-sync-'));
  store = await Store.open(undefined);
});
afterAll(async () => {
  await store.close();
});

describe('syncConnector', () => {
  it('counts only the latest delivery of each billing period, so overlapping exports count once', async () => {
    const baseDir = await files({
      'exports/20261010/part-1.csv': 'a,2026-10,1\nb,2026-10,2\n',
      'exports/20261020/part-1.csv': 'a,2026-10,1\nb,2026-10,2\nc,2026-10,4\n',
      'exports/20261020/part-2.csv': 'd,2026-10,8\n',
      'exports/20261102/part-1.csv': 'e,2026-11,16\n',
    });
    const result = await syncConnector(
      connector('overlap', [{ name: 'exports', format: 'daily' }]),
      {
        store,
        baseDir,
        readerFor,
      },
    );
    expect(result.quarantined).toEqual([]);
    expect(await total('overlap')).toEqual(['a=1', 'b=2', 'c=4', 'd=8', 'e=16']);
  });

  it('replaces a source when it is synced again, and leaves the other sources alone', async () => {
    const baseDir = await files({ 'cur/1.csv': 'a,2026-10,1\n', 'focus/1.csv': 'z,2026-10,5\n' });
    const twoSources = connector('two', [
      { name: 'cur', format: 'plain' },
      { name: 'focus', format: 'plain' },
    ]);
    await syncConnector(twoSources, { store, baseDir, readerFor });
    await writeFile(path.join(baseDir, 'cur/1.csv'), 'a,2026-10,3\n');
    await syncConnector(twoSources, { store, baseDir, readerFor });
    expect(await total('two')).toEqual(['a=3', 'z=5']);
  });

  it('keeps the previous delivery when a file of the new one cannot be read, and says so', async () => {
    const baseDir = await files({ 'cur/1.csv': 'a,2026-10,1\n' });
    const keep = connector('keep', [{ name: 'cur', format: 'plain' }]);
    await syncConnector(keep, { store, baseDir, readerFor });
    await writeFile(path.join(baseDir, 'cur/1.csv'), 'a,2026-10,100\n');
    await writeFile(path.join(baseDir, 'cur/2-broken.csv'), 'x');
    const result = await syncConnector(keep, { store, baseDir, readerFor });
    expect(result.quarantined.map((q) => q.reason)).toEqual([
      expect.stringContaining('cannot read'),
    ]);
    expect(await total('keep')).toEqual(['a=1']);
  });

  it('quarantines a line item repeated within one delivery, naming where it first appeared', async () => {
    const baseDir = await files({ 'cur/1.csv': 'a,2026-10,1\na,2026-10,1\n' });
    const result = await syncConnector(connector('dup', [{ name: 'cur', format: 'plain' }]), {
      store,
      baseDir,
      readerFor,
    });
    expect(result.quarantined).toHaveLength(1);
    expect(result.quarantined[0]?.reason).toMatch(/duplicate line item a, first at .*1\.csv:1/);
    expect(result.quarantined[0]?.source.line).toBe(2);
  });

  it('refuses a source of an unknown format by the field that names it', async () => {
    const baseDir = await files({});
    const result = await syncConnector(connector('odd', [{ name: 'x', format: 'nope' }]), {
      store,
      baseDir,
      readerFor,
    });
    expect(result.quarantined).toEqual([
      expect.objectContaining({
        field: 'spec.sources[0].format',
        reason: 'format nope is not supported',
      }),
    ]);
  });
  it('marks rows that arrive for a closed period late, by the time of the previous sync', async () => {
    const baseDir = await files({ 'cur/1.csv': 'a,2026-10,1\n' });
    const late = connector('late', [{ name: 'cur', format: 'plain' }]);
    await syncConnector(late, { store, baseDir, readerFor, clock: () => new Date('2026-11-20') });
    await writeFile(path.join(baseDir, 'cur/1.csv'), 'a,2026-10,1\nrefund,2026-10,-1\n');
    const result = await syncConnector(late, {
      store,
      baseDir,
      readerFor,
      clock: () => new Date('2026-12-01'),
    });
    expect(result.lateCostRows).toBe(1);
    const rows = await store.costRows(['late']);
    expect(rows.map((r) => `${r.id}${r.late ? ' late' : ''}`)).toEqual(['a', 'refund late']);
  });

  it('streams a delivery larger than a batch, finding a duplicate in another batch than its first', async () => {
    const lines = Array.from({ length: 12_000 }, (_, i) => `r${i},2026-10,1`);
    const baseDir = await files({ 'cur/1.csv': `${lines.join('\n')}\nr7,2026-10,1\n` });
    const seen: SyncProgress[] = [];
    const result = await syncConnector(connector('big', [{ name: 'cur', format: 'plain' }]), {
      store,
      baseDir,
      readerFor,
      onProgress: (p) => seen.push(p),
    });
    expect(result.costRows).toBe(12_000);
    expect(result.quarantined.map((q) => [q.source.line, q.reason])).toEqual([
      [12_001, expect.stringMatching(/duplicate line item r7, first at .*1\.csv:8$/)],
    ]);
    expect(seen[0]).toEqual(expect.objectContaining({ files: 1, filesRead: 0, records: 0 }));
    expect(seen.some((p) => p.filesRead === 0 && p.records === 10_000)).toBe(true);
    expect(seen.at(-1)).toEqual({
      connector: 'big',
      source: 'cur',
      files: 1,
      filesRead: 1,
      records: 12_001,
    });
  });

  it('stages nothing lasting when a delivery is discarded for an unreadable file', async () => {
    const baseDir = await files({ 'cur/1.csv': 'a,2026-10,1\n', 'cur/2-broken.csv': 'x' });
    await syncConnector(connector('gone', [{ name: 'cur', format: 'plain' }]), {
      store,
      baseDir,
      readerFor,
    });
    const [staged] = await store.sql.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM cost_row_staging',
    );
    expect(staged?.n).toBe(0);
    expect(await total('gone')).toEqual([]);
  });

  it('refuses the sources of a connector whose Secret cannot be read here, naming the Secret', async () => {
    const baseDir = await files({ 'cur/1.csv': 'a,2026-10,1\n' });
    const secretive = {
      ...connector('secretive', [{ name: 'cur', format: 'plain' }]),
    };
    secretive.spec = { ...secretive.spec, credentialsSecretRef: { name: 'aws-keys', key: 'json' } };
    const result = await syncConnector(secretive, { store, baseDir, readerFor });
    expect(result.quarantined).toEqual([
      expect.objectContaining({
        field: 'spec.credentialsSecretRef',
        reason: expect.stringContaining('Secret aws-keys key json'),
      }),
    ]);
    expect(await total('secretive')).toEqual([]);
  });
});
