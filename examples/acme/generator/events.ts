// Events platform/llm-gateway records for each call it forwards to Bedrock in acme-prod us-west-2,
// in Argmin's own event schema. Callers are API-key users, workloads that authenticate with their
// service account token, and the gateway's own canary.
import type { UsageEvent } from '../../../attribution/index.js';
import type { Call } from './calls.js';

export function gatewayEvent(call: Call): UsageEvent {
  const caller = call.caller;
  if (caller.via !== 'gateway') throw new Error(`${caller.name} does not use the gateway`);

  const event: UsageEvent = {
    requestId: call.requestId,
    timestamp: new Date(call.timeMs).toISOString(),
    provider: 'aws',
    model: call.modelId,
  };
  if (call.errorCode === undefined && call.usageKnown) {
    // The gateway reads Converse usage, which states every class, zero included.
    event.inputTokens = call.tokens.inputTokens ?? 0;
    event.cacheReadTokens = call.tokens.cacheReadTokens ?? 0;
    event.cacheWriteTokens = call.tokens.cacheWriteTokens ?? 0;
    event.outputTokens = call.tokens.outputTokens ?? 0;
    if (call.reasoningTokens !== undefined) event.reasoningTokens = call.reasoningTokens;
  }
  event.latencyMs = call.latencyMs;
  event.status = call.errorCode === undefined ? 'ok' : 'error';
  event.identity = { ...caller.identity };
  if (caller.service !== undefined) event.service = caller.service;
  event.account = call.account;
  event.region = call.region;

  const attributes: Record<string, string> = { gateway: 'llm-gateway', route: 'bedrock-converse' };
  if (call.errorCode !== undefined) attributes.errorCode = call.errorCode;
  if (!call.usageKnown) attributes.usage = 'stream closed before usage';
  event.attributes = attributes;
  return event;
}
