// Amazon Bedrock model invocation log records for the calls made directly in acme-prod us-east-1.
// Text data delivery was on until 2026-10-15, so earlier records carry request and response
// bodies (short, made-up text that a reader must drop); later ones carry counts only.
import type { Call } from './calls.js';
import { DAY_MS, MONTH_START_MS, NOVA_PRO } from './org.js';
import type { Random } from './random.js';

const BODIES_UNTIL_MS = MONTH_START_MS + 14 * DAY_MS;
const PROFILE_REGIONS = ['us-east-1', 'us-east-2', 'us-west-2'] as const;

/** What each caller asks and answers, when bodies are logged. */
const TEXTS: Record<string, { system: string; prompt: string; answer: string }> = {
  'search/ranker': {
    system: 'Order the passages by relevance to the query. Reply with passage ids only.',
    prompt: 'Query: replacement gripper pads for the R2 arm. Passages: [p1] [p2] [p3]',
    answer: 'p2, p3, p1',
  },
  'support/ticket-summarizer': {
    system: 'Summarize the support ticket for the next agent in three sentences.',
    prompt: 'Ticket 48213: the arm stops mid-cycle since firmware 4.2. Thread attached.',
    answer: 'The arm halts mid-cycle after firmware 4.2. Agent asked for controller logs.',
  },
  'payments/invoice-parser': {
    system: 'Extract invoice number, total, currency and due date as JSON.',
    prompt: 'Invoice scan, page 1 of 1 (OCR text attached).',
    answer: '{"invoice":"INV-20931","total":"1240.00","currency":"USD","due":"2026-11-15"}',
  },
  'platform/report-bot': {
    system: 'Write a short weekly summary from the table.',
    prompt: 'Fleet uptime by site for the week (table attached).',
    answer: 'Fleet uptime was 99.2%. Two arms at the Lyon site need new encoders.',
  },
  'priya.shah@acme.example': {
    system: 'You are a careful data science assistant.',
    prompt: 'Compare grasp success for policy A and policy B and suggest a test.',
    answer: 'Policy B looks better on small parts; run a paired test over 400 grasps.',
  },
};

