import { describe, expect, it } from 'vitest';
import { QuotaTracker } from './quota-tracker.js';

const hints = (remainingRequests: number | undefined, remainingTokens: number | undefined, resetMs = 10_000) => ({
  retryAfterMs: undefined,
  remainingRequests,
  remainingTokens,
  limitRequests: 100,
  limitTokens: 10_000,
  resetRequestsMs: resetMs,
  resetTokensMs: resetMs,
});

describe('QuotaTracker', () => {
  it('leaves room while the provider reports requests left beyond those in flight', () => {
    const quota = new QuotaTracker();
    quota.observe(hints(3, undefined), 1_000);
    expect(quota.hasRoomFor(10, 0, 1_001)).toBe(true);
    expect(quota.hasRoomFor(10, 2, 1_001)).toBe(true);
    expect(quota.hasRoomFor(10, 3, 1_001)).toBe(false);
    expect(quota.roomAt(1_001)).toBe(1_001);
  });

  it('has no room at zero requests left until the provider’s reset, then forgets the old count', () => {
    const quota = new QuotaTracker();
    quota.observe(hints(0, undefined, 5_000), 1_000);
    expect(quota.hasRoomFor(10, 0, 2_000)).toBe(false);
    expect(quota.roomAt(2_000)).toBe(6_000);
    expect(quota.requestsLeft(5_999)).toBe(0);
    expect(quota.requestsLeft(6_000)).toBeUndefined();
    expect(quota.hasRoomFor(10, 0, 6_000)).toBe(true);
  });

  it('checks the request’s estimated tokens against the tokens left', () => {
    const quota = new QuotaTracker();
    quota.observe(hints(undefined, 1_500), 0);
    expect(quota.hasRoomFor(1_000, 0, 1)).toBe(true);
    expect(quota.hasRoomFor(1_000, 1, 1)).toBe(false);
    expect(quota.hasRoomFor(2_000, 0, 1)).toBe(false);
  });

  it('counts configured rpm over a sliding minute', () => {
    const quota = new QuotaTracker({ rpm: 3 });
    for (const at of [0, 10_000, 20_000]) {
      expect(quota.hasRoomFor(1, 0, at)).toBe(true);
      quota.recordSent(at, 1);
    }
    expect(quota.hasRoomFor(1, 0, 30_000)).toBe(false);
    expect(quota.utilisation(30_000)).toBe(1);
    // The first request leaves the window after 60 s.
    expect(quota.hasRoomFor(1, 0, 60_500)).toBe(true);
  });

  it('reports utilisation from headers', () => {
    const quota = new QuotaTracker();
    expect(quota.utilisation(0)).toBeUndefined();
    quota.observe(hints(25, 5_000), 0);
    expect(quota.utilisation(1)).toBe(0.75);
  });
});
