import type { RateLimit } from './schema.js';

export const RATE_LIMIT_WINDOW_MS = 60_000;

/** A log of (time, amount) entries covering the last minute. */
export class SlidingWindow {
  private readonly times: number[] = [];
  private readonly amounts: number[] = [];
  private head = 0;
  private total = 0;

  used(now: number): number {
    this.prune(now);
    return this.total;
  }

  add(now: number, amount: number): void {
    this.times.push(now);
    this.amounts.push(amount);
    this.total += amount;
  }

  /** Milliseconds until `amount` more fits under `limit` (the full window if it never will). */
  waitFor(now: number, limit: number, amount: number): number {
    this.prune(now);
    if (amount > limit) return RATE_LIMIT_WINDOW_MS;
    let remainingTotal = this.total;
    if (remainingTotal + amount <= limit) return 0;
    for (let index = this.head; index < this.times.length; index++) {
      remainingTotal -= this.amounts[index] ?? 0;
      if (remainingTotal + amount <= limit) return (this.times[index] ?? now) + RATE_LIMIT_WINDOW_MS - now;
    }
    return 0;
  }

  /** Milliseconds until every counted entry has left the window. */
  fullResetIn(now: number): number {
    this.prune(now);
    const newest = this.times[this.times.length - 1];
    return newest === undefined || this.head >= this.times.length ? 0 : newest + RATE_LIMIT_WINDOW_MS - now;
  }

  private prune(now: number): void {
    const cutoff = now - RATE_LIMIT_WINDOW_MS;
    while (this.head < this.times.length && (this.times[this.head] ?? now) <= cutoff) {
      this.total -= this.amounts[this.head] ?? 0;
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.times.length) this.compact();
  }

  private compact(): void {
    this.times.splice(0, this.head);
    this.amounts.splice(0, this.head);
    this.head = 0;
  }
}

export interface LimitSnapshot {
  limit: number;
  remaining: number;
  /** Milliseconds until the counter is back at its full limit. */
  resetMs: number;
}

export interface RateLimitSnapshot {
  requests: LimitSnapshot | undefined;
  tokens: LimitSnapshot | undefined;
}

export interface Admission {
  allowed: boolean;
  /** Set when refused: which limit was hit and how long until the request would fit. */
  limitedBy: 'requests' | 'tokens' | undefined;
  retryAfterMs: number;
  snapshot: RateLimitSnapshot;
}

/** The request and token counters of one key. */
export class KeyRateLimiter {
  private readonly requests = new SlidingWindow();
  private readonly tokens = new SlidingWindow();

  admit(limits: RateLimit, tokenCost: number, now: number): Admission {
    const requestLimit = limits.requests_per_minute;
    const tokenLimit = limits.tokens_per_minute;
    const requestWait = requestLimit === undefined ? 0 : this.requests.waitFor(now, requestLimit, 1);
    const tokenWait = tokenLimit === undefined ? 0 : this.tokens.waitFor(now, tokenLimit, tokenCost);
    const allowed = requestWait === 0 && tokenWait === 0;
    if (allowed) {
      this.requests.add(now, 1);
      this.tokens.add(now, tokenCost);
    }
    const limitedBy = requestWait > 0 ? 'requests' : tokenWait > 0 ? 'tokens' : undefined;
    return { allowed, limitedBy, retryAfterMs: Math.max(requestWait, tokenWait), snapshot: this.snapshot(limits, now) };
  }

  private snapshot(limits: RateLimit, now: number): RateLimitSnapshot {
    return {
      requests: describeWindow(this.requests, limits.requests_per_minute, now),
      tokens: describeWindow(this.tokens, limits.tokens_per_minute, now),
    };
  }
}

function describeWindow(window: SlidingWindow, limit: number | undefined, now: number): LimitSnapshot | undefined {
  if (limit === undefined) return undefined;
  return { limit, remaining: Math.max(0, limit - window.used(now)), resetMs: window.fullResetIn(now) };
}

/** A duration the way Go prints it, as OpenAI's `x-ratelimit-reset-*` headers do: `120ms`, `1.5s`, `6m0s`. */
export function formatGoDuration(milliseconds: number): string {
  const ms = Math.ceil(milliseconds);
  if (ms <= 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const secondsMs = ms % 60_000;
  const seconds = secondsMs % 1000 === 0 ? String(secondsMs / 1000) : (secondsMs / 1000).toFixed(3).replace(/0+$/, '');
  if (hours > 0) return `${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${minutes}m${seconds}s`;
  return `${seconds}s`;
}

/** An RFC 3339 time, rounded up to the second, as Anthropic's `anthropic-ratelimit-*-reset` headers carry. */
export function formatResetTime(now: number, resetMs: number): string {
  const seconds = Math.ceil((now + resetMs) / 1000);
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

export function openAiRateLimitHeaders(snapshot: RateLimitSnapshot, headers: Record<string, string>): void {
  for (const [name, limit] of [['requests', snapshot.requests], ['tokens', snapshot.tokens]] as const) {
    if (limit === undefined) continue;
    headers[`x-ratelimit-limit-${name}`] = String(limit.limit);
    headers[`x-ratelimit-remaining-${name}`] = String(limit.remaining);
    headers[`x-ratelimit-reset-${name}`] = formatGoDuration(limit.resetMs);
  }
}

export function anthropicRateLimitHeaders(snapshot: RateLimitSnapshot, now: number, headers: Record<string, string>): void {
  for (const [name, limit] of [['requests', snapshot.requests], ['tokens', snapshot.tokens]] as const) {
    if (limit === undefined) continue;
    headers[`anthropic-ratelimit-${name}-limit`] = String(limit.limit);
    headers[`anthropic-ratelimit-${name}-remaining`] = String(limit.remaining);
    headers[`anthropic-ratelimit-${name}-reset`] = formatResetTime(now, limit.resetMs);
  }
}
