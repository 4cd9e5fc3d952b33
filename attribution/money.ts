// Exact decimal money. Every amount is a decimal.js value or a decimal string; binary floating
// point never touches cost.
import { Decimal } from 'decimal.js';

export const Money = Decimal.clone({ precision: 60, rounding: Decimal.ROUND_HALF_EVEN });
export type Money = InstanceType<typeof Money>;

export const ZERO = new Money(0);

/** Smallest number of decimals allocations are made at, finer than any bill's cents. */
export const MIN_ALLOCATION_SCALE = 6;

/** Canonical text of an amount: plain notation, no exponent, no trailing zeros. */
export function moneyText(amount: Money): string {
  const text = amount.toFixed();
  return text === '-0' ? '0' : text;
}

export function decimalPlaces(text: string): number {
  return new Money(text).decimalPlaces();
}

/**
 * Splits `amount` over `weights` in proportion, at `scale` decimals, so that the parts add up to
 * `amount` exactly: each part is rounded down, then the units left over go to the parts with the
 * largest remainders (ties to the earlier part, so the split is deterministic).
 */
export function allocate(amount: Money, weights: Money[], scale: number): Money[] {
  const total = weights.reduce((sum, w) => sum.plus(w), ZERO);
  if (weights.length === 0) return [];
  if (total.isZero()) throw new Error('cannot allocate over weights that sum to zero');

  const unit = new Money(10).pow(-scale);
  const sign = amount.isNegative() ? -1 : 1;
  const magnitude = amount.abs();
  const exact = weights.map((w) => magnitude.times(w).dividedBy(total));
  const parts = exact.map((x) => x.toDecimalPlaces(scale, Decimal.ROUND_DOWN));
  const allocated = parts.reduce((sum, p) => sum.plus(p), ZERO);
  let unitsLeft = magnitude.minus(allocated).dividedBy(unit).round().toNumber();

  const byRemainder = exact
    .map((x, i) => ({ i, remainder: x.minus(parts[i]!) }))
    .sort((a, b) => b.remainder.comparedTo(a.remainder) || a.i - b.i);
  for (const { i } of byRemainder) {
    if (unitsLeft <= 0) break;
    parts[i] = parts[i]!.plus(unit);
    unitsLeft--;
  }
  return parts.map((p) => p.times(sign));
}

/**
 * Amounts to cents such that they add up to their total as `toFixed(2)` shows it: each is rounded
 * down and the cents left go to the largest remainders, so a reader's own sum of a printed column
 * matches the printed total. Amounts that do not sum to the total are each rounded alone.
 */
export function centsAddingUp(amounts: Money[], total: Money): string[] {
  if (!amounts.reduce((sum, a) => sum.plus(a), ZERO).equals(total)) {
    return amounts.map((a) => a.toFixed(2));
  }
  const cents = amounts.map((a) => a.times(100));
  const floors = cents.map((c) => c.floor());
  const shownTotal = new Money(total.toFixed(2)).times(100);
  let left = shownTotal.minus(floors.reduce((sum, f) => sum.plus(f), ZERO)).toNumber();
  const order = cents
    .map((c, i) => ({ i, remainder: c.minus(floors[i]!) }))
    .sort((a, b) => b.remainder.comparedTo(a.remainder) || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    floors[i] = floors[i]!.plus(1);
    left--;
  }
  return floors.map((f) => f.dividedBy(100).toFixed(2));
}
