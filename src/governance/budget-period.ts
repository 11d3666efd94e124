import type { BudgetPeriod } from '../store/store.js';

/** The span of time a budget's spend counts toward. A lifetime budget's span never ends. */
export interface PeriodSpan {
  start: number;
  end: number;
}

const LIFETIME: PeriodSpan = Object.freeze({ start: 0, end: Number.POSITIVE_INFINITY });
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * The calendar period (UTC) that contains `now`: the minute, hour or day; the ISO week, which
 * starts on Monday; or the month. Budgets reset at these boundaries, on every node alike.
 */
export function periodSpan(period: BudgetPeriod | null, now: number): PeriodSpan {
  switch (period) {
    case null:
      return LIFETIME;
    case '1m':
      return fixedSpan(now, MINUTE);
    case '1h':
      return fixedSpan(now, HOUR);
    case '1d':
      return fixedSpan(now, DAY);
    case '1w': {
      const dayStart = now - (now % DAY);
      const daysSinceMonday = (new Date(dayStart).getUTCDay() + 6) % 7;
      const start = dayStart - daysSinceMonday * DAY;
      return { start, end: start + 7 * DAY };
    }
    case '1M': {
      const date = new Date(now);
      const start = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
      return { start, end: Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1) };
    }
  }
}

function fixedSpan(now: number, length: number): PeriodSpan {
  const start = now - (now % length);
  return { start, end: start + length };
}

/** "this 1d period (resets 2026-11-23T00:00:00Z)" or "its lifetime", for error messages. */
export function describePeriod(period: BudgetPeriod | null, span: PeriodSpan): string {
  if (period === null) return 'its lifetime (no reset period)';
  return `the current ${period} period (resets ${new Date(span.end).toISOString().replace('.000Z', 'Z')})`;
}
