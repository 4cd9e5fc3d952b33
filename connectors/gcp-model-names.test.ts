import { describe, expect, it } from 'vitest';
import { normalizeGcpModelId } from './gcp-model-names.js';

describe('normalizeGcpModelId', () => {
  it.each([
    [
      'projects/checkout-prod/locations/us-central1/publishers/google/models/gemini-2.5-flash',
      'gemini-2.5-flash',
    ],
    ['publishers/google/models/gemini-2.5-pro', 'gemini-2.5-pro'],
    ['models/gemini-2.0-flash', 'gemini-2.0-flash'],
    [
      'projects/p/locations/us-east5/publishers/anthropic/models/claude-sonnet-4@20250514',
      'claude-sonnet-4',
    ],
    ['claude-3-5-sonnet-v2@20241022', 'claude-3-5-sonnet-v2'],
    ['gemini-1.5-pro@002', 'gemini-1.5-pro'],
  ])('takes the model id out of the path %s', (path, id) => {
    expect(normalizeGcpModelId(path)).toBe(id);
  });

  it.each([
    ['gemini-2.0-flash-001', 'gemini-2.0-flash'],
    ['gemini-2.0-flash-lite-001', 'gemini-2.0-flash-lite'],
    ['gemini-2.5-flash-preview-05-20', 'gemini-2.5-flash-preview'],
    ['gemini-2.5-flash-lite-preview-06-17', 'gemini-2.5-flash-lite-preview'],
  ])('folds the revision or preview date of %s into %s, as billing does', (name, id) => {
    expect(normalizeGcpModelId(name)).toBe(id);
  });

  it.each([
    ['Gemini 2.5 Pro', 'gemini-2.5-pro'],
    ['gemini 3.1 flash lite preview', 'gemini-3.1-flash-lite-preview'],
    ['gemini-embedding-2', 'gemini-embedding-2'],
    ['Claude Sonnet 4.5', 'claude-sonnet-4-5'],
    ['Claude 3.5 Sonnet v2', 'claude-3-5-sonnet-v2'],
  ])('gives the SKU phrase %s the id Vertex uses, %s', (phrase, id) => {
    expect(normalizeGcpModelId(phrase)).toBe(id);
  });

  it.each([
    'projects/p/locations/us-central1/endpoints/1234567890',
    'my-tuned-model',
    'Llama 3.1 405B',
  ])('keeps %s as given instead of guessing', (name) => {
    expect(normalizeGcpModelId(name)).toBe(name);
  });
});
