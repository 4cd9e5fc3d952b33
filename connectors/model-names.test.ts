import { describe, expect, it } from 'vitest';
import { normalizeModelId } from './model-names.js';

describe('normalizeModelId for aws', () => {
  it.each([
    ['Claude4Sonnet', 'anthropic.claude-sonnet-4-20250514-v1:0'],
    ['Claude Sonnet 4 (Amazon Bedrock Edition)', 'anthropic.claude-sonnet-4-20250514-v1:0'],
    ['Claude3.5Haiku', 'anthropic.claude-3-5-haiku-20241022-v1:0'],
    ['Claude3.7Sonnet', 'anthropic.claude-3-7-sonnet-20250219-v1:0'],
    ['NovaPro', 'amazon.nova-pro-v1:0'],
    ['NovaLite', 'amazon.nova-lite-v1:0'],
    ['NovaMicro', 'amazon.nova-micro-v1:0'],
    ['Llama3.3-70B', 'meta.llama3-3-70b-instruct-v1:0'],
    ['Llama3.1-8B', 'meta.llama3-1-8b-instruct-v1:0'],
  ])('maps the CUR billing name %s to %s', (name, id) => {
    expect(normalizeModelId('aws', name)).toBe(id);
  });

  it.each([
    ['us.anthropic.claude-3-5-haiku-20241022-v1:0', 'anthropic.claude-3-5-haiku-20241022-v1:0'],
    ['eu.amazon.nova-pro-v1:0', 'amazon.nova-pro-v1:0'],
    ['apac.amazon.nova-lite-v1:0', 'amazon.nova-lite-v1:0'],
    ['us-gov.anthropic.claude-3-haiku-20240307-v1:0', 'anthropic.claude-3-haiku-20240307-v1:0'],
    ['global.anthropic.claude-sonnet-4-20250514-v1:0', 'anthropic.claude-sonnet-4-20250514-v1:0'],
    ['anthropic.claude-3-haiku-20240307-v1:0', 'anthropic.claude-3-haiku-20240307-v1:0'],
  ])('strips the inference-profile prefix of %s', (id, base) => {
    expect(normalizeModelId('aws', id)).toBe(base);
  });

  it.each([
    [
      'arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0',
      'anthropic.claude-3-haiku-20240307-v1:0',
    ],
    [
      'arn:aws:bedrock:us-east-1:111122223333:inference-profile/us.amazon.nova-pro-v1:0',
      'amazon.nova-pro-v1:0',
    ],
  ])('resolves the model of the ARN %s', (arn, base) => {
    expect(normalizeModelId('aws', arn)).toBe(base);
  });

  it('keeps an application-inference-profile ARN as given', () => {
    const arn = 'arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/abc123';
    expect(normalizeModelId('aws', arn)).toBe(arn);
  });

  it.each(['Claude9Ultra', 'Nova2.0Lite-experimental', 'openai.gpt-oss-120b', 'us.local-model'])(
    'keeps the unknown name %s as it is instead of guessing',
    (name) => {
      expect(normalizeModelId('aws', name)).toBe(name);
    },
  );

  it('leaves other providers’ model names untouched', () => {
    expect(normalizeModelId('openai', 'us.gpt-4o')).toBe('us.gpt-4o');
  });
});
