// Where the elements of a JSON document's list start, for messages that name a line. The text has
// already passed JSON.parse, so this scan only follows strings and nesting, in one pass.

const OPEN = new Set(['{', '[']);
const CLOSE = new Set(['}', ']']);
const WHITESPACE = new Set([' ', '\t', '\n', '\r']);

/**
 * Offsets at which the elements start of the top-level array (`key` null), or of the array that is
 * the value of the top-level object's `key` (the last one, as JSON.parse keeps the last duplicate).
 * Null when there is no such array.
 */
export function arrayElementOffsets(text: string, key: string | null): number[] | null {
  let depth = 0;
  let found: number[] | null = null;
  let current: number[] | null = null;
  // Depth of the array being collected, and whether its next element is still to start.
  let listDepth = -1;
  let awaitingElement = false;
  let lastKey: string | null = null;

  for (let i = 0; i < text.length; i += 1) {
    const c = text[i] as string;
    if (WHITESPACE.has(c)) continue;

    if (awaitingElement && depth === listDepth && c !== ']') {
      current?.push(i);
      awaitingElement = false;
    }

    if (c === '"') {
      const end = stringEnd(text, i);
      if (depth === 1 && key !== null && nextSignificant(text, end + 1) === ':') {
        lastKey = JSON.parse(text.slice(i, end + 1)) as string;
      }
      i = end;
    } else if (OPEN.has(c)) {
      depth += 1;
      const listStarts = c === '[' && (key === null ? depth === 1 : depth === 2 && lastKey === key);
      if (listStarts) {
        current = [];
        found = current;
        listDepth = depth;
        awaitingElement = true;
      }
    } else if (CLOSE.has(c)) {
      if (depth === listDepth) {
        listDepth = -1;
        awaitingElement = false;
      }
      depth -= 1;
      if (depth === 1) lastKey = null;
    } else if (c === ',' && depth === listDepth) {
      awaitingElement = true;
    }
  }
  return found;
}

/** 1-based line of each offset; `offsets` ascending. */
export function linesOf(text: string, offsets: readonly number[]): number[] {
  const lines: number[] = [];
  let line = 1;
  let from = 0;
  for (const offset of offsets) {
    for (let i = text.indexOf('\n', from); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
      line += 1;
      from = i + 1;
    }
    lines.push(line);
  }
  return lines;
}

/** Index of the quote that closes the string opening at `start`. */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i += 1) {
    const c = text[i];
    if (c === '\\') i += 1;
    else if (c === '"') return i;
  }
  return text.length - 1;
}

function nextSignificant(text: string, from: number): string | undefined {
  for (let i = from; i < text.length; i += 1) {
    const c = text[i] as string;
    if (!WHITESPACE.has(c)) return c;
  }
  return undefined;
}
