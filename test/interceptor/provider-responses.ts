// Provider responses as they cross the proxy, one per provider and mode, shaped after each API's
// documented wire format. Every one carries CANARY in its content, which must never be kept.
import { encodeEventStreamFrame } from '../../ext-authz/index.js';
import type { UsageEvent } from '../../attribution/index.js';

export const CANARY = 'CANARY-7f3a9c-do-not-store';

export interface ProviderCall {
  name: string;
  request: Record<string, string>;
  response: Record<string, string>;
  body: Buffer[];
  /** What the event must say. */
  expected: Partial<UsageEvent>;
}

const text = (s: string) => Buffer.from(s);
const json = (value: unknown) => JSON.stringify(value);
const sse = (events: { event?: string; data: unknown }[]) =>
  events.map((e) => text(`${e.event ? `event: ${e.event}\n` : ''}data: ${json(e.data)}\n\n`));

function request(authority: string, path: string): Record<string, string> {
  return {
    ':authority': authority,
    ':path': path,
    ':method': 'POST',
    'content-type': 'application/json',
    authorization: `Bearer sk-${CANARY}`,
  };
}

const JSON_RESPONSE = { ':status': '200', 'content-type': 'application/json' };
const SSE_RESPONSE = { ':status': '200', 'content-type': 'text/event-stream; charset=utf-8' };
const EVENT_STREAM_RESPONSE = {
  ':status': '200',
  'content-type': 'application/vnd.amazon.eventstream',
};

const openaiChunk = (model: string, delta: object, usage: object | null = null) => ({
  id: 'chatcmpl-9x',
  object: 'chat.completion.chunk',
  created: 1_790_000_000,
  model,
  system_fingerprint: 'fp_1',
  choices: usage ? [] : [{ index: 0, delta, logprobs: null, finish_reason: null }],
  usage,
});

const anthropicStream = (model: string) => [
  {
    event: 'message_start',
    data: {
      type: 'message_start',
      message: {
        id: 'msg_01',
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        usage: { input_tokens: 25, cache_read_input_tokens: 0, output_tokens: 1 },
      },
    },
  },
  {
    event: 'content_block_start',
    data: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
  },
  { event: 'ping', data: { type: 'ping' } },
  {
    event: 'content_block_delta',
    data: {
      type: 'content_block_delta',
      index: 0,
      delta: { type: 'text_delta', text: `Hello ${CANARY}` },
    },
  },
  { event: 'content_block_stop', data: { type: 'content_block_stop', index: 0 } },
  {
    event: 'message_delta',
    data: {
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { output_tokens: 15 },
    },
  },
  { event: 'message_stop', data: { type: 'message_stop' } },
];

function bedrockFrame(eventType: string, payload: object): Buffer {
  return encodeEventStreamFrame(
    { ':event-type': eventType, ':content-type': 'application/json', ':message-type': 'event' },
    text(json(payload)),
  );
}

function bedrockChunk(inner: object): Buffer {
  return bedrockFrame('chunk', {
    bytes: Buffer.from(json(inner)).toString('base64'),
    p: 'abcdefgh',
  });
}

