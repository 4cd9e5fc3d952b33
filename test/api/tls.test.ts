// HTTPS with a certificate made for the test by openssl, as cert-manager would mount one.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BearerTokens, startApi, type RunningApi } from '../../api/index.js';
import { MemorySink } from './memory-sink.js';

const TOKEN = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const run = promisify(execFile);

let dir: string;
let api: RunningApi;
const sink = new MemorySink();

/** A self-signed pair for 127.0.0.1, written to `<name>.crt` and `<name>.key`. */
async function certificate(name: string, commonName: string): Promise<void> {
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '1',
    '-subj',
    `/CN=${commonName}`,
    '-addext',
    'subjectAltName=IP:127.0.0.1',
    '-keyout',
    join(dir, `${name}.key`),
    '-out',
    join(dir, `${name}.crt`),
  ]);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'argmin-tls-'));
  await certificate('tls', 'first');
  api = await startApi({
    host: '127.0.0.1',
    port: 0,
    sink,
    tokens: BearerTokens.of([TOKEN]),
    tls: { certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key') },
    tlsReloadIntervalMs: 50,
    logger: pino({ level: 'silent' }),
  });
});
afterAll(async () => {
  await api?.close();
  await rm(dir, { recursive: true, force: true });
});

function send(
  path: string,
  ca: Buffer,
  body?: string,
): Promise<{ status: number; peer: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${api.address}${path}`,
      {
        method: body === undefined ? 'GET' : 'POST',
        ca,
        agent: false,
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      },
      (res) => {
        const peer = (res.socket as TLSSocket).getPeerCertificate().subject.CN;
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, peer: String(peer), body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

it('serves HTTPS with the given certificate and stores events posted over it', async () => {
  expect(api.address).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  const ca = await readFile(join(dir, 'tls.crt'));
  const event = { requestId: 'tls-1', timestamp: '2026-10-03T10:00:00Z', provider: 'openai' };
  const answer = await send('/v1/events', ca, JSON.stringify([event]));
  expect(answer).toMatchObject({ status: 200, peer: 'first' });
  expect(sink.events.has('tls-1')).toBe(true);

  const plain = await fetch(api.address.replace('https:', 'http:') + '/healthz').catch(() => null);
  expect(plain?.ok ?? false).toBe(false);
});

it('serves a renewed certificate to new connections without a restart', async () => {
  await certificate('next', 'second');
  // Key first, then certificate: a reload between the two sees a mismatched pair and waits.
  await rename(join(dir, 'next.key'), join(dir, 'tls.key'));
  await rename(join(dir, 'next.crt'), join(dir, 'tls.crt'));
  const ca = await readFile(join(dir, 'tls.crt'));
  let peer = '';
  for (let i = 0; i < 50 && peer !== 'second'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    peer = await send('/healthz', ca).then(
      (a) => a.peer,
      () => '',
    );
  }
  expect(peer).toBe('second');
});
