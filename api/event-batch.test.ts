import { describe, expect, it } from 'vitest';
import { ApiError } from './errors.js';
import { readEvents, type BodyFormat } from './event-batch.js';

const now = new Date('2026-11-01T00:00:00Z');
const event = (requestId: string, extra: Record<string, unknown> = {}) => ({
  requestId,
  timestamp: '2026-10-03T10:00:00Z',
  provider: 'openai',
  model: 'gpt-4o-mini',
  inputTokens: 10,
  ...extra,
});
const ndjson = (...values: unknown[]) => values.map((v) => JSON.stringify(v)).join('\n');

function refusal(body: string, format: BodyFormat, maxEvents = 10): ApiError {
  try {
    readEvents(body, format, { maxEvents, now });
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('the body was accepted');
}

describe('readEvents', () => {
  it('reads a JSON array and NDJSON (blank lines and CRLF allowed) to the same events', () => {
    const array = readEvents(JSON.stringify([event('a'), event('b')]), 'json', {
      maxEvents: 2,
      now,
    });
    const lines = readEvents(`${ndjson(event('a'))}\r\n\n${ndjson(event('b'))}\n`, 'ndjson', {
      maxEvents: 2,
      now,
    });
    expect(lines).toEqual(array);
    expect(array.map((e) => e.requestId)).toEqual(['a', 'b']);
  });

  it.each([
    ['prompt', { prompt: 'tell me a secret' }, 'content'],
    ['messages', { messages: [{ role: 'user' }] }, 'content'],
    ['input', { input: 'x' }, 'content'],
    ['completion', { completion: 'x' }, 'content'],
    ['output', { output: 'x' }, 'content'],
    ['choices', { choices: [] }, 'content'],
    ['colour', { colour: 'red' }, 'not a field'],
    ['inputTokens', { inputTokens: -3 }, 'non-negative integer'],
    ['latencyMs', { latencyMs: Infinity }, 'finite'],
    ['timestamp', { timestamp: '2027-06-01T00:00:00Z' }, 'future'],
    ['attributes', { attributes: Object.fromEntries(range(17).map((i) => [`k${i}`, 'v'])) }, '16'],
    ['attributes.note', { attributes: { note: 'x'.repeat(257) } }, 'longer than 256'],
    ['model', { model: 'm'.repeat(257) }, 'longer than 256'],
  ])(
    'refuses a request whose third event has a bad %s, naming field and position',
    (field, bad, reason) => {
      const events = [event('a'), event('b'), event('c', bad)];
      // JSON has no Infinity, but 1e999 parses to it; JSON.stringify would write null instead.
      const json = JSON.stringify(events).replace('"latencyMs":null', '"latencyMs":1e999');
      for (const [body, format, line] of [
        [json, 'json', undefined],
        [json.slice(1, -1).replace(/},{/g, '}\n{'), 'ndjson', 3],
      ] as const) {
        const err = refusal(body, format);
        expect(err.code).toBe('EVENT_REFUSED');
        expect(err.statusCode).toBe(400);
        expect(err.details).toMatchObject({ event: 2, field });
        expect(err.details.line).toBe(line);
        expect(err.details.reason).toContain(reason);
        expect(err.message).toContain(`event 2`);
        expect(err.message).toContain(`"${field}"`);
      }
    },
  );

  it('never repeats a refused value in its error', () => {
    const err = refusal(JSON.stringify([event('a', { prompt: 'CANARY-7f3a' })]), 'json');
    expect(JSON.stringify(err.toBody())).not.toContain('CANARY');
    const broken = refusal('[{"requestId": "CANARY-7f3a" "x"}]', 'json');
    expect(broken.code).toBe('INVALID_JSON');
    expect(JSON.stringify(broken.toBody())).not.toContain('CANARY');
  });

  it('cuts a long unknown field name in its error', () => {
    const err = refusal(JSON.stringify([event('a', { ['z'.repeat(5000)]: 1 })]), 'json');
    expect(err.details.field!.length).toBeLessThanOrEqual(101);
  });

  it.each([
    ['json', '[{"requestId": "a",', 'INVALID_JSON', 400, 'the body is not valid JSON'],
    ['json', '{"requestId": "a"}', 'NOT_AN_ARRAY', 400, 'JSON array'],
    ['json', '', 'INVALID_JSON', 400, 'not valid JSON'],
    ['ndjson', `${ndjson(event('a'))}\n{"requestId": `, 'INVALID_JSON', 400, 'line 2'],
    ['json', JSON.stringify(range(11).map((i) => event(`e${i}`))), 'TOO_MANY_EVENTS', 413, '10'],
    ['ndjson', ndjson(...range(11).map((i) => event(`e${i}`))), 'TOO_MANY_EVENTS', 413, '10'],
  ] as const)('refuses a malformed %s body: %s', (format, body, code, status, message) => {
    const err = refusal(body, format);
    expect(err.code).toBe(code);
    expect(err.statusCode).toBe(status);
    expect(err.message).toContain(message);
  });

  it('keeps a canary in an attribute value as metadata, and bounds its length', () => {
    const canary = 'CANARY-prompt-text-7f3a';
    const [stored] = readEvents(
      JSON.stringify([event('a', { attributes: { tag: canary } })]),
      'json',
      {
        maxEvents: 1,
        now,
      },
    );
    expect(stored!.attributes).toEqual({ tag: canary });
    const long = refusal(
      JSON.stringify([event('a', { attributes: { tag: canary.repeat(20) } })]),
      'json',
    );
    expect(long.details.field).toBe('attributes.tag');
  });
});

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
