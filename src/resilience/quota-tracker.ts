import type { RateLimitHints } from './rate-limit-hints.js';

/** Known limits of a key from config (`keys[].limits`): requests and tokens per minute. */
export interface ConfiguredLimits {
  rpm?: number | undefined;
  tpm?: number | undefined;
}

const WINDOW_SECONDS = 60;

/**
 * What is left of one provider key's quota, from two sources: the provider's own rate-limit
 * headers on every response (remaining requests and tokens, and when each window resets), and the
 * key's configured `limits`, counted here over a sliding 60-second window of 1-second buckets.
 * The attempt loop asks `hasRoomFor` before sending, so a key is left alone before the provider
 * would answer 429. Pure: every method takes `now` (monotonic milliseconds).
 */
export class QuotaTracker {
  remainingRequests: number | undefined = undefined;
  remainingTokens: number | undefined = undefined;
  limitRequests: number | undefined = undefined;
  limitTokens: number | undefined = undefined;
  requestsResetAt = 0;
  tokensResetAt = 0;
  private readonly sentRequests = new Float64Array(WINDOW_SECONDS);
  private readonly sentTokens = new Float64Array(WINDOW_SECONDS);
  private bucketSecond = 0;

  /** The key's configured limits; replaced when a config reload changes them. */
  limits: ConfiguredLimits | undefined;

  constructor(limits: ConfiguredLimits | undefined = undefined) {
    this.limits = limits;
  }

  /** Takes what a response's rate-limit headers said. Fields a response did not carry are kept. */
  observe(hints: RateLimitHints, now: number): void {
    if (hints.remainingRequests !== undefined) {
      this.remainingRequests = hints.remainingRequests;
      this.requestsResetAt = now + (hints.resetRequestsMs ?? WINDOW_SECONDS * 1000);
    }
    if (hints.remainingTokens !== undefined) {
      this.remainingTokens = hints.remainingTokens;
      this.tokensResetAt = now + (hints.resetTokensMs ?? WINDOW_SECONDS * 1000);
    }
    if (hints.limitRequests !== undefined) this.limitRequests = hints.limitRequests;
    if (hints.limitTokens !== undefined) this.limitTokens = hints.limitTokens;
  }

  /** An attempt is being sent with this many (estimated) tokens. */
  recordSent(now: number, tokens: number): void {
    if (this.limits?.rpm === undefined && this.limits?.tpm === undefined) return;
    this.advance(now);
    const bucket = this.bucketSecond % WINDOW_SECONDS;
    this.sentRequests[bucket] = (this.sentRequests[bucket] ?? 0) + 1;
    this.sentTokens[bucket] = (this.sentTokens[bucket] ?? 0) + tokens;
  }

  /** Requests the provider said are left in its current window (undefined once that window has reset). */
  requestsLeft(now: number): number | undefined {
    return now < this.requestsResetAt ? this.remainingRequests : undefined;
  }

  tokensLeft(now: number): number | undefined {
    return now < this.tokensResetAt ? this.remainingTokens : undefined;
  }

  /**
   * Whether one more request of `estimatedTokens` fits, with `inFlight` others already sent and
   * not yet counted by the provider.
   */
  hasRoomFor(estimatedTokens: number, inFlight: number, now: number): boolean {
    const requestsLeft = this.requestsLeft(now);
    if (requestsLeft !== undefined && requestsLeft - inFlight <= 0) return false;
    const tokensLeft = this.tokensLeft(now);
    if (tokensLeft !== undefined && tokensLeft < estimatedTokens * (inFlight + 1)) return false;
    if (this.limits === undefined) return true;
    this.advance(now);
    if (this.limits.rpm !== undefined && sum(this.sentRequests) + 1 > this.limits.rpm) return false;
    return this.limits.tpm === undefined || sum(this.sentTokens) + estimatedTokens <= this.limits.tpm;
  }

  /** When room is expected back, if there is none now: the provider's reset, or the window sliding. */
  roomAt(now: number): number {
    let at = now;
    const requestsLeft = this.requestsLeft(now);
    if (requestsLeft !== undefined && requestsLeft <= 0) at = Math.max(at, this.requestsResetAt);
    const tokensLeft = this.tokensLeft(now);
    if (tokensLeft !== undefined && tokensLeft <= 0) at = Math.max(at, this.tokensResetAt);
    if (this.limits?.rpm !== undefined && sum(this.sentRequests) >= this.limits.rpm) at = Math.max(at, (this.bucketSecond + 1) * 1000);
    return at;
  }

  /** How much of the known quota is used, 0..1 (the larger of requests and tokens); undefined when nothing is known. */
  utilisation(now: number): number | undefined {
    let used: number | undefined;
    const requestsLeft = this.requestsLeft(now);
    if (requestsLeft !== undefined && this.limitRequests !== undefined && this.limitRequests > 0) used = 1 - requestsLeft / this.limitRequests;
    const tokensLeft = this.tokensLeft(now);
    if (tokensLeft !== undefined && this.limitTokens !== undefined && this.limitTokens > 0) used = Math.max(used ?? 0, 1 - tokensLeft / this.limitTokens);
    if (this.limits?.rpm !== undefined) {
      this.advance(now);
      used = Math.max(used ?? 0, sum(this.sentRequests) / this.limits.rpm);
    }
    if (this.limits?.tpm !== undefined) used = Math.max(used ?? 0, sum(this.sentTokens) / this.limits.tpm);
    return used === undefined ? undefined : Math.min(1, Math.max(0, used));
  }

  /** Moves the sliding window to `now`, clearing buckets that fell out of it. */
  private advance(now: number): void {
    const second = Math.floor(now / 1000);
    const elapsed = second - this.bucketSecond;
    if (elapsed <= 0) return;
    const clear = Math.min(elapsed, WINDOW_SECONDS);
    for (let step = 1; step <= clear; step++) {
      const bucket = (this.bucketSecond + step) % WINDOW_SECONDS;
      this.sentRequests[bucket] = 0;
      this.sentTokens[bucket] = 0;
    }
    this.bucketSecond = second;
  }
}

function sum(values: Float64Array): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}
