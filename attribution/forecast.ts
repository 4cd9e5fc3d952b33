// Where a budget period's spend will end. A straight line through the spend so far is the floor;
// a least-squares trend over the days seen, or a run rate per weekday, replaces it when enough
// days are known to test them, and only when they forecast the last few known days better than
// the straight line did. The choice and its reason are reported beside the figure.
import type { CalendarDay } from './budget-calendar.js';
import { Money, ZERO } from './money.js';

export type ForecastMethod =
  'period-complete' | 'straight-line' | 'linear-trend' | 'weekday-run-rate';

export interface Forecast {
  amount: Money;
  method: ForecastMethod;
  reason: string;
}

export interface ForecastInput {
  /** Every calendar day of the period, in order. */
  days: CalendarDay[];
  /** Spend per day, aligned with `days`; days past the data count zero. */
  daily: Money[];
  /** The data covers the period up to this instant. */
  throughMs: number;
}

/** Days a candidate learns from before it is first tested: one of each weekday. */
export const LEARNING_DAYS = 7;
/** Known days each candidate must forecast before it can be chosen over a straight line. */
export const MIN_TEST_DAYS = 3;
/** The most recent days the candidates are tested on. */
export const MAX_TEST_DAYS = 7;

/** Spend on the day at `index` of the period, from the days before the ones being forecast. */
type Predictor = (history: Money[], index: number) => Money;

const CANDIDATES: { method: ForecastMethod; predict: Predictor }[] = [
  { method: 'straight-line', predict: (history) => mean(history) },
  { method: 'linear-trend', predict: trendAt },
  { method: 'weekday-run-rate', predict: weekdayRate },
];

export function forecastSpend(input: ForecastInput): Forecast {
  const { days, daily, throughMs } = input;
  const spend = daily.reduce((sum, d) => sum.plus(d), ZERO);
  const startMs = days[0]?.startMs ?? throughMs;
  const endMs = days[days.length - 1]?.endMs ?? throughMs;
  if (throughMs >= endMs) {
    return { amount: spend, method: 'period-complete', reason: 'the period is over' };
  }
  if (throughMs <= startMs) {
    return { amount: spend, method: 'straight-line', reason: 'no data in the period yet' };
  }

  const complete = days.filter((d) => d.endMs <= throughMs).length;
  const straight = spend.times(endMs - startMs).dividedBy(throughMs - startMs);
  const testDays = Math.min(MAX_TEST_DAYS, complete - LEARNING_DAYS);
  if (testDays < MIN_TEST_DAYS) {
    const needed = LEARNING_DAYS + MIN_TEST_DAYS;
    return {
      amount: straight,
      method: 'straight-line',
      reason: `${complete} complete days of data; a trend or weekday pattern needs ${needed}`,
    };
  }

  // Each candidate forecasts each of the last known days from the days before it.
  const history = daily.slice(0, complete);
  const errors = CANDIDATES.map(({ method, predict }) => {
    let error = ZERO;
    for (let k = complete - testDays; k < complete; k++) {
      error = error.plus(predict(history.slice(0, k), k).minus(history[k]!).abs());
    }
    return { method, predict, error: error.dividedBy(testDays) };
  });
  const best = errors.reduce((a, b) => (b.error.lessThan(a.error) ? b : a));
  const scores = errors.map((e) => `${e.method} ${e.error.toFixed(2)}`).join(', ');
  const reason =
    `lowest mean absolute error forecasting each of the last ${testDays} days ` +
    `from the days before it (${scores})`;
  if (best.method === 'straight-line') return { amount: straight, method: best.method, reason };

  // The rest of the day the data stops in, then each day after it.
  let amount = spend;
  for (let k = complete; k < days.length; k++) {
    const day = days[k]!;
    const predicted = best.predict(history, k);
    const left =
      k === complete ? new Money(day.endMs - throughMs).dividedBy(day.endMs - day.startMs) : 1;
    amount = amount.plus(predicted.times(left));
  }
  return { amount, method: best.method, reason };
}

function mean(values: Money[]): Money {
  if (values.length === 0) return ZERO;
  return values.reduce((sum, v) => sum.plus(v), ZERO).dividedBy(values.length);
}

/** The least-squares line through (day index, spend), read at `index`; never below zero. */
function trendAt(history: Money[], index: number): Money {
  const n = history.length;
  if (n < 2) return mean(history);
  const xMean = new Money(n - 1).dividedBy(2);
  const yMean = mean(history);
  let covariance = ZERO;
  let variance = ZERO;
  history.forEach((y, x) => {
    const dx = new Money(x).minus(xMean);
    covariance = covariance.plus(dx.times(y.minus(yMean)));
    variance = variance.plus(dx.times(dx));
  });
  const slope = covariance.dividedBy(variance);
  const value = yMean.plus(slope.times(new Money(index).minus(xMean)));
  return value.isNegative() ? ZERO : value;
}

/** The mean spend of the same weekday in the history; the overall mean where it has none. */
function weekdayRate(history: Money[], index: number): Money {
  const same: Money[] = [];
  // Calendar days follow each other without gaps, so days seven apart share a weekday.
  for (let k = index % 7; k < history.length; k += 7) same.push(history[k]!);
  return same.length > 0 ? mean(same) : mean(history);
}
