// Amazon Bedrock model invocation logs, gzip or not, as each destination delivers them: one
// ModelInvocationLog JSON object a line (S3), a CloudWatch Logs export to S3 (`<timestamp> <json>`
// a line), or `aws logs filter-log-events` / `get-log-events` output (`{"events": [...]}`, each
// event's `message` one log as a JSON string). The logs may carry whole prompts and completions;
// those are dropped while the text is parsed and never reach a record, a quarantine reason or an
// error.
import { parseUsageEvent, type SourceRecord, type UsageEvent } from '../attribution/index.js';
import {
  quarantine,
  type FormatReader,
  type ReadContext,
  type SourceFile,
} from './format-reader.js';
import { jsonLogEntries } from './json-log-entries.js';

const SCHEMA_TYPE = 'ModelInvocationLog';

/** The timestamp a CloudWatch Logs export writes before each event's message. */
const EXPORT_PREFIX =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})\s+(?=\{)/;

/** Keys whose values are request or response payloads: bodies, media, embeddings, content. */
const PAYLOAD_KEY = /body|image|video|audio|embedding|content/i;

/** Where each event field comes from in the log, so a refusal names the field the user can see. */
const LOG_FIELD: Readonly<Record<string, string>> = {
  requestId: 'requestId',
  timestamp: 'timestamp',
  model: 'modelId',
  inputTokens: 'input.inputTokenCount',
  cacheReadTokens: 'input.cacheReadInputTokenCount',
  cacheWriteTokens: 'input.cacheWriteInputTokenCount',
  outputTokens: 'output.outputTokenCount',
  'identity.awsPrincipal': 'identity.arn',
  'identity.user': 'requestMetadata.user',
  account: 'accountId',
  region: 'region',
  'attributes.operation': 'operation',
  'attributes.inferenceRegion': 'inferenceRegion',
};

export class BedrockInvocationLogsReader implements FormatReader {
  readonly format = 'aws-bedrock-invocation-logs';
  readonly role = 'usage' as const;

  /** `clock` is the receiver's time, against which a timestamp from the future is refused. */
  constructor(private readonly clock: () => Date = () => new Date()) {}

  async *read(file: SourceFile, ctx: ReadContext): AsyncIterable<SourceRecord> {
    const options = {
      reviver: withoutPayloads,
      lists: ['events'],
      lineText: (text: string) => text.replace(EXPORT_PREFIX, ''),
    };
    let eventIndex = 0;
    for await (const entry of jsonLogEntries(file, options)) {
      const { line } = entry;
      let log = entry.value;
      if (log === undefined) {
        yield quarantine(file, ctx, line, null, 'the line is not valid JSON');
        continue;
      }
      if (entry.list === 'events') {
        const field = `events[${eventIndex++}].message`;
        const message = isObject(log) ? log.message : undefined;
        if (typeof message !== 'string' || message.trim() === '') {
          yield quarantine(file, ctx, line, field, `${field} is required`);
          continue;
        }
        log = parseWithoutPayloads(message);
        if (log === undefined) {
          yield quarantine(file, ctx, line, field, `${field} is not valid JSON`);
          continue;
        }
      }
      if (!isObject(log)) {
        yield quarantine(file, ctx, line, null, 'the line is not a JSON object');
        continue;
      }
      const fields = log;
      if (fields.schemaType !== undefined && fields.schemaType !== SCHEMA_TYPE) {
        const reason = `schemaType is not ${SCHEMA_TYPE}`;
        yield quarantine(file, ctx, line, 'schemaType', reason);
        continue;
      }

      const checked = parseUsageEvent(toEvent(fields), { now: this.clock() });
      if (checked.ok) {
        yield { kind: 'usage', event: checked.event };
      } else {
        const field = LOG_FIELD[checked.field] ?? checked.field;
        yield quarantine(file, ctx, line, field, `${field} ${checked.reason}`);
      }
    }
  }
}

/** The parsed line with every payload key removed as it is met, or undefined when not JSON. */
export function parseWithoutPayloads(text: string): unknown {
  try {
    return JSON.parse(text, withoutPayloads);
  } catch {
    // The parser's message quotes the line, which may hold a prompt: it is not passed on.
    return undefined;
  }
}

function withoutPayloads(key: string, value: unknown): unknown {
  return PAYLOAD_KEY.test(key) ? undefined : value;
}

/** The event the log describes, before the event gate checks it. */
function toEvent(log: Record<string, unknown>): Record<string, unknown> {
  const input = objectAt(log, 'input');
  const output = objectAt(log, 'output');
  const identity = objectAt(log, 'identity');
  const metadata = objectAt(log, 'requestMetadata');

  const event: Record<string, unknown> = {
    requestId: log.requestId,
    timestamp: log.timestamp,
    provider: 'aws',
    model: log.modelId,
    status: present(log.errorCode) ? 'error' : 'ok',
  };
  const counts: [keyof UsageEvent, unknown][] = [
    ['inputTokens', input.inputTokenCount],
    ['cacheReadTokens', input.cacheReadInputTokenCount],
    ['cacheWriteTokens', input.cacheWriteInputTokenCount],
    ['outputTokens', output.outputTokenCount],
  ];
  // A count the log leaves out is unknown, never zero.
  for (const [field, count] of counts) if (present(count)) event[field] = count;

  const caller: Record<string, unknown> = {};
  if (present(identity.arn)) caller.awsPrincipal = identity.arn;
  if (present(metadata.user)) caller.user = metadata.user;
  if (Object.keys(caller).length > 0) event.identity = caller;

  if (present(log.accountId)) event.account = log.accountId;
  // Cross-region inference is billed in the source region, so that is the request's region; where
  // it actually ran is kept beside it.
  const region = present(log.region) ? log.region : log.inferenceRegion;
  if (present(region)) event.region = region;
  const attributes: Record<string, unknown> = {};
  if (present(log.operation)) attributes.operation = log.operation;
  if (present(log.inferenceRegion)) attributes.inferenceRegion = log.inferenceRegion;
  if (Object.keys(attributes).length > 0) event.attributes = attributes;
  return event;
}

function objectAt(log: Record<string, unknown>, key: string): Record<string, unknown> {
  const value = log[key];
  return isObject(value) ? value : {};
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function present(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}
