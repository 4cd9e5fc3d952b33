// Budget periods as a CostCenter's own calendar counts them: a month runs from the first to the
// last day of that month in the CostCenter's time zone, whatever its length and whatever daylight
// saving does to it; quarters and years likewise. Zone rules come from the IANA database through
// luxon, never from offsets worked out here.
import { DateTime, IANAZone } from 'luxon';
import type { BudgetPeriod } from './resources.js';

export const DEFAULT_TIME_ZONE = 'UTC';

const PERIOD_MONTHS: Record<BudgetPeriod, number> = { Monthly: 1, Quarterly: 3, Yearly: 12 };

/** One budget period: `start` inclusive, `end` exclusive, both RFC 3339 instants in UTC. */
export interface PeriodWindow {
  start: string;
  end: string;
  timeZone: string;
}

/** One calendar day of a period in its time zone, as the instants it begins and ends at. */
export interface CalendarDay {
  /** `YYYY-MM-DD` in the period's zone. */
  date: string;
  /** 1 (Monday) to 7 (Sunday). */
  weekday: number;
  startMs: number;
  endMs: number;
}

export class BudgetCalendarError extends Error {
  constructor(
    readonly code: 'UNKNOWN_TIME_ZONE',
    message: string,
  ) {
    super(message);
    this.name = 'BudgetCalendarError';
  }
}

export function assertTimeZone(timeZone: string, where: string): void {
  if (!IANAZone.isValidZone(timeZone)) {
    throw new BudgetCalendarError(
      'UNKNOWN_TIME_ZONE',
      `${where}: spec.timeZone '${timeZone}' is not an IANA time zone`,
    );
  }
}

/** The budget period that contains `at`, in `timeZone`. */
export function budgetPeriodAt(
  period: BudgetPeriod,
  at: Date | string | number,
  timeZone = DEFAULT_TIME_ZONE,
): PeriodWindow {
  const instant = typeof at === 'string' ? Date.parse(at) : typeof at === 'number' ? at : +at;
  const local = DateTime.fromMillis(instant, { zone: timeZone });
  const months = PERIOD_MONTHS[period];
  const firstMonth = Math.floor((local.month - 1) / months) * months + 1;
  const start = local.set({ month: firstMonth }).startOf('month');
  const end = start.plus({ months });
  return { start: iso(start), end: iso(end), timeZone };
}

/** The periods that overlap `[fromMs, toMs)`, oldest first; one when the range is empty. */
export function budgetPeriodsBetween(
  period: BudgetPeriod,
  fromMs: number,
  toMs: number,
  timeZone = DEFAULT_TIME_ZONE,
): PeriodWindow[] {
  const periods = [budgetPeriodAt(period, fromMs, timeZone)];
  for (;;) {
    const last = periods[periods.length - 1]!;
    const next = Date.parse(last.end);
    if (next >= toMs) return periods;
    periods.push(budgetPeriodAt(period, next, timeZone));
  }
}

/** The calendar days of a period, in its zone; a day may be 23 or 25 hours around a DST change. */
export function daysOf(window: PeriodWindow): CalendarDay[] {
  const days: CalendarDay[] = [];
  const end = Date.parse(window.end);
  let day = DateTime.fromMillis(Date.parse(window.start), { zone: window.timeZone }).startOf('day');
  while (day.toMillis() < end) {
    const next = day.plus({ days: 1 });
    days.push({
      date: day.toISODate()!,
      weekday: day.weekday,
      startMs: day.toMillis(),
      endMs: next.toMillis(),
    });
    day = next;
  }
  return days;
}

function iso(at: DateTime): string {
  return at.toUTC().toISO({ suppressMilliseconds: false })!;
}
