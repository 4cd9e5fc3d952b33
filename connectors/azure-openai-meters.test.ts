import { describe, expect, it } from 'vitest';
import { parseAzureOpenAiMeter, tokenUnit } from './azure-openai-meters.js';

describe('parseAzureOpenAiMeter', () => {
  // Microsoft's own spellings disagree from one meter to the next; each row is one way seen.
  it.each([
    ['gpt-4o-mini-0718-Inp-glbl Tokens', 'gpt-4o-mini', 'inputTokens', 'global', false],
    ['gpt-4o-mini-0718-Outp-glbl Tokens', 'gpt-4o-mini', 'outputTokens', 'global', false],
    ['gpt 4o 0513 Input global Tokens', 'gpt-4o', 'inputTokens', 'global', false],
    ['gpt-4o-0513 Input global Tokens', 'gpt-4o', 'inputTokens', 'global', false],
    ['GPT 4o Output Regional Tokens', 'gpt-4o', 'outputTokens', 'regional', false],
    ['gpt 4o 1120 cached Inp glbl', 'gpt-4o', 'cacheReadTokens', 'global', false],
    ['gpt-4o-mini-cached-input', 'gpt-4o-mini', 'cacheReadTokens', null, false],
    ['gpt-35-turbo-4k-Input-regional', 'gpt-35-turbo', 'inputTokens', 'regional', false],
    ['gpt 4.5 0227 cached Inp DZone', 'gpt-4.5', 'cacheReadTokens', 'datazone', false],
    ['gpt 4.1 Outp Data Zone Tokens', 'gpt-4.1', 'outputTokens', 'datazone', false],
    ['gpt-4-8K-Batch-Inp-glbl Tokens', 'gpt-4', 'inputTokens', 'global', true],
    ['GPT 5 Inpt Glbl', 'gpt-5', 'inputTokens', 'global', false],
    ['o3-mini 0131 Outp DZone', 'o3-mini', 'outputTokens', 'datazone', false],
    ['R1 Inp glbl Tokens', 'deepseek-r1', 'inputTokens', 'global', false],
    ['text-embedding-3-large Tokens', 'text-embedding-3-large', 'inputTokens', null, false],
  ])('reads %s as %s %s', (meter, model, tokenClass, deploymentType, batch) => {
    expect(parseAzureOpenAiMeter(meter)).toEqual({ model, tokenClass, deploymentType, batch });
  });

  it.each([
    ['Provisioned Managed Global Unit'],
    ['Provisioned Managed Data Zone'],
    ['gpt-4o-mini-0718-FT-Hosting'],
    ['Standard 1024*1024 Images'],
    [''],
  ])('names no token class for %j, which bills no tokens', (meter) => {
    expect(parseAzureOpenAiMeter(meter)).toBeNull();
  });
});

describe('tokenUnit', () => {
  it.each([
    ['1K', '1K tokens'],
    ['1M', '1M tokens'],
    ['10K', '10K tokens'],
    ['1', '1 tokens'],
    ['1 Hour', '1 Hour'],
    ['', ''],
  ])('writes the unit %j as %j', (unit, expected) => {
    expect(tokenUnit(unit)).toBe(expected);
  });
});
