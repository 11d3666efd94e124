/**
 * Passive health of one route — a provider key, or a target (provider + model) — as a circuit
 * breaker fed by the outcomes of real attempts. No timers and no clock: every method that needs
 * time takes `now` from the caller's monotonic clock, and everything time-based is computed
 * lazily from the time elapsed since the previous call.
 *
 *   healthy ⇄ degraded ─→ failed ─(cooldown over)→ recovering ─(N successes)→ healthy | degraded
 *                            ↑                          │
 *                            └──(transient failure; cooldown doubles)
 *
 * What counts:
 * - Only `transient` failures (5xx, network, timeout) count against the route: they raise the
 *   error rate and the failure streak. A `client_error`, `context_window` or `content_policy`
 *   failure is the request's fault and records nothing but the end of the attempt.
 * - `rate_limited` rests the route until the provider's reset (`retryAfterMs`), or for
 *   `cooldown_ms` when the response gave none. `key_rejected` rests it for `max_cooldown_ms`:
 *   a revoked or unpaid key rarely heals by itself, but an operator may fix it.
 *
 * Transitions:
 * - healthy ⇄ degraded, without a cooldown: degraded while the streak is ≥ 2 failures or the
 *   error rate is ≥ `degraded_error_rate`. Degraded routes still take traffic; balancers may
 *   weigh them down.
 * - → failed (the circuit trips) at `consecutive_failures` in a row, or at an error rate ≥
 *   `error_rate`. The route then rests for the current cooldown: `cooldown_ms` at first, doubled
 *   by every failed probe up to `max_cooldown_ms`, back to `cooldown_ms` once it recovers.
 * - failed → recovering once `now >= cooldownUntil`, noticed by `available`, `availableAt` or
 *   `begin`. While recovering, at most `probe_concurrency` attempts run at once; a transient
 *   failure sends it back to failed, `recovery_successes` successes in a row close the circuit.
 * - `coolDown` (a 429 with a reset, a rejected key) forces failed until a given time and then
 *   takes the same recovering path, so a key whose quota just reset is eased back in rather than
 *   hit by every queued request at once.
 *
 * Error rate: the failed share of attempts, each weighted by 2^(-age / decay_ms), so an old
 * burst of errors fades as new traffic arrives. The rate criteria (both degraded and trip) apply
 * only once the decayed weight of attempts reaches `min_samples`; below that the streak alone
 * decides, so one unlucky request on a quiet route does not mark it degraded. Latency is a
 * decayed average of successful attempts with the same half-life.
 *
 * State changes only happen in these calls, never in the background: a degraded route with no
 * traffic stays degraded until an attempt on it succeeds.
 */
import type { FailureClass } from './failure-class.js';

export type HealthState = 'healthy' | 'degraded' | 'failed' | 'recovering';

export const ROUTE_STATES: readonly HealthState[] = ['healthy', 'degraded', 'failed', 'recovering'];

export interface CircuitPolicy {
  /** Failures in a row that trip to failed. */
  consecutive_failures: number;
  /** Time-decayed error rate that trips to failed … */
  error_rate: number;
  /** … only once this much decayed traffic has been seen. */
  min_samples: number;
  /** At or above this rate (or ≥ 2 consecutive failures) the route is degraded. */
  degraded_error_rate: number;
  /** Half-life of the error-rate and latency averages. */
  decay_ms: number;
  /** half-life of the latency average: shorter, so a route that turns slow is noticed within seconds (default 3000) */
  latency_decay_ms: number;
  /** First cooldown after tripping … */
  cooldown_ms: number;
  /** … doubled on each failed probe, up to this. */
  max_cooldown_ms: number;
  /** Attempts allowed at once while recovering (at least 1 is always allowed). */
  probe_concurrency: number;
  /** Successes in a row while recovering that close the circuit. */
  recovery_successes: number;
}

export const DEFAULT_CIRCUIT_POLICY: CircuitPolicy = Object.freeze({
  consecutive_failures: 5,
  error_rate: 0.5,
  min_samples: 10,
  degraded_error_rate: 0.1,
  decay_ms: 30_000,
  latency_decay_ms: 3_000,
  cooldown_ms: 5_000,
  max_cooldown_ms: 300_000,
  probe_concurrency: 1,
  recovery_successes: 3,
});

const DEGRADED_CONSECUTIVE_FAILURES = 2;

export type TransitionListener = (from: HealthState, to: HealthState, reason: string) => void;

export class RouteHealth {
  /** Called on every state change, to log transitions and count metrics. */
  onTransition: TransitionListener | undefined = undefined;

  private currentState: HealthState = 'healthy';
  private currentReason = 'healthy';
  private cooldownEndsAt = 0;
  private attemptsInFlight = 0;
  private failureStreak = 0;
  private transitionedAt = 0;
  private transitionReason = 'healthy';
  private lastFailureDetail = '';

  private readonly policy: CircuitPolicy;
  private readonly probeLimit: number;
  private currentCooldownMs: number;
  private probeSuccesses = 0;

