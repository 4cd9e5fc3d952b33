// Checking and normalizing the scalar values sources carry: exact decimals and timestamps.
import { Decimal } from 'decimal.js';

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE]([+-]?\d+))?$/;
/** Exponents past this are not money or quantities but corrupt data, and would expand to huge text. */
const MAX_DECIMAL_EXPONENT = 100;

/**
 * The exact plain-notation text of a decimal (`1E-7` -> `0.0000001`), or null when the text is not a
 * finite decimal number. No digit is lost: decimal.js keeps every digit it is given.
 */
export function parseDecimal(text: string): string | null {
  const plain = PLAIN_DECIMAL.exec(text);
  if (plain !== null) return plainDecimal(plain[1] ?? '', plain[2] ?? '', plain[3] ?? '');

  const match = DECIMAL.exec(text.trim());
  if (match === null) return null;
  if (match[1] !== undefined && Math.abs(Number(match[1])) > MAX_DECIMAL_EXPONENT) return null;

  const value = new Decimal(text.trim());
  return value.isZero() ? '0' : value.toFixed();
}

/** Most bill amounts are plain (`4.847757`); they are normalized by hand, without decimal.js. */
const PLAIN_DECIMAL = /^([+-]?)(\d+)(?:\.(\d*))?$/;

/** The text decimal.js would give for a plain decimal: no leading or trailing zeros, no `-0`. */
function plainDecimal(sign: string, whole: string, fraction: string): string {
  let start = 0;
  while (start < whole.length - 1 && whole.charCodeAt(start) === ZERO) start++;
  let end = fraction.length;
  while (end > 0 && fraction.charCodeAt(end - 1) === ZERO) end--;
  const digits = end === 0 ? whole.slice(start) : `${whole.slice(start)}.${fraction.slice(0, end)}`;
  if (digits === '0') return '0';
  return sign === '-' ? `-${digits}` : digits;
}

const ZERO = 0x30;

const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*([Zz]|[+-]\d{2}:?\d{2}|UTC)?$/;

/**
 * A timestamp as `YYYY-MM-DDTHH:mm:ssZ` in UTC, or null when the text is not one. Accepts RFC 3339
 * and the looser forms exports write (space for `T`, no zone meaning UTC, a date alone meaning its
 * midnight). Fractions of a second are dropped: billing periods and charge periods are whole seconds.
 */
export function parseTimestamp(text: string): string | null {
  const m = TIMESTAMP.exec(text.trim());
  if (m === null) return null;
  const [, year = '', month = '', day = '', hour = '00', minute = '00', second = '00', zone] = m;

  const offset = zone === undefined || /^(?:z|utc)$/i.test(zone) ? 'Z' : colonOffset(zone);
  const instant = new Date(`${year}-${month}-${day}T${hour}:${minute}:${second}${offset}`);
  if (Number.isNaN(instant.getTime()) || !isRealDate(year, month, day, hour, minute, second)) {
    return null;
  }
  return `${instant.toISOString().slice(0, 19)}Z`;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

/** Whether the text is an RFC 3339 date-time naming a real instant. */
export function isRfc3339(text: string): boolean {
  return RFC3339.test(text) && parseTimestamp(text) !== null;
}

function colonOffset(zone: string): string {
  return zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
}

/** `Date` rolls 2025-02-30 over to March; a bill with that date is wrong, not early March. */
function isRealDate(...parts: string[]): boolean {
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0] = parts.map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  const dayExists = date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  return dayExists && hour < 24 && minute < 60 && second < 60;
}

/**
 * `fn` with its results remembered for repeated text. Exports repeat the same period dates and
 * product maps on row after row; the cache is emptied when full, so memory stays bounded.
 */
export function memoize<T>(fn: (text: string) => T, maxEntries = 4096): (text: string) => T {
  const seen = new Map<string, T>();
  return (text) => {
    const hit = seen.get(text);
    if (hit !== undefined || seen.has(text)) return hit as T;
    if (seen.size >= maxEntries) seen.clear();
    const result = fn(text);
    seen.set(text, result);
    return result;
  };
}
