import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceRecord } from '../attribution/index.js';
import type { ReadContext } from './format-reader.js';
import { scimReader } from './scim.js';
import { SourceError } from './source-error.js';

const FIXTURES = new URL('./fixtures/scim-2.0/', import.meta.url).pathname;
const CTX: ReadContext = { connector: 'identity/okta', provider: 'aws' };
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'argmin-scim-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function read(name: string, path = join(FIXTURES, name)): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  for await (const record of scimReader.read({ path, name }, CTX)) out.push(record);
  return out;
}

/** Kind, line and the id or refused field of each record, in order. */
function summary(records: SourceRecord[]): [string, number, string | null][] {
  return records.map((r) => {
    switch (r.kind) {
      case 'person':
        return ['person', r.person.source.line, r.person.id];
      case 'group':
        return ['group', r.group.source.line, r.group.id];
      case 'quarantine':
        return ['quarantine', r.item.source.line, r.item.field];
      default:
        return [r.kind, 0, null];
    }
  });
}

async function writeTemp(name: string, text: string | Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

describe('scim-2.0 reader', () => {
  it('reads a ListResponse, naming the line each resource starts on', async () => {
    expect(summary(await read('list-response.json'))).toEqual([
      ['person', 7, 'u-alice'],
      ['person', 59, 'u-bob'],
      ['person', 75, 'u-carol'],
      ['quarantine', 92, 'userName'],
      ['group', 100, 'g-payments'],
      ['person', 119, 'u-dan'],
    ]);
  });

  it('maps a user with the enterprise extension to a person', async () => {
    const [alice] = await read('list-response.json');
    expect(alice).toEqual({
      kind: 'person',
      person: {
        id: 'u-alice',
        userName: 'alice@acme.example',
        displayName: 'Alice Ng',
        emails: ['alice@acme.example', 'a.ng@acme.example'],
        active: true,
        costCenter: 'CC-4410',
        department: 'Payments',
        managerId: 'u-bob',
        groups: ['payments-team', 'engineering'],
        source: { connector: 'identity/okta', file: 'list-response.json', line: 7 },
      },
    });
  });

  it('reads a user without the extension as active with no cost center or manager', async () => {
    const records = await read('list-response.json');
    expect(records[1]).toMatchObject({
      person: {
        displayName: 'Bob Ortiz',
        active: true,
        costCenter: null,
        department: null,
        managerId: null,
        groups: [],
      },
    });
    expect(records[2]).toMatchObject({
      person: { active: false, department: 'Eng', costCenter: null },
    });
    expect(records[5]).toMatchObject({ person: { id: 'u-dan', active: false } });
  });

  it('maps a group to its members’ ids', async () => {
    const records = await read('list-response.json');
    expect(records[4]).toEqual({
      kind: 'group',
      group: {
        id: 'g-payments',
        displayName: 'payments-team',
        memberIds: ['u-alice', 'g-payments-oncall'],
        source: { connector: 'identity/okta', file: 'list-response.json', line: 100 },
      },
    });
  });

  it('reads one resource a line, quarantining lines that are not a user or group', async () => {
    const records = await read('resources.jsonl');
    expect(summary(records)).toEqual([
      ['person', 1, 'u-erin'],
      ['quarantine', 2, null],
      ['group', 4, 'g-search'],
      ['quarantine', 5, 'schemas'],
      ['quarantine', 6, 'displayName'],
    ]);
    expect(records[0]).toMatchObject({ person: { groups: ['search-team'] } });
    expect(records[1]).toMatchObject({ item: { reason: 'the line is not valid JSON' } });
  });

  it('reads a file holding a single resource, gzip or not', async () => {
    const text = await readFile(join(FIXTURES, 'single-user.json'));
    const gz = await writeTemp('single.json.gz', gzipSync(text));
    for (const records of [await read('single-user.json'), await read('single.json.gz', gz)]) {
      expect(summary(records)).toEqual([['person', 1, 'u-frank']]);
    }
  });

  it('refuses a document that is not JSON, naming the line of the fault', async () => {
    const path = await writeTemp(
      'broken.json',
      '{\n  "Resources": [\n    {"id": "u-1",}\n  ]\n}\n',
    );
    const err = await read('broken.json', path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect(err).toMatchObject({ code: 'SOURCE_FORMAT_INVALID', line: 3 });
  });

  it('refuses a ListResponse whose Resources is not a list', async () => {
    const path = await writeTemp('odd.json', '{"totalResults": 1, "Resources": {"id": "u-1"}}');
    await expect(read('odd.json', path)).rejects.toMatchObject({ field: 'Resources' });
  });

  it('yields nothing for an empty ListResponse', async () => {
    const path = await writeTemp('none.json', '{"totalResults": 0, "Resources": []}');
    expect(await read('none.json', path)).toEqual([]);
  });

  it.each([
    ['a non-string id', { schemas: [], userName: 'x', id: 7 }, 'id'],
    ['emails that are not a list', { userName: 'x', id: 'u', emails: 'x@y.z' }, 'emails'],
    [
      'a manager that is not an object',
      { userName: 'x', id: 'u', [ENTERPRISE]: { manager: 'u-2' } },
      `${ENTERPRISE}.manager`,
    ],
    ['active that is not a boolean', { userName: 'x', id: 'u', active: 'yes' }, 'active'],
  ])('quarantines a user with %s, naming the attribute', async (_, user, field) => {
    const path = await writeTemp('bad-user.json', JSON.stringify(user));
    expect(summary(await read('bad-user.json', path))).toEqual([['quarantine', 1, field]]);
  });
});