  // Decayed sums; `decayedAt` is when they were last brought up to date (undefined: never).
  private decayedAt: number | undefined = undefined;
  private attemptWeight = 0;
  private failureWeight = 0;
  private latencyWeight = 0;
  private latencyWeightedSum = 0;
  private averageLatencyMs: number | undefined = undefined;

  // Built once per policy so the success path allocates no strings.
  private readonly rateDegradedReason: string;
  private readonly recoveredReason: string;
  private readonly probingReason: string;

  constructor(policy: CircuitPolicy = DEFAULT_CIRCUIT_POLICY) {
    this.policy = policy;
    this.probeLimit = Math.max(1, policy.probe_concurrency);
    this.currentCooldownMs = policy.cooldown_ms;
    this.rateDegradedReason = `error rate at or above ${percent(policy.degraded_error_rate)}`;
    this.recoveredReason = `recovered after ${policy.recovery_successes} successful probes`;
    this.probingReason = `cooldown over; probing with at most ${this.probeLimit} request(s) at a time`;
  }

  get state(): HealthState {
    return this.currentState;
  }

  /** A sentence saying why the route is in its state. */
  get reason(): string {
    return this.currentReason;
  }

  /** When a failed route may be probed again, on the caller's clock; 0 when not cooling down. */
  get cooldownUntil(): number {
    return this.cooldownEndsAt;
  }

  get inFlight(): number {
    return this.attemptsInFlight;
  }

  get consecutiveFailures(): number {
    return this.failureStreak;
  }

  /** Decayed average latency of successful attempts; undefined before the first one. */
  get latencyMs(): number | undefined {
    return this.averageLatencyMs;
  }

  get lastTransitionAt(): number {
    return this.transitionedAt;
  }

  get lastTransitionReason(): string {
    return this.transitionReason;
  }

  /** Decayed share of attempts that failed transiently, in [0, 1]; 0 before any attempt. */
  errorRate(now: number): number {
    this.decayTo(now);
    return this.attemptWeight > 0 ? this.failureWeight / this.attemptWeight : 0;
  }

  /** May a request be sent now? */
  available(now: number): boolean {
    this.enterRecoveringIfCooled(now);
    switch (this.currentState) {
      case 'healthy':
      case 'degraded':
        return true;
      case 'failed':
        return false;
      case 'recovering':
        return this.attemptsInFlight < this.probeLimit;
    }
  }

  /**
   * Earliest time the route may become available: `now` if it is, `cooldownUntil` while failed,
   * and Infinity while recovering with every probe slot taken — it opens when a probe finishes,
   * an event rather than a time.
   */
  availableAt(now: number): number {
    this.enterRecoveringIfCooled(now);
    if (this.currentState === 'failed') return this.cooldownEndsAt;
    if (this.currentState === 'recovering' && this.attemptsInFlight >= this.probeLimit) return Number.POSITIVE_INFINITY;
    return now;
  }

  begin(now: number): void {
    this.enterRecoveringIfCooled(now);
    this.attemptsInFlight++;
  }

  succeed(now: number, latencyMs: number): void {
    this.endAttempt();
    this.decayTo(now);
    this.attemptWeight += 1;
    this.recordLatency(latencyMs);
    this.failureStreak = 0;
    switch (this.currentState) {
      case 'recovering':
        this.countProbeSuccess(now);
        return;
      case 'healthy':
      case 'degraded':
        this.settleHealthyOrDegraded(now);
        return;
      case 'failed':
        // An attempt that began before the trip; the cooldown stands.
        return;
    }
  }

  fail(now: number, failureClass: FailureClass, detail: string, retryAfterMs?: number): void {
    this.endAttempt();
    switch (failureClass) {
      case 'transient':
        this.recordTransientFailure(now, detail);
        return;
      case 'rate_limited':
        this.coolDownForRateLimit(now, retryAfterMs);
        return;
      case 'key_rejected':
        this.coolDown(now, now + this.policy.max_cooldown_ms, `key rejected by the provider (${detail})`);
        return;
      case 'client_error':
      case 'context_window':
      case 'content_policy':
        // The request's fault, not the route's: neither a success nor a failure.
        return;
    }
  }

  /** The attempt ended without an outcome (the client went away). */
  cancel(): void {
    this.endAttempt();
  }

  /**
   * Stop sending here until `until`: state failed with `reason`. No effect if the route already
   * rests at least that long, or if `until` is not in the future (a `retry-after: 0`).
   */
  coolDown(now: number, until: number, reason: string): void {
    if (!(until > now)) return;
    if (this.currentState === 'failed' && this.cooldownEndsAt >= until) return;
    this.cooldownEndsAt = until;
    this.probeSuccesses = 0;
    this.transition(now, 'failed', reason);
  }

