// SCIM 2.0 Users and Groups: a ListResponse, a single resource, or one resource a line. Each
// record names the line its resource starts on, so a refused user can be found in the file.
import type { SourceRecord } from '../attribution/index.js';
import {
  quarantine,
  sourceRef,
  type FormatReader,
  type ReadContext,
  type SourceFile,
} from './format-reader.js';
import { arrayElementOffsets, linesOf } from './json-positions.js';
import { readText } from './open-source.js';
import { fromScimResource } from './scim-resources.js';
import { SourceError } from './source-error.js';

interface Located {
  line: number;
  /** The parsed resource, or undefined when its line is not JSON. */
  value: unknown;
}

export const scimReader: FormatReader = {
  format: 'scim-2.0',
  role: 'identity',
  read: readScim,
};

async function* readScim(file: SourceFile, ctx: ReadContext): AsyncIterable<SourceRecord> {
  for (const { line, value } of locateResources(await readText(file.path), file)) {
    if (value === undefined) {
      yield quarantine(file, ctx, line, null, 'the line is not valid JSON');
      continue;
    }
    const result = fromScimResource(value, sourceRef(file, ctx, line));
    yield result.ok ? result.record : quarantine(file, ctx, line, result.field, result.reason);
  }
}

/** The file's resources in order, each with the line it starts on. */
function locateResources(text: string, file: SourceFile): Located[] {
  const whole = parseJson(text);
  if (whole.ok) return locateInDocument(text, whole.value, file);

  // Not one JSON document: one resource a line, provided the first line is one.
  const lines = text.split(/\r?\n/);
  const firstAt = lines.findIndex((l) => l.trim() !== '');
  if (firstAt === -1) return [];
  if (!parseJson(lines[firstAt] ?? '').ok) {
    throw new SourceError('SOURCE_FORMAT_INVALID', 'the file is not valid JSON', {
      file: file.path,
      ...(whole.position === undefined ? {} : { line: lineAt(text, whole.position) }),
    });
  }
  return lines.flatMap((l, index) => {
    if (l.trim() === '') return [];
    const parsed = parseJson(l);
    return [{ line: index + 1, value: parsed.ok ? parsed.value : undefined }];
  });
}

function locateInDocument(text: string, value: unknown, file: SourceFile): Located[] {
  const resources = listedResources(value, file);
  if (resources === null) return [{ line: lineAt(text, text.search(/\S/)), value }];

  const offsets = arrayElementOffsets(text, Array.isArray(value) ? null : 'Resources');
  // The scan and JSON.parse read the same text; should they ever disagree, no line is invented.
  const lines =
    offsets !== null && offsets.length === resources.length ? linesOf(text, offsets) : [];
  return resources.map((resource, index) => ({ line: lines[index] ?? 1, value: resource }));
}

/** The resources of a ListResponse or a bare array, or null for a single resource. */
function listedResources(value: unknown, file: SourceFile): unknown[] | null {
  if (Array.isArray(value)) return value;
  if (typeof value === 'object' && value !== null && 'Resources' in value) {
    const listed = (value as { Resources: unknown }).Resources;
    if (Array.isArray(listed)) return listed;
    throw new SourceError('SOURCE_FORMAT_INVALID', 'Resources is not a list', {
      file: file.path,
      field: 'Resources',
    });
  }
  if (typeof value === 'object' && value !== null && 'totalResults' in value) return [];
  return null;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; position?: number } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    // Only the position is taken from the parser's message, which may quote the text.
    const position = /at position (\d+)/.exec(err instanceof Error ? err.message : '')?.[1];
    return position === undefined ? { ok: false } : { ok: false, position: Number(position) };
  }
}

function lineAt(text: string, offset: number): number {
  return linesOf(text, [offset])[0] ?? 1;
}
