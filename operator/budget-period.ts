// Budget periods (month, quarter, year) as a CostCenter's time zone counts them, turned into the
// UTC instants attribution windows are expressed in.
import type { BudgetPeriod } from '../attribution/index.js';
import type { AttributionWindow } from './engine.js';

const PERIOD_MONTHS: Record<BudgetPeriod, number> = { Monthly: 1, Quarterly: 3, Yearly: 12 };

/** The budget period that contains `now`, in `timeZone` (an IANA name; UTC when absent). */
export function budgetWindow(period: BudgetPeriod, now: Date, timeZone = 'UTC'): AttributionWindow {
  const local = wallClock(now, timeZone);
  const months = PERIOD_MONTHS[period];
  const startMonth = Math.floor((local.month - 1) / months) * months + 1;
  const start = zonedMidnight(local.year, startMonth, timeZone);
  const endMonth = startMonth + months;
  const end = zonedMidnight(
    local.year + Math.floor((endMonth - 1) / 12),
    ((endMonth - 1) % 12) + 1,
    timeZone,
  );
  return { start: start.toISOString(), end: end.toISOString() };
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallClock(at: Date, timeZone: string): WallClock {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(at);
  const field = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return {
    year: field('year'),
    month: field('month'),
    day: field('day'),
    hour: field('hour'),
    minute: field('minute'),
    second: field('second'),
  };
}

/** The instant the first day of `month` begins in `timeZone`. */
function zonedMidnight(year: number, month: number, timeZone: string): Date {
  const target = Date.UTC(year, month - 1, 1);
  // Guess the instant as if the zone were UTC, then correct by the zone's offset at the guess; a
  // second pass settles offsets that change around the guess (daylight saving).
  let guess = target;
  for (let i = 0; i < 2; i++) {
    const w = wallClock(new Date(guess), timeZone);
    const shown = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
    guess += target - shown;
  }
  return new Date(guess);
}