  private coolDownForRateLimit(now: number, retryAfterMs: number | undefined): void {
    if (retryAfterMs !== undefined && retryAfterMs >= 0) {
      this.coolDown(now, now + retryAfterMs, 'rate limited by the provider until its reset');
      return;
    }
    const restMs = this.policy.cooldown_ms;
    this.coolDown(now, now + restMs, `rate limited by the provider, which gave no reset time; resting ${restMs} ms`);
  }

  private recordTransientFailure(now: number, detail: string): void {
    this.decayTo(now);
    this.attemptWeight += 1;
    this.failureWeight += 1;
    this.failureStreak++;
    this.lastFailureDetail = detail;
    switch (this.currentState) {
      case 'recovering':
        this.currentCooldownMs = doubledCooldown(this.currentCooldownMs, this.policy.max_cooldown_ms);
        this.trip(now, `probe failed while recovering (last: ${detail})`);
        return;
      case 'healthy':
      case 'degraded':
        this.tripOrDegrade(now, detail);
        return;
      case 'failed':
        // An attempt that began before the trip; it is counted, the cooldown stands.
        return;
    }
  }

  private tripOrDegrade(now: number, detail: string): void {
    if (this.failureStreak >= this.policy.consecutive_failures) {
      this.trip(now, `${this.failureStreak} consecutive failures (last: ${detail})`);
    } else if (this.rateAtLeast(this.policy.error_rate)) {
      this.trip(now, `error rate at or above ${percent(this.policy.error_rate)} (last: ${detail})`);
    } else {
      this.settleHealthyOrDegraded(now);
    }
  }

  private trip(now: number, reason: string): void {
    this.cooldownEndsAt = now + this.currentCooldownMs;
    this.probeSuccesses = 0;
    this.transition(now, 'failed', reason);
  }

  private enterRecoveringIfCooled(now: number): void {
    if (this.currentState !== 'failed' || now < this.cooldownEndsAt) return;
    this.cooldownEndsAt = 0;
    this.probeSuccesses = 0;
    this.transition(now, 'recovering', this.probingReason);
  }

  private countProbeSuccess(now: number): void {
    this.probeSuccesses++;
    if (this.probeSuccesses < this.policy.recovery_successes) return;
    this.probeSuccesses = 0;
    this.currentCooldownMs = this.policy.cooldown_ms;
    if (this.rateAtLeast(this.policy.degraded_error_rate)) this.transition(now, 'degraded', this.rateDegradedReason);
    else this.transition(now, 'healthy', this.recoveredReason);
  }

  /** Healthy or degraded, by the streak and the error rate; only called in those two states. */
  private settleHealthyOrDegraded(now: number): void {
    if (this.failureStreak >= DEGRADED_CONSECUTIVE_FAILURES) {
      this.transition(now, 'degraded', `${this.failureStreak} consecutive failures (last: ${this.lastFailureDetail})`);
    } else if (this.rateAtLeast(this.policy.degraded_error_rate)) {
      this.transition(now, 'degraded', this.rateDegradedReason);
    } else if (this.currentState !== 'healthy') {
      this.transition(now, 'healthy', 'healthy');
    }
  }

  /** The rate criteria need `min_samples` of decayed traffic; call after `decayTo`. */
  private rateAtLeast(threshold: number): boolean {
    if (this.attemptWeight < this.policy.min_samples || this.attemptWeight <= 0) return false;
    return this.failureWeight / this.attemptWeight >= threshold;
  }

  private recordLatency(latencyMs: number): void {
    if (!(latencyMs >= 0) || !Number.isFinite(latencyMs)) return;
    this.latencyWeight += 1;
    this.latencyWeightedSum += latencyMs;
    this.averageLatencyMs = this.latencyWeightedSum / this.latencyWeight;
  }

  private decayTo(now: number): void {
    if (this.decayedAt === undefined) {
      this.decayedAt = now;
      return;
    }
    const elapsed = now - this.decayedAt;
    // Not after the last update (or a clock that stepped back): nothing has aged.
    if (!(elapsed > 0)) return;
    const keep = this.policy.decay_ms > 0 ? 2 ** (-elapsed / this.policy.decay_ms) : 0;
    const keepLatency = this.policy.latency_decay_ms > 0 ? 2 ** (-elapsed / this.policy.latency_decay_ms) : 0;
    this.attemptWeight *= keep;
    this.failureWeight *= keep;
    this.latencyWeight *= keepLatency;
    this.latencyWeightedSum *= keepLatency;
    this.decayedAt = now;
  }

  private endAttempt(): void {
    if (this.attemptsInFlight > 0) this.attemptsInFlight--;
  }

  private transition(now: number, to: HealthState, reason: string): void {
    const from = this.currentState;
    this.currentState = to;
    this.currentReason = reason;
    if (from === to) return;
    this.transitionedAt = now;
    this.transitionReason = reason;
    this.onTransition?.(from, to, reason);
  }
}

function doubledCooldown(currentMs: number, maxMs: number): number {
  return Math.max(currentMs, Math.min(maxMs, currentMs * 2));
}

function percent(rate: number): string {
  return `${Math.round(rate * 100)}%`;
}
