import { describe, expect, it } from 'vitest';
import { providerRoute } from './provider-route.js';

describe('providerRoute', () => {
  it.each([
    ['api.openai.com', '/v1/chat/completions', { provider: 'openai', dialect: 'openai-chat' }],
    ['api.openai.com:443', '/v1/responses', { provider: 'openai', dialect: 'openai-responses' }],
    ['api.openai.com', '/v1/embeddings', { provider: 'openai', dialect: 'openai-chat' }],
    ['vllm.ml.svc', '/v1/chat/completions', { provider: 'other', dialect: 'openai-chat' }],
    [
      'acme.openai.azure.com',
      '/openai/deployments/gpt4o%2Dprod/chat/completions',
      { provider: 'azure', dialect: 'openai-chat', deployment: 'gpt4o-prod', account: 'acme' },
    ],
    [
      'acme.openai.azure.com',
      '/openai/v1/responses',
      { provider: 'azure', dialect: 'openai-responses', account: 'acme' },
    ],
    ['api.anthropic.com', '/v1/messages', { provider: 'anthropic', dialect: 'anthropic' }],
    [
      'bedrock-runtime.ap-southeast-2.amazonaws.com',
      '/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fus.anthropic.claude-3-5-haiku-20241022-v1%3A0/converse',
      {
        provider: 'aws',
        dialect: 'bedrock-converse',
        region: 'ap-southeast-2',
        account: '123456789012',
        model:
          'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-haiku-20241022-v1:0',
      },
    ],
    [
      'aiplatform.googleapis.com',
      '/v1beta1/projects/p1/locations/global/publishers/google/models/gemini-2.5-pro:generateContent',
      { provider: 'gcp', dialect: 'gemini', model: 'gemini-2.5-pro', account: 'p1' },
    ],
    [
      'us-central1-aiplatform.googleapis.com',
      '/v1/projects/p1/locations/us-central1/endpoints/openapi/chat/completions',
      { provider: 'gcp', dialect: 'openai-chat', account: 'p1', region: 'us-central1' },
    ],
  ])('routes %s%s', (authority, path, expected) => {
    expect(providerRoute(authority, path)).toEqual(expected);
  });

  it.each([
    ['api.openai.com', '/v1/files'],
    ['api.anthropic.com', '/v1/messages/count_tokens'],
    [
      'us-central1-aiplatform.googleapis.com',
      '/v1/projects/p/locations/l/publishers/google/models/m:countTokens',
    ],
    ['bedrock-runtime.us-east-1.amazonaws.com', '/model/m/apply-guardrail'],
    ['example.com', '/'],
  ])('records nothing for %s%s, which is no inference call', (authority, path) => {
    expect(providerRoute(authority, path)).toBeNull();
  });
});
