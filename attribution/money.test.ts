import { describe, expect, it } from 'vitest';
import { allocate, Money, moneyText } from './money.js';

const m = (x: string | number) => new Money(x);

describe('allocate', () => {
  it.each([
    ['1', ['1', '1', '1'], 2, ['0.34', '0.33', '0.33']],
    ['-1', ['1', '1', '1'], 2, ['-0.34', '-0.33', '-0.33']],
    ['0.0000000001', ['3', '1'], 10, ['0.0000000001', '0']],
    ['100', ['2', '1', '1'], 0, ['50', '25', '25']],
    ['0.05', ['1', '1'], 2, ['0.03', '0.02']],
  ])('splits %s over %j at %i decimals into parts that add up exactly', (amount, w, s, parts) => {
    const result = allocate(m(amount), w.map(m), s);
    expect(result.map(moneyText)).toEqual(parts);
    expect(moneyText(result.reduce((a, b) => a.plus(b), m(0)))).toBe(moneyText(m(amount)));
  });

  it('refuses weights that sum to zero instead of losing the amount', () => {
    expect(() => allocate(m('1'), [m(0)], 2)).toThrow(/sum to zero/);
  });
});

describe('moneyText', () => {
  it('never uses exponent notation and drops trailing zeros', () => {
    expect(moneyText(m('1e-9'))).toBe('0.000000001');
    expect(moneyText(m('12.5000'))).toBe('12.5');
    expect(moneyText(m('-0'))).toBe('0');
  });
});
