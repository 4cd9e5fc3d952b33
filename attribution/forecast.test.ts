import { describe, expect, it } from 'vitest';
import { budgetPeriodAt, daysOf } from './budget-calendar.js';
import { forecastSpend, type ForecastInput } from './forecast.js';
import { Money } from './money.js';

// March 2026 starts on a Sunday: 31 days, five weekends and a bit.
const march = daysOf(budgetPeriodAt('Monthly', '2026-03-10T00:00:00Z'));

/** Spend per day from `spendOn(day)` for the first `known` days of March, zero after. */
function marchInput(known: number, spendOn: (weekday: number, index: number) => number) {
  const daily = march.map((d, i) => new Money(i < known ? spendOn(d.weekday, i) : 0));
  const input: ForecastInput = { days: march, daily, throughMs: march[known - 1]!.endMs };
  const actual = march.reduce((sum, d, i) => sum + spendOn(d.weekday, i), 0);
  return { input, actual };
}

const weekdaySeasonal = (weekday: number) => (weekday >= 6 ? 5 : 100);

describe('forecastSpend', () => {
  it('beats a straight line on a weekday-seasonal series by learning a rate per weekday', () => {
    // 18 days seen, ending on a Wednesday: the rest of the month holds two more weekends.
    const { input, actual } = marchInput(18, weekdaySeasonal);
    const forecast = forecastSpend(input);
    const seen = input.daily.reduce((sum, d) => sum.plus(d), new Money(0));
    const straight = seen.times(31).dividedBy(18);

    expect(forecast.method).toBe('weekday-run-rate');
    expect(forecast.reason).toMatch(/lowest mean absolute error .* last 7 days/);
    const errorOf = (x: Money) => x.minus(actual).abs();
    expect(errorOf(forecast.amount).lessThan(errorOf(straight))).toBe(true);
    expect(forecast.amount.toFixed(2)).toBe(new Money(actual).toFixed(2));
  });

  it('follows a least-squares trend when spend grows steadily', () => {
    const { input, actual } = marchInput(14, (_w, i) => 10 + 5 * i);
    const forecast = forecastSpend(input);
    expect(forecast.method).toBe('linear-trend');
    expect(forecast.amount.toFixed(2)).toBe(new Money(actual).toFixed(2));
  });

  it('keeps a straight line, and says why, with too few days to test anything else', () => {
    const { input } = marchInput(6, weekdaySeasonal);
    const forecast = forecastSpend(input);
    expect(forecast.method).toBe('straight-line');
    expect(forecast.reason).toBe('6 complete days of data; a trend or weekday pattern needs 10');
    const seen = input.daily.reduce((sum, d) => sum.plus(d), new Money(0));
    expect(forecast.amount.equals(seen.times(31).dividedBy(6))).toBe(true);
  });

  it('keeps a straight line when spend is flat, since nothing forecasts it better', () => {
    const { input, actual } = marchInput(20, () => 42);
    const forecast = forecastSpend(input);
    expect(forecast.method).toBe('straight-line');
    expect(forecast.amount.toFixed(2)).toBe(new Money(actual).toFixed(2));
  });

  it('reports the spend itself once the period is over', () => {
    const { input, actual } = marchInput(31, weekdaySeasonal);
    expect(forecastSpend(input)).toMatchObject({ method: 'period-complete' });
    expect(forecastSpend(input).amount.toNumber()).toBe(actual);
  });

  it('counts only the rest of the day the data stops in', () => {
    // 14 days and half of the 15th seen, at the same rate every day.
    const daily = march.map((_d, i) => new Money(i < 14 ? 10 : i === 14 ? 5 : 0));
    const throughMs = march[14]!.startMs + 12 * 3_600_000;
    const forecast = forecastSpend({ days: march, daily, throughMs });
    expect(forecast.amount.toFixed(2)).toBe('310.00');
  });
});
