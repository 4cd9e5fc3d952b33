import { describe, expect, it } from 'vitest';
import {
  parseBedrockUsageType,
  parseMarketplaceUsageType,
  regionOfUsageType,
} from './bedrock-usage-type.js';

describe('parseBedrockUsageType', () => {
  it.each([
    ['USE1-Claude4.6Sonnet-input-tokens', 'Claude4.6Sonnet', 'inputTokens', null],
    ['USE1-NovaPro-output-tokens', 'NovaPro', 'outputTokens', null],
    ['USE1-NovaPro-cache-read-input-token-count', 'NovaPro', 'cacheReadTokens', null],
    [
      'EUC1-Claude3.7Sonnet-cache-write-input-token-count',
      'Claude3.7Sonnet',
      'cacheWriteTokens',
      null,
    ],
    [
      'USE1-Claude4Sonnet-cache-read-input-token-count-cross-region-global',
      'Claude4Sonnet',
      'cacheReadTokens',
      'cross-region-global',
    ],
    ['USE1-Nova2.0Lite-input-tokens-flex', 'Nova2.0Lite', 'inputTokens', 'flex'],
    ['USW2-Llama3.3-70B-output-tokens', 'Llama3.3-70B', 'outputTokens', null],
    [
      'USE1-openai.gpt-oss-120b-mantle-input-tokens-standard',
      'openai.gpt-oss-120b',
      'inputTokens',
      'standard',
    ],
    ['EU-NovaLite-input-tokens', 'NovaLite', 'inputTokens', null],
  ])(
    'reads %s as model %s, class %s, variant %s',
    (usageType, billingName, tokenClass, variant) => {
      expect(parseBedrockUsageType(usageType)).toEqual({ billingName, tokenClass, variant });
    },
  );

  it.each([
    'USE1-ProvisionedThroughput-Claude4Sonnet',
    'USE1-Guardrails-TextUnits',
    'BoxUsage:t3.micro',
    'USE1-input-tokens',
    '',
  ])('finds no billed tokens in %j', (usageType) => {
    expect(parseBedrockUsageType(usageType)).toBeNull();
  });
});

describe('parseMarketplaceUsageType', () => {
  it.each([
    ['USE1-MP:USE1_InputTokenCount-Units', 'inputTokens'],
    ['USE2_OutputTokenCount_Global-Units', 'outputTokens'],
    ['USW2-MP:USW2_input_tokens_global_standard-Units', 'inputTokens'],
    ['USE2_CacheWriteInputTokenCount', 'cacheWriteTokens'],
    ['USE1-MP:USE1_CacheReadInputTokenCount-Units', 'cacheReadTokens'],
  ])('reads %s as %s', (usageType, tokenClass) => {
    expect(parseMarketplaceUsageType(usageType)).toBe(tokenClass);
  });

  it.each(['USE1-MP:USE1_SubscriptionFee-Units', 'USE1-Claude4Sonnet-input-tokens', 'Tax'])(
    'finds no token class in %s',
    (usageType) => {
      expect(parseMarketplaceUsageType(usageType)).toBeNull();
    },
  );
});

describe('regionOfUsageType', () => {
  it.each([
    ['USE1-NovaPro-input-tokens', 'us-east-1'],
    ['USE2_OutputTokenCount_Global-Units', 'us-east-2'],
    ['EU-NovaLite-input-tokens', 'eu-west-1'],
    ['APN1-NovaPro-input-tokens', 'ap-northeast-1'],
    ['ZZZ9-NovaPro-input-tokens', null],
    ['Tax', null],
  ])('%s is billed in %s', (usageType, region) => {
    expect(regionOfUsageType(usageType)).toBe(region);
  });
});