export const PROVIDER_CALLS: ProviderCall[] = [
  {
    name: 'OpenAI chat completion with cached prompt tokens',
    request: request('api.openai.com', '/v1/chat/completions'),
    response: JSON_RESPONSE,
    body: [
      text(
        json({
          id: 'chatcmpl-1',
          object: 'chat.completion',
          created: 1_790_000_000,
          model: 'gpt-4o-2024-08-06',
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: `Sure: ${CANARY}`, refusal: null },
              logprobs: null,
              finish_reason: 'stop',
            },
          ],
          usage: {
            prompt_tokens: 2006,
            completion_tokens: 300,
            total_tokens: 2306,
            prompt_tokens_details: { cached_tokens: 1920, audio_tokens: 0 },
            completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0 },
          },
          service_tier: 'default',
        }),
      ),
    ],
    expected: {
      provider: 'openai',
      model: 'gpt-4o-2024-08-06',
      inputTokens: 86,
      cacheReadTokens: 1920,
      outputTokens: 300,
      reasoningTokens: 0,
    },
  },
  {
    name: 'OpenAI chat completion from a reasoning model',
    request: request('api.openai.com', '/v1/chat/completions'),
    response: JSON_RESPONSE,
    body: [
      text(
        json({
          id: 'chatcmpl-2',
          object: 'chat.completion',
          model: 'o3-mini-2025-01-31',
          choices: [
            { index: 0, message: { role: 'assistant', content: CANARY }, finish_reason: 'stop' },
          ],
          usage: {
            prompt_tokens: 40,
            completion_tokens: 482,
            total_tokens: 522,
            prompt_tokens_details: { cached_tokens: 0 },
            completion_tokens_details: { reasoning_tokens: 448 },
          },
        }),
      ),
    ],
    expected: {
      model: 'o3-mini-2025-01-31',
      inputTokens: 40,
      cacheReadTokens: 0,
      outputTokens: 482,
      reasoningTokens: 448,
    },
  },
  {
    name: 'OpenAI chat stream with include_usage',
    request: request('api.openai.com', '/v1/chat/completions'),
    response: SSE_RESPONSE,
    body: [
      ...sse([
        { data: openaiChunk('gpt-4o-mini-2024-07-18', { role: 'assistant', content: '' }) },
        { data: openaiChunk('gpt-4o-mini-2024-07-18', { content: CANARY }) },
        {
          data: openaiChunk(
            'gpt-4o-mini-2024-07-18',
            {},
            {
              prompt_tokens: 19,
              completion_tokens: 10,
              total_tokens: 29,
              prompt_tokens_details: { cached_tokens: 0 },
              completion_tokens_details: { reasoning_tokens: 0 },
            },
          ),
        },
      ]),
      text('data: [DONE]\n\n'),
    ],
    expected: {
      model: 'gpt-4o-mini-2024-07-18',
      inputTokens: 19,
      cacheReadTokens: 0,
      outputTokens: 10,
    },
  },
  {
    name: 'OpenAI chat stream without usage',
    request: request('api.openai.com', '/v1/chat/completions'),
    response: SSE_RESPONSE,
    body: [
      ...sse([{ data: openaiChunk('gpt-4o-mini-2024-07-18', { content: CANARY }) }]),
      text('data: [DONE]\n\n'),
    ],
    expected: { model: 'gpt-4o-mini-2024-07-18', attributes: { usage: 'absent' } },
  },
  {
    name: 'OpenAI Responses API',
    request: request('api.openai.com', '/v1/responses'),
    response: JSON_RESPONSE,
    body: [
      text(
        json({
          id: 'resp_1',
          object: 'response',
          status: 'completed',
          model: 'gpt-4.1-2025-04-14',
          output: [
            {
              type: 'message',
              role: 'assistant',
              content: [{ type: 'output_text', text: CANARY, annotations: [] }],
            },
          ],
          usage: {
            input_tokens: 328,
            input_tokens_details: { cached_tokens: 128 },
            output_tokens: 52,
            output_tokens_details: { reasoning_tokens: 0 },
            total_tokens: 380,
          },
        }),
      ),
    ],
    expected: {
      model: 'gpt-4.1-2025-04-14',
      inputTokens: 200,
      cacheReadTokens: 128,
      outputTokens: 52,
    },
  },
  {
    name: 'OpenAI Responses API stream',
    request: request('api.openai.com', '/v1/responses'),
    response: SSE_RESPONSE,
    body: sse([
      {
        event: 'response.created',
        data: {
          type: 'response.created',
          sequence_number: 0,
          response: { id: 'resp_2', model: 'o4-mini-2025-04-16', usage: null },
        },
      },
      {
        event: 'response.output_text.delta',
        data: { type: 'response.output_text.delta', sequence_number: 1, delta: CANARY },
      },
      {
        event: 'response.completed',
        data: {
          type: 'response.completed',
          sequence_number: 2,
          response: {
            id: 'resp_2',
            model: 'o4-mini-2025-04-16',
            output: [{ type: 'message', content: [{ type: 'output_text', text: CANARY }] }],
            usage: {
              input_tokens: 10,
              input_tokens_details: { cached_tokens: 0 },
              output_tokens: 500,
              output_tokens_details: { reasoning_tokens: 448 },
            },
          },
        },
      },
    ]),
    expected: {
      model: 'o4-mini-2025-04-16',
      inputTokens: 10,
      outputTokens: 500,
      reasoningTokens: 448,
    },
  },
  {
    name: 'Anthropic message with prompt caching',
    request: request('api.anthropic.com', '/v1/messages'),
    response: JSON_RESPONSE,
    body: [
      text(
        json({
          id: 'msg_1',
          type: 'message',
          role: 'assistant',
          model: 'claude-sonnet-4-20250514',
          content: [{ type: 'text', text: CANARY }],
          stop_reason: 'end_turn',
          usage: {
            input_tokens: 25,
            cache_creation_input_tokens: 1000,
            cache_read_input_tokens: 2000,
            cache_creation: { ephemeral_5m_input_tokens: 400, ephemeral_1h_input_tokens: 600 },
            output_tokens: 15,
            service_tier: 'standard',
          },
        }),
      ),
    ],
    expected: {
      provider: 'anthropic',
      model: 'claude-sonnet-4-20250514',
      inputTokens: 25,
      cacheWriteTokens: 1000,
      cacheReadTokens: 2000,
      outputTokens: 15,
      attributes: { usage: 'reported', cacheWrite5mTokens: '400', cacheWrite1hTokens: '600' },
    },
  },
  {
    name: 'Anthropic message stream',
    request: request('api.anthropic.com', '/v1/messages'),
    response: SSE_RESPONSE,
    body: sse(anthropicStream('claude-3-5-haiku-20241022')),
    expected: {
      provider: 'anthropic',
      model: 'claude-3-5-haiku-20241022',
      inputTokens: 25,
      cacheReadTokens: 0,
      outputTokens: 15,
    },
  },
  {
    name: 'Bedrock InvokeModel, usage in response headers',
    request: request(
      'bedrock-runtime.us-east-1.amazonaws.com',
      '/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/invoke',
    ),
    response: {
      ...JSON_RESPONSE,
      'x-amzn-bedrock-input-token-count': '1200',
      'x-amzn-bedrock-output-token-count': '300',
      'x-amzn-bedrock-invocation-latency': '2100',
    },
    body: [
      text(
        json({
          id: 'msg_bdrk_1',
          type: 'message',
          model: 'claude-3-5-sonnet-20240620',
          content: [{ type: 'text', text: CANARY }],
          usage: { input_tokens: 1200, output_tokens: 300 },
        }),
      ),
    ],
    expected: {
      provider: 'aws',
      region: 'us-east-1',
      model: 'anthropic.claude-3-5-sonnet-20240620-v1:0',
      inputTokens: 1200,
      outputTokens: 300,
    },
  },
  {
    name: 'Bedrock Converse',
    request: request(
      'bedrock-runtime.eu-west-1.amazonaws.com',
      '/model/amazon.nova-pro-v1%3A0/converse',
    ),
    response: JSON_RESPONSE,
    body: [
      text(
        json({
          output: { message: { role: 'assistant', content: [{ text: CANARY }] } },
          stopReason: 'end_turn',
          usage: {
            inputTokens: 30,
            outputTokens: 20,
            totalTokens: 150,
            cacheReadInputTokens: 100,
            cacheWriteInputTokens: 0,
          },
          metrics: { latencyMs: 450 },
        }),
      ),
    ],
    expected: {
      provider: 'aws',
      region: 'eu-west-1',
      model: 'amazon.nova-pro-v1:0',
      inputTokens: 30,
      cacheReadTokens: 100,
      cacheWriteTokens: 0,
      outputTokens: 20,
    },
  },
  {
    name: 'Bedrock ConverseStream',
    request: request(
      'bedrock-runtime.us-west-2.amazonaws.com',
      '/model/us.anthropic.claude-3-7-sonnet-20250219-v1%3A0/converse-stream',
    ),
    response: EVENT_STREAM_RESPONSE,
    body: [
      bedrockFrame('messageStart', { p: 'abc', role: 'assistant' }),
      bedrockFrame('contentBlockDelta', {
        contentBlockIndex: 0,
        delta: { text: CANARY },
        p: 'abcdef',
      }),
      bedrockFrame('contentBlockStop', { contentBlockIndex: 0, p: 'ab' }),
      bedrockFrame('messageStop', { p: 'abcd', stopReason: 'end_turn' }),
      bedrockFrame('metadata', {
        metrics: { latencyMs: 812 },
        p: 'abcdefghij',
        usage: { inputTokens: 31, outputTokens: 97, totalTokens: 128 },
      }),
    ],
    expected: {
      provider: 'aws',
      region: 'us-west-2',
      model: 'us.anthropic.claude-3-7-sonnet-20250219-v1:0',
      inputTokens: 31,
      outputTokens: 97,
    },
  },
  {
    name: 'Bedrock InvokeModelWithResponseStream',
    request: request(
      'bedrock-runtime.us-east-1.amazonaws.com',
      '/model/anthropic.claude-3-haiku-20240307-v1%3A0/invoke-with-response-stream',
    ),
    response: EVENT_STREAM_RESPONSE,
    body: [
      ...anthropicStream('claude-3-haiku-20240307')
        .slice(0, -1)
        .map((e) => bedrockChunk(e.data)),
      bedrockChunk({
        type: 'message_stop',
        'amazon-bedrock-invocationMetrics': {
          inputTokenCount: 26,
          outputTokenCount: 16,
          invocationLatency: 800,
          firstByteLatency: 300,
        },
      }),
    ],
    expected: {
      provider: 'aws',
      model: 'anthropic.claude-3-haiku-20240307-v1:0',
      inputTokens: 26,
      cacheReadTokens: 0,
      outputTokens: 16,
    },
  },
  {
    name: 'Vertex AI Gemini with cached content and thinking',
    request: request(
      'us-central1-aiplatform.googleapis.com',
      '/v1/projects/acme-ml/locations/us-central1/publishers/google/models/gemini-2.5-flash:generateContent',
    ),
    response: JSON_RESPONSE,
    body: [
      text(
        json({
          candidates: [
            {
              content: { role: 'model', parts: [{ text: CANARY }] },
              finishReason: 'STOP',
              avgLogprobs: -0.12,
            },
          ],
          usageMetadata: {
            promptTokenCount: 1200,
            candidatesTokenCount: 80,
            totalTokenCount: 1380,
            cachedContentTokenCount: 1000,
            thoughtsTokenCount: 100,
            promptTokensDetails: [{ modality: 'TEXT', tokenCount: 1200 }],
          },
          modelVersion: 'gemini-2.5-flash',
          responseId: 'abc',
        }),
      ),
    ],
    expected: {
      provider: 'gcp',
      account: 'acme-ml',
      region: 'us-central1',
      model: 'gemini-2.5-flash',
      inputTokens: 200,
      cacheReadTokens: 1000,
      outputTokens: 180,
      reasoningTokens: 100,
    },
  },
  {
    name: 'Vertex AI Gemini stream (server-sent events)',
    request: request(
      'europe-west4-aiplatform.googleapis.com',
      '/v1/projects/acme-ml/locations/europe-west4/publishers/google/models/gemini-2.0-flash-001:streamGenerateContent?alt=sse',
    ),
    response: SSE_RESPONSE,
    body: sse([
      {
        data: {
          candidates: [{ content: { role: 'model', parts: [{ text: CANARY }] } }],
          usageMetadata: { promptTokenCount: 12, totalTokenCount: 12 },
          modelVersion: 'gemini-2.0-flash-001',
        },
      },
      {
        data: {
          candidates: [
            { content: { role: 'model', parts: [{ text: CANARY }] }, finishReason: 'STOP' },
          ],
          usageMetadata: { promptTokenCount: 12, candidatesTokenCount: 40, totalTokenCount: 52 },
          modelVersion: 'gemini-2.0-flash-001',
        },
      },
    ]),
    expected: {
      provider: 'gcp',
      region: 'europe-west4',
      model: 'gemini-2.0-flash-001',
      inputTokens: 12,
      cacheReadTokens: 0,
      outputTokens: 40,
    },
  },
  {
    name: 'Gemini API stream (JSON array)',
    request: request(
      'generativelanguage.googleapis.com',
      '/v1beta/models/gemini-1.5-pro:streamGenerateContent',
    ),
    response: JSON_RESPONSE,
    body: [
      text(
        '[{"candidates": [{"content": {"parts": [{"text": "' + CANARY + '"}],"role": "model"}}],',
      ),
      text(
        '"usageMetadata": {"promptTokenCount": 9,"totalTokenCount": 9},"modelVersion": "gemini-1.5-pro-002"}\r\n,\r\n',
      ),
      text(
        '{"candidates": [{"content": {"parts": [{"text": "' +
          CANARY +
          '"}],"role": "model"},"finishReason": "STOP"}],',
      ),
      text(
        '"usageMetadata": {"promptTokenCount": 9,"candidatesTokenCount": 21,"totalTokenCount": 30},"modelVersion": "gemini-1.5-pro-002"}\r\n]',
      ),
    ],
    expected: {
      provider: 'gcp',
      model: 'gemini-1.5-pro-002',
      inputTokens: 9,
      cacheReadTokens: 0,
      outputTokens: 21,
    },
  },
  {
    name: 'Vertex AI Anthropic model (streamRawPredict)',
    request: request(
      'us-east5-aiplatform.googleapis.com',
      '/v1/projects/acme-ml/locations/us-east5/publishers/anthropic/models/claude-sonnet-4@20250514:streamRawPredict',
    ),
    response: SSE_RESPONSE,
    body: sse(anthropicStream('claude-sonnet-4-20250514')),
    expected: {
      provider: 'gcp',
      region: 'us-east5',
      model: 'claude-sonnet-4-20250514',
      inputTokens: 25,
      outputTokens: 15,
    },
  },
  {
    name: 'Azure OpenAI chat stream with content filter results',
    request: request(
      'acme-eastus.openai.azure.com',
      '/openai/deployments/chat-prod/chat/completions?api-version=2024-10-21',
    ),
    response: SSE_RESPONSE,
    body: [
      ...sse([
        {
          data: {
            choices: [],
            created: 0,
            id: '',
            model: '',
            object: '',
            prompt_filter_results: [
              {
                prompt_index: 0,
                content_filter_results: { hate: { filtered: false, severity: 'safe' } },
              },
            ],
          },
        },
        { data: openaiChunk('gpt-4o-2024-11-20', { content: CANARY }) },
        {
          data: openaiChunk(
            'gpt-4o-2024-11-20',
            {},
            {
              prompt_tokens: 1500,
              completion_tokens: 60,
              total_tokens: 1560,
              prompt_tokens_details: { cached_tokens: 1024 },
              completion_tokens_details: { reasoning_tokens: 0 },
            },
          ),
        },
      ]),
      text('data: [DONE]\n\n'),
    ],
    expected: {
      provider: 'azure',
      account: 'acme-eastus',
      model: 'gpt-4o-2024-11-20',
      inputTokens: 476,
      cacheReadTokens: 1024,
      outputTokens: 60,
      attributes: { usage: 'reported', deployment: 'chat-prod' },
    },
  },
];

/** An OpenAI chat completion streamed in `count` server-sent events, the last with usage. */
export function streamedCompletion(count: number): Buffer[] {
  const event = (choices: object[], usage: object | null) =>
    Buffer.from(
      `data: ${JSON.stringify({
        id: 'chatcmpl-bench',
        object: 'chat.completion.chunk',
        created: 1_790_000_000,
        model: 'gpt-4o-mini-2024-07-18',
        system_fingerprint: 'fp_bench',
        choices,
        usage,
      })}\n\n`,
    );
  const chunks: Buffer[] = [];
  for (let i = 0; i < count - 1; i++) {
    const delta = { content: ` word${i} and a few more words of a completion, line ${i}` };
    chunks.push(event([{ index: 0, delta, logprobs: null, finish_reason: null }], null));
  }
  const usage = {
    prompt_tokens: 812,
    completion_tokens: count * 12,
    total_tokens: 812 + count * 12,
    prompt_tokens_details: { cached_tokens: 512 },
    completion_tokens_details: { reasoning_tokens: 0 },
  };
  chunks.push(Buffer.concat([event([], usage), Buffer.from('data: [DONE]\n\n')]));
  return chunks;
}
