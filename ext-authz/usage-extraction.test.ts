import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { UsageEvent } from '../attribution/index.js';
import {
  CANARY,
  PROVIDER_CALLS,
  type ProviderCall,
} from '../test/interceptor/provider-responses.js';
import { CallObserver } from './call-observer.js';
import { CallerRegistry } from './caller-registry.js';
import { InterceptorMetrics } from './metrics.js';

const clock = { now: () => Date.parse('2026-10-03T10:00:00Z') };

/** Plays one call through an observer the way ext_proc delivers it; returns its event. */
async function observe(
  call: Pick<ProviderCall, 'request' | 'response' | 'body'>,
  options: { pieceBytes?: number; encode?: (body: Buffer) => Buffer; encoding?: string } = {},
): Promise<UsageEvent | undefined> {
  const events: UsageEvent[] = [];
  const observer = new CallObserver({
    clock,
    callers: new CallerRegistry(clock, 10, 60_000),
    metrics: new InterceptorMetrics(),
    logger: pino({ level: 'silent' }),
    record: (event) => events.push(event),
  });
  const response = new Map(Object.entries(call.response));
  if (options.encoding) response.set('content-encoding', options.encoding);
  const request = new Map(Object.entries(call.request));
  request.set('x-argmin-request-id', 'req-1');
  observer.requestHeaders(request, new Map());
  observer.responseHeaders(response, false);

  let body: Buffer = Buffer.concat(call.body);
  if (options.encode) body = options.encode(body);
  const pieces: Buffer[] = [];
  if (options.pieceBytes) {
    for (let i = 0; i < body.length; i += options.pieceBytes) {
      pieces.push(body.subarray(i, i + options.pieceBytes));
    }
  } else {
    pieces.push(...(options.encode ? [body] : call.body));
  }
  pieces.forEach((piece, i) => observer.responseBody(piece, i === pieces.length - 1));
  await observer.finish();
  return events[0];
}

describe('usage extraction', () => {
  it.each(PROVIDER_CALLS.map((call) => [call.name, call] as const))('%s', async (_name, call) => {
    const event = await observe(call);
    expect(event).toMatchObject({ status: 'ok', ...call.expected });
    expect(JSON.stringify(event)).not.toContain(CANARY);
  });

  it.each(PROVIDER_CALLS.map((call) => [call.name, call] as const))(
    '%s, split into 7-byte pieces, reads the same',
    async (_name, call) => {
      expect(await observe(call, { pieceBytes: 7 })).toEqual(await observe(call));
    },
  );

  it('records output 15, not 16, when a stream reports output 1 then a cumulative 15', async () => {
    const anthropic = PROVIDER_CALLS.find((c) => c.name === 'Anthropic message stream')!;
    expect(await observe(anthropic)).toMatchObject({ inputTokens: 25, outputTokens: 15 });
  });

  const openai = PROVIDER_CALLS[0]!;
  it.each([
    ['gzip', gzipSync],
    ['deflate', deflateSync],
    ['br', brotliCompressSync],
  ] as const)('reads a %s-encoded body', async (encoding, encode) => {
    const event = await observe(openai, { encoding, encode, pieceBytes: 100 });
    expect(event).toMatchObject(openai.expected);
  });

  it.each([
    ['an encoding it cannot undo', 'zstd', (b: Buffer) => b, 'content-encoding'],
    [
      'a corrupt gzip body',
      'gzip',
      (b: Buffer) => Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0]), b]),
      'corrupt-encoding',
    ],
  ] as const)(
    'records usage as unreadable for %s, and the call all the same',
    async (_case, encoding, encode, reason) => {
      const event = await observe(openai, { encoding, encode });
      expect(event).toMatchObject({
        provider: 'openai',
        attributes: { usage: 'unreadable', unreadable: reason },
      });
      expect(event?.inputTokens).toBeUndefined();
    },
  );

  it('keeps what a gzip body cut short still holds', async () => {
    const zipped = gzipSync(Buffer.concat(openai.body));
    const event = await observe(openai, {
      encoding: 'gzip',
      encode: () => zipped.subarray(0, zipped.length - 12),
    });
    expect(event).toMatchObject({ model: 'gpt-4o-2024-08-06', inputTokens: 86 });
  });

  it('records an error page without usage, and with its status', async () => {
    const event = await observe({
      request: openai.request,
      response: { ':status': '502', 'content-type': 'text/html' },
      body: [Buffer.from(`<html>${CANARY}</html>`)],
    });
    expect(event).toMatchObject({
      status: 'error',
      attributes: { httpStatus: '502', usage: 'unreadable', unreadable: 'content-type' },
    });
  });

  it('records a provider error body as an error with usage absent', async () => {
    const event = await observe({
      request: openai.request,
      response: { ':status': '429', 'content-type': 'application/json' },
      body: [Buffer.from('{"error":{"message":"Rate limit reached","type":"requests"}}')],
    });
    expect(event).toMatchObject({ status: 'error', attributes: { usage: 'absent' } });
  });

  it('records nothing for a call that is not to a model', async () => {
    const event = await observe({
      request: { ':authority': 'api.openai.com', ':path': '/v1/files' },
      response: openai.response,
      body: [Buffer.from('{}')],
    });
    expect(event).toBeUndefined();
  });

  it('leaves counts unknown when cached tokens exceed the prompt', async () => {
    const event = await observe({
      ...openai,
      body: [
        Buffer.from(
          '{"model":"m","usage":{"prompt_tokens":5,"prompt_tokens_details":{"cached_tokens":9},"completion_tokens":2}}',
        ),
      ],
    });
    expect(event).toMatchObject({ outputTokens: 2, attributes: { inconsistent: 'true' } });
    expect(event?.inputTokens).toBeUndefined();
    expect(event?.cacheReadTokens).toBeUndefined();
  });
});
