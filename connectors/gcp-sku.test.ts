import { describe, expect, it } from 'vitest';
import { isGcpAiService, parseGcpSku } from './gcp-sku.js';

describe('parseGcpSku', () => {
  it.each([
    [
      'Generate content input token count gemini 2.5 flash short input text',
      'gemini-2.5-flash',
      'inputTokens',
    ],
    [
      'Generate content input token count Gemini 2.5 Pro long input text',
      'gemini-2.5-pro',
      'inputTokens',
    ],
    [
      'Generate content cached input token count gemini 2.5 flash input image',
      'gemini-2.5-flash',
      'cacheReadTokens',
    ],
    [
      'Generate content output token count gemini 3.1 flash lite preview text',
      'gemini-3.1-flash-lite-preview',
      'outputTokens',
    ],
    ['Gemini 2.5 Pro Thinking Text Output - Predictions', 'gemini-2.5-pro', 'outputTokens'],
    [
      'EmbedContent input token count for gemini-embedding-2 text',
      'gemini-embedding-2',
      'inputTokens',
    ],
    [
      'Generate content input token count gemini 2.5 flash batch text',
      'gemini-2.5-flash',
      'inputTokens',
    ],
    ['Claude Sonnet 4.5 Input Tokens', 'claude-sonnet-4-5', 'inputTokens'],
    ['Claude Sonnet 4.5 Cache Write Input Tokens', 'claude-sonnet-4-5', 'cacheWriteTokens'],
  ])('reads %j as %s %s', (description, model, tokenClass) => {
    expect(parseGcpSku(description, 'count')).toEqual({ model, tokenClass });
  });

  it('gives storage of a context cache no token class: it bills token-hours, not requests', () => {
    expect(parseGcpSku('Cached content storage token hours', 'hour')).toEqual({
      model: null,
      tokenClass: null,
    });
  });

  it.each([
    ['Gemini 1.5 Flash Text Input - Predictions', 'count'],
    ['Gemini 1.0 Pro Text Output Characters - Predictions', 'count'],
    ['Generate content input gemini 2.5 flash text', 'characters'],
  ])('keeps the model but no token class for the character-priced %j', (description, unit) => {
    const usage = parseGcpSku(description, unit);
    expect(usage.model).not.toBeNull();
    expect(usage.tokenClass).toBeNull();
  });

  it('takes a token class from a unit that says tokens even for an older model', () => {
    expect(parseGcpSku('Gemini 1.5 Flash Text Input - Predictions', 'tokens').tokenClass).toBe(
      'inputTokens',
    );
  });

  it('names no model when the description names none', () => {
    expect(parseGcpSku('Online prediction node hours', 'hour')).toEqual({
      model: null,
      tokenClass: null,
    });
  });
});

describe('isGcpAiService', () => {
  it.each([
    ['Vertex AI', true],
    ['Gemini API', true],
    ['Generative Language API', true],
    ['Compute Engine', false],
    ['Cloud Run', false],
  ])('%s is AI inference: %s', (service, expected) => {
    expect(isGcpAiService(service)).toBe(expected);
  });
});
