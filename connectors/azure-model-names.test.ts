import { describe, expect, it } from 'vitest';
import { normalizeModelId } from './model-names.js';

describe("normalizeModelId('azure', ...)", () => {
  it.each([
    ['gpt-35-turbo', 'gpt-35-turbo'],
    ['gpt-3.5-turbo', 'gpt-35-turbo'],
    ['gpt-35-turbo-16k', 'gpt-35-turbo'],
    ['gpt-35-turbo-0301', 'gpt-35-turbo'],
    ['gpt-4o-2024-05-13', 'gpt-4o'],
    ['GPT-4o', 'gpt-4o'],
    ['gpt4o-mini', 'gpt-4o-mini'],
    ['gpt-4-32k-0613', 'gpt-4'],
    ['gpt-4.5-preview', 'gpt-4.5'],
    ['gpt-4o-realtime-preview-2024-12-17', 'gpt-4o-realtime'],
    ['o1-2024-12-17', 'o1'],
    ['DeepSeek-R1', 'deepseek-r1'],
    ['text-embedding-3-large', 'text-embedding-3-large'],
  ])('writes the model %s as %s', (name, id) => {
    expect(normalizeModelId('azure', name)).toBe(id);
  });

  it.each([
    ['gpt-chat-pilot', 'gpt-chat-pilot'],
    ['Support_Drafter', 'support-drafter'],
    ['2024', '2024'],
  ])('keeps the deployment name %s as given, only in one case and spelling', (name, id) => {
    expect(normalizeModelId('azure', name)).toBe(id);
  });

  it('leaves other providers to their own rules', () => {
    expect(normalizeModelId('openai', 'gpt-4o-2024-05-13')).toBe('gpt-4o-2024-05-13');
  });
});
