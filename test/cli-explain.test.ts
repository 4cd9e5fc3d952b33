// `argmin explain` as a user runs it, on the example organisation: a separate process, its stdout,
// stderr and exit code.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { freshPostgres } from './databases.js';

const run = promisify(execFile);
const TSX = path.resolve('node_modules/.bin/tsx');
const MAIN = path.resolve('cli/main.ts');

async function argmin(...args: string[]) {
  return argminWith('', ...args);
}

async function argminWith(databaseUrl: string, ...args: string[]) {
  const env = { ...process.env, DATABASE_URL: databaseUrl };
  try {
    const { stdout, stderr } = await run(TSX, [MAIN, ...args], { env, maxBuffer: 1 << 26 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

// The first day's cache-read line of Claude 3.5 Haiku in acme-prod us-east-1: search/ranker's
// requests, found by its IRSA role, carry it to CostCenter search by the workload's annotation.
const HAIKU_LINE = 'ct4duxnx4f3wif5pr7cjuf764zeh4vukyzrvikvrlaayan76p6xl';
const IRSA =
  'IRSA: caller assumed arn:aws:iam::210987654321:role/workloads/search-ranker, ' +
  'serviceaccount search/ranker';
const ANNOTATION =
  'argmin.io/cost-center=search on Deployment search/ranker (examples/acme/cluster/workloads.yaml:7)';
// A gateway call of search/query-rewriter, placed by the CostCenter's `namespaces`.
const REWRITER_CALL = '65260c18-8c9e-4a3b-ad45-2f72643e12f9';

// Each case starts a process that compiles TypeScript, boots an embedded PostgreSQL and attributes
// the whole example.
const PROCESS_TIMEOUT_MS = 180_000;

describe('argmin explain, as a process', { timeout: PROCESS_TIMEOUT_MS }, () => {
  it('names every edge of a bill line path, request to CostCenter, with evidence and confidence', async () => {
    const { code, stdout } = await argmin('explain', HAIKU_LINE, 'examples/acme');
    expect(code).toBe(0);
    expect(stdout).toContain(`cost row ${HAIKU_LINE}/2026-10-01T00:00:00Z/2026-10-02T00:00:00Z`);
    expect(stdout).toContain(
      'path: bill line -> requests -> service search/ranker -> team search -> CostCenter search, ' +
        'confidence 0.855',
    );
    const edges = [
      'bill line distributed over its requests by tokens of its class [confidence 1]',
      `${IRSA} [confidence 0.9]`,
      `${ANNOTATION} [confidence 0.95]`,
    ];
    edges.forEach((edge, i) => expect(stdout).toContain(`${i + 1}. ${edge}`));
    // The interval the callers' path held in, and the path that lost to the annotation.
    expect(stdout).toMatch(/callers, held from the start until now:/);
    expect(stdout).toContain('alternatives that lost:\n        CostCenter search, confidence 0.81');
    expect(stdout).toContain(
      '- CostCenter search selects Deployment search/ranker (examples/acme/cost-centers.yaml:19) ' +
        '[confidence 0.9]',
    );
    // What the requests did not cover goes nowhere, and says why.
    expect(stdout).toContain("1. billed tokens beyond its requests' [confidence 1]");
  });

  it('explains a request as JSON: its caller, path, the interval it held and its bill lines', async () => {
    const { code, stdout } = await argmin(
      'explain',
      REWRITER_CALL,
      'examples/acme',
      '--format',
      'json',
    );
    expect(code).toBe(0);
    const explanation = JSON.parse(stdout);
    expect(explanation).toMatchObject({
      kind: 'request',
      id: REWRITER_CALL,
      request: { model: 'anthropic.claude-3-5-haiku-20241022-v1:0', inputTokens: 344 },
      caller: { identity: { apiKeyId: 'ak_7f3e9b21c4d05a68' }, service: 'search/query-rewriter' },
      heldFrom: null,
      heldUntil: null,
      path: {
        costCenter: 'search',
        service: 'search/query-rewriter',
        confidence: 0.9,
        edges: [
          { evidence: 'request names its service search/query-rewriter', confidence: 1 },
          {
            evidence:
              'CostCenter search selects Deployment search/query-rewriter ' +
              '(examples/acme/cost-centers.yaml:19)',
            confidence: 0.9,
          },
        ],
      },
      alternatives: [],
    });
    expect(explanation.lines.length).toBeGreaterThan(0);
    for (const line of explanation.lines) {
      expect(line.chargePeriodStart).toBe('2026-10-01T00:00:00Z');
      expect(Number(line.cost)).toBeGreaterThan(0);
    }
  });

  it('fails with exit 1 and names an id that is neither a request nor a bill line', async () => {
    const { code, stdout, stderr } = await argmin('explain', 'no-such-id', 'examples/acme');
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain("'no-such-id' is neither a request id nor a cost row id");
  });

  it('reads the latest run from the store at DATABASE_URL when no folder is given', async () => {
    const db = await freshPostgres();
    try {
      const before = await argminWith(db.url!, 'explain', HAIKU_LINE);
      expect(before.code).toBe(1);
      expect(before.stderr).toContain('no attribution run in the store');

      expect(
        (await argminWith(db.url!, 'attribute', 'examples/acme', '--format', 'json')).code,
      ).toBe(0);
      const { code, stdout } = await argminWith(db.url!, 'explain', HAIKU_LINE, '--format', 'json');
      expect(code).toBe(0);
      const explanation = JSON.parse(stdout);
      expect(explanation.kind).toBe('costRow');
      const [slice] = explanation.lines[0].slices;
      expect(slice).toMatchObject({
        costCenter: 'search',
        service: 'search/ranker',
        confidence: 0.855,
      });
      expect(slice.edges.map((e: { confidence: number }) => e.confidence)).toEqual([1, 0.9, 0.95]);
      expect(slice.callers[0].alternatives[0]).toMatchObject({
        costCenter: 'search',
        confidence: 0.81,
      });
    } finally {
      await db.drop();
    }
  });
});
