// The entries of a JSON log file, whichever way a tool wrote it: one JSON value a line (an export to
// object storage), or one pretty-printed document (a CLI's or an API's JSON output) whose list holds
// them. Each entry names the line it starts on. A reviver is applied as the text is parsed, so a
// reader can drop request and response bodies before they become part of any value it keeps.
import type { SourceFile } from './format-reader.js';
import { arrayElementOffsets, linesOf } from './json-positions.js';
import { readLines, readText } from './open-source.js';
import { SourceError } from './source-error.js';

export type Reviver = (key: string, value: unknown) => unknown;

export interface JsonLogEntry {
  line: number;
  /** The parsed entry, or undefined when its line is not JSON. */
  value: unknown;
  /** The list the entry was found in (`events`, `Roles`), or null when it stood alone. */
  list: string | null;
}

export interface JsonLogOptions {
  reviver: Reviver;
  /** Keys of a top-level object whose array values hold entries; a top-level array always does. */
  lists: readonly string[];
  /** Rewrites a line before it is parsed, e.g. to take off a timestamp prefix; a document is not. */
  lineText?: (text: string) => string;
}

/** A pretty-printed document opens with a line that is a bare bracket; a JSON line never does. */
const DOCUMENT_OPENING = /^[[{]$/;

export async function* jsonLogEntries(
  file: SourceFile,
  options: JsonLogOptions,
): AsyncIterable<JsonLogEntry> {
  let started = false;
  for await (const { line, text } of readLines(file.path)) {
    const trimmed = text.trim();
    if (trimmed === '') continue;
    if (!started && DOCUMENT_OPENING.test(trimmed)) {
      yield* documentEntries(file, options);
      return;
    }
    started = true;

    const parsed = parse(options.lineText ? options.lineText(trimmed) : trimmed, options.reviver);
    if (!parsed.ok) {
      yield { line, value: undefined, list: null };
      continue;
    }
    for (const { value, list } of listed(parsed.value, options.lists)) yield { line, value, list };
  }
}

/** The whole file as one document; it is read whole, as its lists can only be found that way. */
async function* documentEntries(
  file: SourceFile,
  options: JsonLogOptions,
): AsyncIterable<JsonLogEntry> {
  const text = await readText(file.path);
  const parsed = parse(text, options.reviver);
  if (!parsed.ok) {
    throw new SourceError('SOURCE_FORMAT_INVALID', 'the file is not valid JSON', {
      file: file.path,
      ...(parsed.position === undefined ? {} : { line: lineAt(text, parsed.position) }),
    });
  }

  const entries = listed(parsed.value, options.lists);
  const keys = new Set(entries.map((e) => e.list));
  const lineOf = new Map<string | null, number[]>();
  for (const key of keys) {
    const offsets = arrayElementOffsets(text, key);
    const count = entries.filter((e) => e.list === key).length;
    // The scan and JSON.parse read the same text; should they ever disagree, no line is invented.
    lineOf.set(key, offsets !== null && offsets.length === count ? linesOf(text, offsets) : []);
  }
  const seen = new Map<string | null, number>();
  for (const entry of entries) {
    const index = seen.get(entry.list) ?? 0;
    seen.set(entry.list, index + 1);
    const start = entry.list === null && !Array.isArray(parsed.value) ? text.search(/\S/) : -1;
    const line = start >= 0 ? lineAt(text, start) : (lineOf.get(entry.list)?.[index] ?? 1);
    yield { line, value: entry.value, list: entry.list };
  }
}

function listed(value: unknown, lists: readonly string[]): Omit<JsonLogEntry, 'line'>[] {
  if (Array.isArray(value)) return value.map((v: unknown) => ({ value: v, list: null }));
  if (typeof value !== 'object' || value === null) return [{ value, list: null }];
  const record = value as Record<string, unknown>;
  const found = lists.filter((key) => Array.isArray(record[key]));
  if (found.length === 0) return [{ value, list: null }];
  return found.flatMap((key) =>
    (record[key] as unknown[]).map((v: unknown) => ({ value: v, list: key })),
  );
}

function parse(
  text: string,
  reviver: Reviver,
): { ok: true; value: unknown } | { ok: false; position?: number } {
  try {
    return { ok: true, value: JSON.parse(text, reviver) };
  } catch (err) {
    // Only the position is taken from the parser's message, which may quote a prompt.
    const position = /at position (\d+)/.exec(err instanceof Error ? err.message : '')?.[1];
    return position === undefined ? { ok: false } : { ok: false, position: Number(position) };
  }
}

function lineAt(text: string, offset: number): number {
  return linesOf(text, [offset])[0] ?? 1;
}
