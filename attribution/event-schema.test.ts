import { describe, expect, it } from 'vitest';
import { parseUsageEvent } from './event-schema.js';

const now = new Date('2026-11-01T00:00:00Z');
const valid = {
  requestId: 'req-1',
  timestamp: '2026-10-03T10:00:00.250+02:00',
  provider: 'aws',
  model: 'us.anthropic.claude-sonnet-4-20250514-v1:0',
  inputTokens: 100,
  outputTokens: 20,
  reasoningTokens: 5,
  cost: '0.0125',
  latencyMs: 812.4,
  status: 'ok',
  identity: { apiKeyId: 'key-7', user: 'ana.lopez@acme.example' },
  service: 'search/ranker',
  account: '210987654321',
  attributes: { feature: 'rerank' },
};

describe('parseUsageEvent', () => {
  it('accepts a full event and returns it in canonical form', () => {
    const check = parseUsageEvent(valid, { now });
    expect(check).toEqual({
      ok: true,
      event: { ...valid, timestamp: '2026-10-03T08:00:00.250Z', latencyMs: 812 },
    });
  });

  it.each([
    [{ prompt: 'hi' }, 'prompt', 'content'],
    [{ messages: [] }, 'messages', 'content'],
    [{ Completion: 'x' }, 'Completion', 'content'],
    [{ choices: [] }, 'choices', 'content'],
    [{ colour: 'red' }, 'colour', 'not a field'],
    [{ inputTokens: -1 }, 'inputTokens', 'non-negative integer'],
    [{ outputTokens: 1.5 }, 'outputTokens', 'non-negative integer'],
    [{ cacheReadTokens: 400_000_001 }, 'cacheReadTokens', 'more than 400000000 tokens'],
    [{ reasoningTokens: 30 }, 'reasoningTokens', 'cannot exceed'],
    [{ cost: 0.01 }, 'cost', 'decimal string'],
    [{ cost: 'NaN' }, 'cost', 'decimal string'],
    [{ latencyMs: Infinity }, 'latencyMs', 'finite'],
    [{ timestamp: '2027-01-01T00:00:00Z' }, 'timestamp', 'future'],
    [{ timestamp: '2026-10-03 10:00' }, 'timestamp', 'RFC 3339'],
    [{ timestamp: '0000-01-01T00:00:00+01:00' }, 'timestamp', 'before 2000'],
    [{ timestamp: '1999-12-31T23:59:59Z' }, 'timestamp', 'before 2000'],
    [{ model: 'gpt\uD800' }, 'model', 'well-formed Unicode'],
    [{ attributes: { note: '\uDC00x' } }, 'attributes.note', 'well-formed Unicode'],
    [{ requestId: '' }, 'requestId', 'non-empty'],
    [{ requestId: 'r'.repeat(129) }, 'requestId', 'longer than 128'],
    [{ provider: 'bedrock' }, 'provider', 'one of'],
    [{ identity: { password: 'x' } }, 'identity.password', 'not a field'],
    [{ service: 'ranker' }, 'service', 'namespace/name'],
    [{ attributes: { note: 'x'.repeat(257) } }, 'attributes.note', 'longer than 256'],
    [{ attributes: { prompt: 'x' } }, 'attributes.prompt', 'content'],
    [{ attributes: { system_prompt: 'x' } }, 'attributes.system_prompt', 'content'],
    [{ attributes: { userMessage: 'x' } }, 'attributes.userMessage', 'content'],
    [{ attributes: { Input_Text: 'x' } }, 'attributes.Input_Text', 'content'],
    [{ attributes: { 'chat.question': 'x' } }, 'attributes.chat.question', 'content'],
    [{ attributes: { n: 1 } }, 'attributes.n', 'non-empty string'],
  ])('refuses %j naming the field', (patch, field, reason) => {
    const check = parseUsageEvent({ ...valid, ...patch }, { now });
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.field).toBe(field);
    expect(check.reason).toContain(reason);
  });

  it.each(['request_kind', 'outputFormat', 'feature', 'template_id'])(
    'accepts the metadata attribute key %s',
    (key) => {
      const check = parseUsageEvent({ ...valid, attributes: { [key]: 'v' } }, { now });
      expect(check.ok).toBe(true);
    },
  );

  it('accepts characters outside the Basic Multilingual Plane', () => {
    const check = parseUsageEvent(
      { ...valid, attributes: { feature: 'rerank \u{1F600}' } },
      { now },
    );
    expect(check.ok).toBe(true);
  });

  it('leaves unknown token counts out rather than zero', () => {
    const { inputTokens: _i, outputTokens: _o, reasoningTokens: _r, ...rest } = valid;
    const check = parseUsageEvent(rest, { now });
    expect(check.ok && 'inputTokens' in check.event).toBe(false);
  });
});
