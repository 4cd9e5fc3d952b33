import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { isRfc3339, memoize, parseDecimal, parseTimestamp } from './field-values.js';

describe('parseDecimal', () => {
  it.each([
    ['12.5', '12.5'],
    ['-0.0000001', '-0.0000001'],
    ['1E-7', '0.0000001'],
    ['-2.5e3', '-2500'],
    ['0.12345678901234567890123456789', '0.12345678901234567890123456789'],
    ['+3', '3'],
    ['.5', '0.5'],
    ['-0', '0'],
    [' 7 ', '7'],
    ['4.847757', '4.847757'],
    ['007.2500', '7.25'],
    ['-000.000', '0'],
    ['-0.10', '-0.1'],
    ['5.', '5'],
    ['+0.5', '0.5'],
    ['100', '100'],
    ['1500.000', '1500'],
  ])('normalizes %s to the exact plain decimal %s', (text, expected) => {
    expect(parseDecimal(text)).toBe(expected);
  });

  it('gives plain decimals the same text as decimal.js does', () => {
    const digits = ['0', '00', '1', '010', '120', '9999999999999999999999'];
    for (const sign of ['', '+', '-']) {
      for (const whole of digits) {
        for (const fraction of [null, '', ...digits]) {
          const text = fraction === null ? `${sign}${whole}` : `${sign}${whole}.${fraction}`;
          const value = new Decimal(text);
          expect(parseDecimal(text)).toBe(value.isZero() ? '0' : value.toFixed());
        }
      }
    }
  });

  it.each(['', 'abc', '1,5', '0x10', 'NaN', 'Infinity', '1e400', '1.2.3', '--1'])(
    'rejects %j as not a finite decimal',
    (text) => {
      expect(parseDecimal(text)).toBeNull();
    },
  );
});

describe('parseTimestamp', () => {
  it.each([
    ['2025-06-01T00:00:00Z', '2025-06-01T00:00:00Z'],
    ['2025-06-01T00:00:00.000Z', '2025-06-01T00:00:00Z'],
    ['2025-06-01 13:45:10', '2025-06-01T13:45:10Z'],
    ['2025-06-01T02:00:00+02:00', '2025-06-01T00:00:00Z'],
    ['2025-06-01T02:00:00+0200', '2025-06-01T00:00:00Z'],
    ['2025-06-01', '2025-06-01T00:00:00Z'],
    ['2025-06-01T00:00Z', '2025-06-01T00:00:00Z'],
  ])('reads %s as %s', (text, expected) => {
    expect(parseTimestamp(text)).toBe(expected);
  });

  it.each([
    '',
    'yesterday',
    '2025-02-30T00:00:00Z',
    '2025-13-01',
    '2025-06-01T24:00:00Z',
    '1717200000',
  ])('rejects %j', (text) => {
    expect(parseTimestamp(text)).toBeNull();
  });
});

describe('isRfc3339', () => {
  it.each([
    ['2025-06-01T12:00:00Z', true],
    ['2025-06-01T12:00:00.123+01:00', true],
    ['2025-06-01 12:00:00Z', false],
    ['2025-06-01T12:00:00', false],
    ['2025-06-31T12:00:00Z', false],
  ])('%s -> %s', (text, expected) => {
    expect(isRfc3339(text)).toBe(expected);
  });
});

describe('memoize', () => {
  it('computes each text once, null results included, and forgets everything when full', () => {
    const calls: string[] = [];
    const lengthOrNull = memoize((text: string) => {
      calls.push(text);
      return text === '' ? null : text.length;
    }, 2);
    expect([lengthOrNull('ab'), lengthOrNull('ab'), lengthOrNull(''), lengthOrNull('')]).toEqual([
      2,
      2,
      null,
      null,
    ]);
    expect(calls).toEqual(['ab', '']);
    lengthOrNull('xyz');
    lengthOrNull('ab');
    expect(calls).toEqual(['ab', '', 'xyz', 'ab']);
  });
});
