// The month's AI calls, one per request, before they are written as invocation logs or gateway
// events. The bill is built from these same calls, so logs and events cover most of what it bills.
import type { TokenClass } from '../../../attribution/index.js';
import { CALLERS } from './callers.js';
import {
  DAY_MS,
  DAYS_IN_MONTH,
  isWeekend,
  MONTH_START_MS,
  PROD,
  SONNET_4,
  type BedrockOperation,
  type Caller,
  type Model,
  type Range,
  type Traffic,
} from './org.js';
import type { Random } from './random.js';

export interface Call {
  caller: Caller;
  requestId: string;
  timeMs: number;
  day: number;
  account: string;
  region: string;
  model: Model;
  /** The id the caller passed: a base model id or a `us.` inference profile. */
  modelId: string;
  /** Tokens by class for a call whose usage is known; empty for a failed call. */
  tokens: Partial<Record<TokenClass, number>>;
  reasoningTokens?: number;
  /** False when the recorder saw no usage at all (a stream the client dropped). */
  usageKnown: boolean;
  errorCode?: string;
  latencyMs: number;
  operation?: BedrockOperation;
  /** STS session name, for calls made directly with a role. */
  session?: string;
}

const ERROR_CODES = ['ThrottlingException', 'ValidationException', 'ModelErrorException'] as const;
const GATEWAY_REGION = 'us-west-2';
const DIRECT_REGION = 'us-east-1';
/** Share of gateway calls whose stream ended before usage arrived. */
const USAGE_LOST_SHARE = 0.006;

export function generateCalls(random: Random): Call[] {
  const calls: Call[] = [];
  for (const caller of CALLERS) {
    for (let day = 1; day <= DAYS_IN_MONTH; day++) {
      for (const traffic of caller.traffic) {
        if (traffic.days && !traffic.days.includes(day)) continue;
        const count = between(random, isWeekend(day) ? traffic.weekendCalls : traffic.weekdayCalls);
        for (let i = 0; i < count; i++) calls.push(oneCall(random, caller, traffic, day));
      }
    }
  }
  return calls.sort((a, b) => a.timeMs - b.timeMs);
}

function oneCall(random: Random, caller: Caller, traffic: Traffic, day: number): Call {
  const hour = between(random, traffic.hours);
  const timeMs = MONTH_START_MS + (day - 1) * DAY_MS + hour * 3_600_000 + random.int(0, 3_599_999);
  const failed = random.chance(traffic.errorShare);
  const call: Call = {
    caller,
    requestId: random.uuid(),
    timeMs,
    day,
    account: PROD.id,
    region: caller.via === 'gateway' ? GATEWAY_REGION : DIRECT_REGION,
    model: traffic.model,
    modelId: random.pick(traffic.modelIds),
    tokens: {},
    usageKnown: true,
    latencyMs: random.int(180, 900),
  };

  if (caller.via === 'bedrock') {
    call.operation = random.pick(caller.operations);
    // Botocore names sessions after the second their credentials were issued; IRSA refreshes
    // them about hourly.
    call.session =
      caller.session === 'botocore'
        ? `botocore-session-${Math.floor(timeMs / 3_600_000) * 3600}`
        : caller.session;
  }
  if (failed) {
    call.errorCode = random.pick(ERROR_CODES);
    call.latencyMs = random.int(40, 400);
    return call;
  }
  if (caller.via === 'gateway' && random.chance(USAGE_LOST_SHARE)) {
    call.usageKnown = false;
    return call;
  }

  call.tokens.inputTokens = between(random, traffic.input);
  call.tokens.outputTokens = between(random, traffic.output);
  if (traffic.cacheRead && random.chance(traffic.cacheRead.share)) {
    call.tokens.cacheReadTokens = between(random, traffic.cacheRead.tokens);
  }
  if (traffic.cacheWrite && random.chance(traffic.cacheWrite.share)) {
    call.tokens.cacheWriteTokens = between(random, traffic.cacheWrite.tokens);
  }
  if (traffic.reasoningShare !== undefined) {
    call.reasoningTokens = Math.floor(call.tokens.outputTokens * traffic.reasoningShare);
  }
  const msPerOutputToken = traffic.model === SONNET_4 ? 14 : 6;
  call.latencyMs += call.tokens.outputTokens * msPerOutputToken;
  return call;
}

function between(random: Random, [min, max]: Range): number {
  return random.int(min, max);
}