export function invocationLogRecord(random: Random, call: Call): Record<string, unknown> {
  const caller = call.caller;
  if (caller.via !== 'bedrock' || call.operation === undefined || call.session === undefined) {
    throw new Error(`${caller.name} does not call Bedrock directly`);
  }
  const withBodies = call.timeMs < BODIES_UNTIL_MS;
  const text = TEXTS[caller.name];
  if (text === undefined) throw new Error(`no texts for ${caller.name}`);

  const record: Record<string, unknown> = {
    schemaType: 'ModelInvocationLog',
    schemaVersion: '1.0',
    timestamp: new Date(call.timeMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    accountId: call.account,
    identity: {
      arn: `arn:aws:sts::${call.account}:assumed-role/${caller.roleName}/${call.session}`,
    },
    region: call.region,
    requestId: call.requestId,
    operation: call.operation,
    modelId: call.modelId,
  };
  if (call.errorCode !== undefined) record.errorCode = call.errorCode;

  const converse = call.operation === 'Converse' || call.operation === 'ConverseStream';
  if (converse && caller.requestUsers && random.chance(0.4)) {
    record.requestMetadata = { user: random.pick(caller.requestUsers), source: 'helpdesk' };
  }
  record.inferenceRegion = call.modelId.startsWith('us.')
    ? random.pick(PROFILE_REGIONS)
    : call.region;
  if (converse) record.performanceConfig = { latency: 'standard' };

  const input: Record<string, unknown> = { inputContentType: 'application/json' };
  if (withBodies) input.inputBodyJson = requestBody(call, text);
  input.inputTokenCount = call.tokens.inputTokens ?? 0;
  if (call.tokens.cacheReadTokens) input.cacheReadInputTokenCount = call.tokens.cacheReadTokens;
  if (call.tokens.cacheWriteTokens) input.cacheWriteInputTokenCount = call.tokens.cacheWriteTokens;
  record.input = input;

  const output: Record<string, unknown> = { outputContentType: 'application/json' };
  if (withBodies && call.errorCode === undefined) {
    output.outputBodyJson = responseBody(random, call, text.answer);
  }
  output.outputTokenCount = call.tokens.outputTokens ?? 0;
  record.output = output;
  return record;
}

function requestBody(call: Call, text: { system: string; prompt: string }): unknown {
  if (call.operation === 'Converse' || call.operation === 'ConverseStream') {
    return {
      system: [{ text: text.system }],
      messages: [{ role: 'user', content: [{ text: text.prompt }] }],
      inferenceConfig: { maxTokens: 2048, temperature: 0.2 },
    };
  }
  if (call.model === NOVA_PRO) {
    return {
      schemaVersion: 'messages-v1',
      system: [{ text: text.system }],
      messages: [{ role: 'user', content: [{ text: text.prompt }] }],
      inferenceConfig: { maxTokens: 800, temperature: 0 },
    };
  }
  return {
    anthropic_version: 'bedrock-2023-05-31',
    max_tokens: 4096,
    system: text.system,
    messages: [{ role: 'user', content: text.prompt }],
  };
}

function responseBody(random: Random, call: Call, answer: string): unknown {
  const t = call.tokens;
  const input = t.inputTokens ?? 0;
  const output = t.outputTokens ?? 0;
  const cacheRead = t.cacheReadTokens ?? 0;
  const cacheWrite = t.cacheWriteTokens ?? 0;
  const converseUsage = {
    inputTokens: input,
    outputTokens: output,
    totalTokens: input + output + cacheRead + cacheWrite,
    cacheReadInputTokens: cacheRead,
    cacheWriteInputTokens: cacheWrite,
  };

  switch (call.operation) {
    case 'Converse':
      return {
        output: { message: { role: 'assistant', content: [{ text: answer }] } },
        stopReason: 'end_turn',
        usage: converseUsage,
        metrics: { latencyMs: call.latencyMs },
      };
    case 'ConverseStream':
      return [
        { messageStart: { role: 'assistant' } },
        { contentBlockDelta: { delta: { text: answer }, contentBlockIndex: 0 } },
        { contentBlockStop: { contentBlockIndex: 0 } },
        { messageStop: { stopReason: 'end_turn' } },
        { metadata: { usage: converseUsage, metrics: { latencyMs: call.latencyMs } } },
      ];
    case 'InvokeModelWithResponseStream':
      return [
        { type: 'message_start', message: { role: 'assistant', usage: { input_tokens: input } } },
        { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: answer } },
        {
          type: 'message_delta',
          delta: { stop_reason: 'end_turn' },
          usage: { output_tokens: output },
        },
        {
          type: 'message_stop',
          'amazon-bedrock-invocationMetrics': {
            inputTokenCount: input,
            outputTokenCount: output,
            invocationLatency: call.latencyMs,
            firstByteLatency: Math.min(call.latencyMs, random.int(250, 700)),
          },
        },
      ];
    default:
      if (call.model === NOVA_PRO) {
        return {
          output: { message: { role: 'assistant', content: [{ text: answer }] } },
          stopReason: 'end_turn',
          usage: {
            inputTokens: input,
            outputTokens: output,
            totalTokens: input + output + cacheRead,
            cacheReadInputTokenCount: cacheRead,
          },
        };
      }
      return {
        id: `msg_bdrk_${random.chars(24, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789')}`,
        type: 'message',
        role: 'assistant',
        content: [{ type: 'text', text: answer }],
        stop_reason: 'end_turn',
        usage: {
          input_tokens: input,
          cache_creation_input_tokens: cacheWrite,
          cache_read_input_tokens: cacheRead,
          output_tokens: output,
        },
      };
  }
}
