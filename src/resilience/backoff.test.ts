import { describe, expect, it } from 'vitest';
import { backoffDelayMs, type BackoffPolicy } from './backoff.js';

const POLICY: BackoffPolicy = { backoff_initial_ms: 200, backoff_max_ms: 5_000 };
const JUST_BELOW_ONE = 1 - Number.EPSILON;

describe('backoffDelayMs', () => {
  it.each<[string, number, BackoffPolicy, number, number]>([
    ['first retry, middle of the range', 0, POLICY, 0.5, 100],
    ['second retry doubles', 1, POLICY, 0.5, 200],
    ['third retry doubles again', 2, POLICY, 0.5, 400],
    ['fifth retry', 4, POLICY, 0.5, 1_600],
    ['sixth retry reaches the max', 5, POLICY, 0.5, 2_500],
    ['far past the max', 10, POLICY, 0.999, 4_995],
    ['random 0 retries at once', 3, POLICY, 0, 0],
    ['top of the first range stays below initial', 0, POLICY, 0.99999, 199],
    ['rounded down to whole ms', 0, { backoff_initial_ms: 3, backoff_max_ms: 5_000 }, 0.5, 1],
    ['huge index does not overflow', 1_000_000, POLICY, 0.5, 2_500],
    ['infinite index does not overflow', Number.POSITIVE_INFINITY, POLICY, 0.5, 2_500],
    ['huge index with initial 0 is 0, not NaN', 5_000, { backoff_initial_ms: 0, backoff_max_ms: 5_000 }, 0.5, 0],
    ['max below initial caps the first retry', 0, { backoff_initial_ms: 1_000, backoff_max_ms: 300 }, 0.5, 150],
    ['negative index counts as the first retry', -3, POLICY, 0.5, 100],
    ['NaN index counts as the first retry', Number.NaN, POLICY, 0.5, 100],
    ['fractional index rounds down', 1.7, POLICY, 0.5, 200],
    ['NaN random waits nothing', 2, POLICY, Number.NaN, 0],
    ['negative random waits nothing', 2, POLICY, -0.5, 0],
    ['random 1 stays below the ceiling', 10, POLICY, 1, 4_999],
    ['negative policy values are 0', 3, { backoff_initial_ms: -200, backoff_max_ms: -5 }, 0.5, 0],
  ])('%s', (_description, retryIndex, policy, random, expected) => {
    expect(backoffDelayMs(retryIndex, policy, random)).toBe(expected);
  });

  it('grows by doubling until the max, then stays there', () => {
    const ceilings = [0, 1, 2, 3, 4, 5, 6, 50].map((index) => backoffDelayMs(index, POLICY, JUST_BELOW_ONE));
    expect(ceilings).toEqual([199, 399, 799, 1_599, 3_199, 4_999, 4_999, 4_999]);
  });

  it('is always a whole number in [0, min(max, initial * 2^index))', () => {
    for (let index = 0; index < 40; index++) {
      const ceiling = Math.min(POLICY.backoff_max_ms, POLICY.backoff_initial_ms * 2 ** index);
      for (let step = 0; step < 100; step++) {
        const delay = backoffDelayMs(index, POLICY, step / 100);
        expect(Number.isInteger(delay)).toBe(true);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThan(ceiling);
      }
    }
  });
});
