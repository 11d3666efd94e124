/**
 * Delay before a backoff-class retry (5xx, network, timeout): exponential with full jitter,
 * `random * min(max, initial * 2^retryIndex)`. Full jitter spreads the retries of many requests
 * that failed together, so a recovering upstream is not hit by them in lockstep.
 */
export interface BackoffPolicy {
  backoff_initial_ms: number;
  backoff_max_ms: number;
}

/**
 * 2^1000 is still a finite double, so `initial * 2^index` is at worst Infinity (which the max
 * clamps) and never NaN — unlike 0 * 2^1024 = 0 * Infinity.
 */
const LARGEST_DOUBLING = 1000;

/** Whole milliseconds in [0, ceiling), where the ceiling is the doubled delay capped at the max. */
export function backoffDelayMs(retryIndex: number, policy: BackoffPolicy, random: number): number {
  const ceiling = backoffCeilingMs(retryIndex, policy);
  return Math.floor(clampToUnitInterval(random) * ceiling);
}

/** A caller's bad random (NaN, 1, -0.2) must not produce a delay outside [0, ceiling). */
function clampToUnitInterval(random: number): number {
  if (random >= 1) return 1 - Number.EPSILON;
  return random > 0 ? random : 0;
}

function backoffCeilingMs(retryIndex: number, policy: BackoffPolicy): number {
  const initial = nonNegative(policy.backoff_initial_ms);
  const max = nonNegative(policy.backoff_max_ms);
  const doublings = retryIndex > 0 ? Math.min(Math.floor(retryIndex), LARGEST_DOUBLING) : 0;
  return Math.min(max, initial * 2 ** doublings);
}

function nonNegative(value: number): number {
  return value > 0 && Number.isFinite(value) ? value : 0;
}
