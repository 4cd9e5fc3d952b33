import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../attribution/index.js';
import { freshPostgres, type TestDatabase } from '../databases.js';
import {
  callMessages,
  EnvoyDouble,
  phaseOf,
  requestIdOf,
  SAMPLE_CHECK_REQUEST,
} from './envoy-double.js';
import { eventually } from './harness.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const RUN_COMMAND = `
  const { interceptorCommand } = await import('./cli/interceptor-command.ts');
  await interceptorCommand().parseAsync(process.argv.slice(1), { from: 'user' });
`;

describe('argmin interceptor', () => {
  let db: TestDatabase;
  let dir: string;
  let child: ChildProcess;
  let output = '';
  let metricsAddress = '';
  const socket = () => path.join(dir, 'interceptor.sock');

  beforeAll(async () => {
    db = await freshPostgres();
    dir = mkdtempSync(path.join(tmpdir(), 'argmin-interceptor-'));
    child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        RUN_COMMAND,
        '--',
        '--listen',
        socket(),
        '--metrics-listen',
        '127.0.0.1:0',
      ],
      { cwd: ROOT, env: { ...process.env, DATABASE_URL: db.url }, stdio: 'pipe' },
    );
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await eventually(() => output.includes('interceptor listening'), 20_000);
    metricsAddress = /"metricsAddress":"([^"]+)"/.exec(output)![1]!;
  });

  afterAll(async () => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    await db.drop();
  });

  it('answers a Check from a client that knows only Envoy protos, over a Unix socket', async () => {
    const envoy = new EnvoyDouble(`unix:${socket()}`);
    try {
      const { response } = await envoy.check(SAMPLE_CHECK_REQUEST, 5_000);
      expect(response.status?.code ?? 0).toBe(0);
      const requestId = requestIdOf(response)!;
      expect(requestId).toMatch(/^[0-9a-f-]{36}$/);

      const messages = callMessages({
        request: {
          ':authority': 'api.openai.com',
          ':path': '/v1/chat/completions',
          'x-argmin-request-id': requestId,
        },
        response: { ':status': '200', 'content-type': 'application/json' },
        body: [
          Buffer.from(
            '{"model":"gpt-4o-2024-08-06","usage":{"prompt_tokens":12,"completion_tokens":3}}',
          ),
        ],
      });
      const { replies } = await envoy.processInSync(messages, 5_000);
      expect(replies.map((r) => r.response)).toEqual(messages.map(phaseOf));
    } finally {
      envoy.close();
    }

    const metrics = await (await fetch(`http://${metricsAddress}/metrics`)).text();
    expect(metrics).toMatch(/argmin_interceptor_checks_total \d+/);
    expect(metrics).toContain('argmin_interceptor_check_answer_seconds_bucket');
    expect((await fetch(`http://${metricsAddress}/readyz`)).status).toBe(200);
  });

  it('drains on SIGTERM: stores the queued event and exits 0', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);

    const store = await Store.open(db.url);
    try {
      const events = await store.usageEvents('2000-01-01T00:00:00Z', '2100-01-01T00:00:00Z');
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        provider: 'openai',
        model: 'gpt-4o-2024-08-06',
        inputTokens: 12,
        outputTokens: 3,
        identity: {
          spiffeId: 'spiffe://cluster.local/ns/search/sa/ranker',
          serviceAccount: 'search/ranker',
        },
      });
    } finally {
      await store.close();
    }
  });
});
