import { describe, expect, it } from 'vitest';
import type { SourceRecord } from '../attribution/index.js';
import { ArgminEventsReader } from './argmin-events.js';
import type { ReadContext } from './format-reader.js';

const FIXTURE = new URL('./fixtures/argmin-events/events.jsonl', import.meta.url).pathname;
const CTX: ReadContext = { connector: 'platform/gateway-events', provider: 'aws' };

async function read(now = '2025-06-04T00:00:00Z'): Promise<SourceRecord[]> {
  const reader = new ArgminEventsReader(() => new Date(now));
  const out: SourceRecord[] = [];
  for await (const record of reader.read({ path: FIXTURE, name: 'events.jsonl' }, CTX)) {
    out.push(record);
  }
  return out;
}

describe('argmin-events reader', () => {
  it('yields each valid event in canonical form and quarantines the rest by line and field', async () => {
    const records = await read();
    expect(records.map((r) => (r.kind === 'usage' ? r.event.requestId : r.kind))).toEqual([
      'req-1',
      'req-2',
      'quarantine',
      'quarantine',
      'quarantine',
      'req-6',
    ]);
    expect(records[1]).toMatchObject({
      kind: 'usage',
      event: { timestamp: '2025-06-03T07:00:01.250Z', cost: '0.0125' },
    });
    const refused = records.flatMap((r) => (r.kind === 'quarantine' ? [r.item] : []));
    expect(refused.map((q) => [q.source.line, q.field])).toEqual([
      [3, null],
      [4, 'messages'],
      [5, 'inputTokens'],
    ]);
    expect(refused[0]?.reason).toBe('the line is not valid JSON');
    expect(refused[1]?.source).toEqual({
      connector: 'platform/gateway-events',
      file: 'events.jsonl',
      line: 4,
    });
  });

  it('refuses an event carrying content without repeating the content', async () => {
    expect(JSON.stringify(await read())).not.toContain('CANARY');
  });

  it('refuses timestamps in the future of the injected clock', async () => {
    const records = await read('2025-06-01T00:00:00Z');
    expect(records.filter((r) => r.kind === 'usage')).toEqual([]);
    expect(records[0]).toMatchObject({ kind: 'quarantine', item: { field: 'timestamp' } });
  });
});
