import { describe, expect, it } from 'vitest';
import { describePeriod, periodSpan } from './budget-period.js';

const at = (iso: string) => Date.parse(iso);

describe('periodSpan', () => {
  it.each([
    ['1m', '2026-11-22T10:15:42.123Z', '2026-11-22T10:15:00Z', '2026-11-22T10:16:00Z'],
    ['1h', '2026-11-22T10:15:42Z', '2026-11-22T10:00:00Z', '2026-11-22T11:00:00Z'],
    ['1d', '2026-11-22T23:59:59.999Z', '2026-11-22T00:00:00Z', '2026-11-23T00:00:00Z'],
    // 2026-11-22 is a Sunday: its ISO week began on Monday the 16th.
    ['1w', '2026-11-22T12:00:00Z', '2026-11-16T00:00:00Z', '2026-11-23T00:00:00Z'],
    ['1w', '2026-11-23T00:00:00Z', '2026-11-23T00:00:00Z', '2026-11-30T00:00:00Z'],
    ['1M', '2026-12-31T23:00:00Z', '2026-12-01T00:00:00Z', '2027-01-01T00:00:00Z'],
    ['1M', '2028-02-10T00:00:00Z', '2028-02-01T00:00:00Z', '2028-03-01T00:00:00Z'],
  ] as const)('%s period containing %s runs %s → %s', (period, now, start, end) => {
    expect(periodSpan(period, at(now))).toEqual({ start: at(start), end: at(end) });
  });

  it('a boundary instant belongs to the period it starts', () => {
    expect(periodSpan('1h', at('2026-11-22T11:00:00Z')).start).toBe(at('2026-11-22T11:00:00Z'));
  });

  it('a lifetime budget never resets', () => {
    expect(periodSpan(null, Date.now())).toEqual({ start: 0, end: Number.POSITIVE_INFINITY });
    expect(describePeriod(null, periodSpan(null, 0))).toContain('lifetime');
  });

  it('describes when a period resets', () => {
    expect(describePeriod('1d', periodSpan('1d', at('2026-11-22T10:00:00Z')))).toBe('the current 1d period (resets 2026-11-23T00:00:00Z)');
  });
});
