// Turns a request body into usage events, all or none: a JSON array, or NDJSON with one event a
// line. Each event passes the one event gate; the first refusal fails the whole request, so a client
// never has to work out which half of its batch was kept.
import { parseUsageEvent, type UsageEvent } from '../attribution/index.js';
import { ApiError, eventRefused, type EventPosition } from './errors.js';

export const NDJSON_MEDIA_TYPE = 'application/x-ndjson';
export const JSON_MEDIA_TYPE = 'application/json';

export type BodyFormat = 'json' | 'ndjson';

export interface ReadEventsOptions {
  maxEvents: number;
  now: Date;
}

export function readEvents(
  body: string,
  format: BodyFormat,
  options: ReadEventsOptions,
): UsageEvent[] {
  return format === 'ndjson' ? readNdjson(body, options) : readJsonArray(body, options);
}

function readJsonArray(body: string, options: ReadEventsOptions): UsageEvent[] {
  const values = parseJson(body, {});
  if (!Array.isArray(values)) {
    throw new ApiError('NOT_AN_ARRAY', 'the body must be a JSON array of events');
  }
  checkCount(values.length, options.maxEvents);
  return values.map((value, event) => check(value, { event }, options.now));
}

function readNdjson(body: string, options: ReadEventsOptions): UsageEvent[] {
  const lines = body.split('\n');
  const numbered: { text: string; line: number }[] = [];
  lines.forEach((text, i) => {
    if (text.trim() !== '') numbered.push({ text, line: i + 1 });
  });
  checkCount(numbered.length, options.maxEvents);
  return numbered.map(({ text, line }, event) => {
    const position = { event, line };
    return check(parseJson(text, position), position, options.now);
  });
}

function checkCount(count: number, maxEvents: number): void {
  if (count > maxEvents) {
    throw new ApiError(
      'TOO_MANY_EVENTS',
      `the body holds ${count} events, more than the ${maxEvents} one request may carry`,
    );
  }
}

function check(value: unknown, position: EventPosition, now: Date): UsageEvent {
  const result = parseUsageEvent(value, { now });
  if (!result.ok) throw eventRefused(position, result.field, result.reason);
  return result.event;
}

function parseJson(text: string, position: EventPosition): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    // The parser's own message quotes the body; only the offset is safe to repeat.
    const offset = /position (\d+)/.exec(String((err as Error).message))?.[1];
    const where = position.line === undefined ? 'the body' : `line ${position.line}`;
    const at = offset === undefined ? '' : ` at character ${offset}`;
    throw new ApiError('INVALID_JSON', `${where} is not valid JSON${at}`, position);
  }
}
