import { describe, expect, it } from 'vitest';
import type { FailureClass } from './failure-class.js';
import { DEFAULT_CIRCUIT_POLICY, RouteHealth, type CircuitPolicy, type HealthState } from './route-health.js';

/**
 * A scenario is a list of steps on a fake clock (`at`, in ms). Outcome events (`ok` and the
 * failure classes) are whole attempts: begin, then succeed or fail, at the same instant.
 * `begin`, `succeed`, `end-transient` and `cancel` drive one half of an attempt.
 */
type EventName =
  | 'ok'
  | FailureClass
  | 'begin'
  | 'succeed'
  | 'end-transient'
  | 'cancel'
  | 'coolDown'
  | 'check';

interface Expectation {
  available?: boolean;
  availableAt?: number;
  state?: HealthState;
  reason?: string;
  cooldownUntil?: number;
  inFlight?: number;
  consecutiveFailures?: number;
  errorRate?: number;
  latencyMs?: number | undefined;
}

interface Step {
  at: number;
  event: EventName;
  /** Repeat the event this many times at the same instant. */
  times?: number;
  detail?: string;
  retryAfterMs?: number;
  latencyMs?: number;
  until?: number;
  reason?: string;
  /** Checked after the step. `available`/`availableAt` are asked first, as a caller would. */
  expect?: Expectation;
}

function policyWith(overrides: Partial<CircuitPolicy>): CircuitPolicy {
  return { ...DEFAULT_CIRCUIT_POLICY, ...overrides };
}

function apply(health: RouteHealth, step: Step): void {
  const detail = step.detail ?? '503';
  switch (step.event) {
    case 'ok':
      health.begin(step.at);
      health.succeed(step.at, step.latencyMs ?? 100);
      return;
    case 'transient':
    case 'rate_limited':
    case 'key_rejected':
    case 'client_error':
    case 'context_window':
    case 'content_policy':
      health.begin(step.at);
      health.fail(step.at, step.event, detail, step.retryAfterMs);
      return;
    case 'begin':
      health.begin(step.at);
      return;
    case 'succeed':
      health.succeed(step.at, step.latencyMs ?? 100);
      return;
    case 'end-transient':
      health.fail(step.at, 'transient', detail);
      return;
    case 'cancel':
      health.cancel();
      return;
    case 'coolDown':
      health.coolDown(step.at, step.until ?? 0, step.reason ?? 'cooling');
      return;
    case 'check':
      return;
  }
}

function observe(health: RouteHealth, at: number, expected: Expectation): Expectation {
  const observed: Expectation = {};
  if ('available' in expected) observed.available = health.available(at);
  if ('availableAt' in expected) observed.availableAt = health.availableAt(at);
  if ('state' in expected) observed.state = health.state;
  if ('reason' in expected) observed.reason = health.reason;
  if ('cooldownUntil' in expected) observed.cooldownUntil = health.cooldownUntil;
  if ('inFlight' in expected) observed.inFlight = health.inFlight;
  if ('consecutiveFailures' in expected) observed.consecutiveFailures = health.consecutiveFailures;
  if ('errorRate' in expected) observed.errorRate = health.errorRate(at);
  if ('latencyMs' in expected) observed.latencyMs = health.latencyMs;
  return observed;
}

function run(health: RouteHealth, steps: readonly Step[]): RouteHealth {
  steps.forEach((step, index) => {
    for (let repeat = 0; repeat < (step.times ?? 1); repeat++) apply(health, step);
    if (step.expect) {
      expect(observe(health, step.at, step.expect), `step ${index}: ${step.event} at ${step.at}`).toEqual(step.expect);
    }
  });
  return health;
}

/** Five transient failures at `at` trip a default-policy route. */
function tripAt(at: number): Step {
  return { at, event: 'transient', times: 5 };
}

const PROBING = 'cooldown over; probing with at most 1 request(s) at a time';
const RECOVERED = 'recovered after 3 successful probes';

interface Scenario {
  name: string;
  policy?: CircuitPolicy;
  steps: Step[];
}

const scenarios: Scenario[] = [
  {
    name: 'starts healthy and available',
    steps: [
      {
        at: 0,
        event: 'check',
        expect: { available: true, availableAt: 0, state: 'healthy', reason: 'healthy', cooldownUntil: 0, inFlight: 0, consecutiveFailures: 0, errorRate: 0, latencyMs: undefined },
      },
    ],
  },
  {
    name: 'trips after 5 consecutive transient failures, degraded from the 2nd',
    steps: [
      { at: 0, event: 'transient', expect: { state: 'healthy', consecutiveFailures: 1 } },
      { at: 1, event: 'transient', expect: { state: 'degraded', reason: '2 consecutive failures (last: 503)', available: true } },
      { at: 2, event: 'transient', detail: '502', expect: { state: 'degraded', reason: '3 consecutive failures (last: 502)' } },
      { at: 3, event: 'transient', expect: { state: 'degraded', consecutiveFailures: 4 } },
      {
        at: 4,
        event: 'transient',
        detail: 'connect ECONNREFUSED',
        expect: { state: 'failed', reason: '5 consecutive failures (last: connect ECONNREFUSED)', cooldownUntil: 5_004, available: false, availableAt: 5_004 },
      },
    ],
  },
  {
    name: 'a success ends the streak and the degraded state',
    steps: [
      { at: 0, event: 'transient', times: 4, expect: { state: 'degraded', consecutiveFailures: 4 } },
      { at: 1, event: 'ok', expect: { state: 'healthy', reason: 'healthy', consecutiveFailures: 0 } },
      { at: 2, event: 'transient', times: 4, expect: { state: 'degraded', consecutiveFailures: 4 } },
    ],
  },
  {
    name: 'trips by error rate only once min_samples of traffic is seen',
    policy: policyWith({ consecutive_failures: 100 }),
    steps: [
      // 9 attempts, 5 failed: 56 % is over error_rate, but 9 < min_samples.
      { at: 0, event: 'transient' },
      { at: 0, event: 'ok' },
      { at: 0, event: 'transient' },
      { at: 0, event: 'ok' },
      { at: 0, event: 'transient' },
      { at: 0, event: 'ok' },
      { at: 0, event: 'transient' },
      { at: 0, event: 'ok' },
      { at: 0, event: 'transient', expect: { state: 'healthy', errorRate: 5 / 9 } },
      // 10 attempts at 50 %: the rate criteria now apply; a success cannot trip, only degrade.
      { at: 0, event: 'ok', expect: { state: 'degraded', reason: 'error rate at or above 10%', errorRate: 0.5 } },
      { at: 0, event: 'transient', detail: '500', expect: { state: 'failed', reason: 'error rate at or above 50% (last: 500)', cooldownUntil: 5_000 } },
    ],
  },
  {
    name: 'below error_rate with enough samples: degraded, not failed',
    policy: policyWith({ consecutive_failures: 100 }),
    steps: [
      { at: 0, event: 'ok', times: 8 },
      { at: 0, event: 'transient', times: 2, expect: { state: 'degraded', reason: '2 consecutive failures (last: 503)', errorRate: 0.2 } },
      { at: 0, event: 'ok', expect: { state: 'degraded', reason: 'error rate at or above 10%', errorRate: 2 / 11 } },
    ],
  },
  {
    name: 'a 429 with retry-after cools exactly until then, without counting as an error',
    steps: [
      {
        at: 1_000,
        event: 'rate_limited',
        retryAfterMs: 7_000,
        expect: { state: 'failed', reason: 'rate limited by the provider until its reset', cooldownUntil: 8_000, errorRate: 0, consecutiveFailures: 0, inFlight: 0 },
      },
      { at: 7_999, event: 'check', expect: { available: false, availableAt: 8_000, state: 'failed' } },
      { at: 8_000, event: 'check', expect: { available: true, state: 'recovering', reason: PROBING, cooldownUntil: 0 } },
    ],
  },
  {
    name: 'a 429 without a reset rests for cooldown_ms',
    steps: [
      {
        at: 100,
        event: 'rate_limited',
        expect: { state: 'failed', reason: 'rate limited by the provider, which gave no reset time; resting 5000 ms', cooldownUntil: 5_100 },
      },
    ],
  },
  {
    name: 'a 429 with retry-after 0 changes nothing',
    steps: [{ at: 100, event: 'rate_limited', retryAfterMs: 0, expect: { state: 'healthy', cooldownUntil: 0, available: true } }],
  },
  {
    name: 'coolDown never shortens a longer rest, and extends a shorter one',
    steps: [
      { at: 0, event: 'rate_limited', retryAfterMs: 10_000, expect: { cooldownUntil: 10_000 } },
      { at: 1, event: 'coolDown', until: 5_000, reason: 'shorter', expect: { cooldownUntil: 10_000, reason: 'rate limited by the provider until its reset' } },
      { at: 2, event: 'coolDown', until: 20_000, reason: 'longer', expect: { state: 'failed', cooldownUntil: 20_000, reason: 'longer' } },
      { at: 3, event: 'coolDown', until: 3, reason: 'not in the future', expect: { cooldownUntil: 20_000, reason: 'longer' } },
    ],
  },
  {
    name: 'coolDown extends a tripped circuit',
    steps: [
      { ...tripAt(0), expect: { cooldownUntil: 5_000 } },
      { at: 10, event: 'coolDown', until: 60_000, reason: 'quota reset at 60 s', expect: { state: 'failed', cooldownUntil: 60_000, reason: 'quota reset at 60 s' } },
      { at: 5_000, event: 'check', expect: { available: false } },
    ],
  },
  {
    name: 'a rejected key rests for max_cooldown_ms with the status in the reason',
    steps: [
      {
        at: 50,
        event: 'key_rejected',
        detail: '401 invalid_api_key',
        expect: { state: 'failed', reason: 'key rejected by the provider (401 invalid_api_key)', cooldownUntil: 300_050, errorRate: 0, consecutiveFailures: 0 },
      },
    ],
  },
  {
    name: 'failed → recovering after the cooldown, one probe at a time',
    steps: [
      tripAt(0),
      { at: 4_999, event: 'check', expect: { available: false, availableAt: 5_000, state: 'failed' } },
      { at: 5_000, event: 'check', expect: { available: true, availableAt: 5_000, state: 'recovering', reason: PROBING, cooldownUntil: 0 } },
      { at: 5_000, event: 'begin', expect: { inFlight: 1, available: false, availableAt: Number.POSITIVE_INFINITY } },
      { at: 5_100, event: 'succeed', expect: { inFlight: 0, available: true, state: 'recovering' } },
    ],
  },
  {
    name: 'begin notices the end of the cooldown by itself',
    steps: [tripAt(0), { at: 6_000, event: 'begin', expect: { state: 'recovering', inFlight: 1, available: false } }],
  },
  {
    name: 'probe_concurrency 2 lets two probes run at once',
    policy: policyWith({ probe_concurrency: 2 }),
    steps: [
      tripAt(0),
      { at: 5_000, event: 'begin', expect: { available: true } },
      { at: 5_000, event: 'begin', expect: { available: false, inFlight: 2, reason: 'cooldown over; probing with at most 2 request(s) at a time' } },
    ],
  },
  {
    name: 'each failed probe doubles the cooldown up to max_cooldown_ms; recovery resets it',
    policy: policyWith({ cooldown_ms: 1_000, max_cooldown_ms: 3_000 }),
    steps: [
      { ...tripAt(0), expect: { cooldownUntil: 1_000 } },
      { at: 1_000, event: 'transient', detail: '500', expect: { state: 'failed', reason: 'probe failed while recovering (last: 500)', cooldownUntil: 3_000 } },
      { at: 3_000, event: 'transient', expect: { state: 'failed', cooldownUntil: 6_000 } },
      { at: 6_000, event: 'transient', expect: { state: 'failed', cooldownUntil: 9_000 } },
      { at: 9_000, event: 'ok', times: 3, expect: { state: 'healthy', reason: RECOVERED } },
      { ...tripAt(9_001), expect: { state: 'failed', cooldownUntil: 10_001 } },
    ],
  },
  {
    name: 'recovery_successes successes in a row close the circuit',
    steps: [
      tripAt(0),
      { at: 5_000, event: 'ok', expect: { state: 'recovering' } },
      { at: 5_001, event: 'ok', expect: { state: 'recovering' } },
      { at: 5_002, event: 'ok', expect: { state: 'healthy', reason: RECOVERED, cooldownUntil: 0, available: true } },
    ],
  },
  {
    name: 'a recovered route whose error rate is still high comes back degraded',
    policy: policyWith({ min_samples: 5, decay_ms: Number.POSITIVE_INFINITY }),
    steps: [
      { ...tripAt(0), expect: { state: 'failed', reason: '5 consecutive failures (last: 503)' } },
      { at: 5_000, event: 'ok', times: 3, expect: { state: 'degraded', reason: 'error rate at or above 10%', errorRate: 5 / 8 } },
    ],
  },
  {
    name: 'a rate limit while recovering rests until the reset without doubling the circuit cooldown',
    steps: [
      tripAt(0),
      { at: 5_000, event: 'rate_limited', retryAfterMs: 1_000, expect: { state: 'failed', cooldownUntil: 6_000 } },
      { at: 6_000, event: 'transient', expect: { state: 'failed', cooldownUntil: 16_000 } },
    ],
  },
  {
    name: 'client errors, context overflows and policy refusals do not move health',
    steps: [
      { at: 0, event: 'client_error', times: 10, detail: '400' },
      { at: 0, event: 'context_window', times: 10 },
      { at: 0, event: 'content_policy', times: 10, expect: { state: 'healthy', errorRate: 0, consecutiveFailures: 0, inFlight: 0, latencyMs: undefined } },
      { at: 1, event: 'transient', times: 2 },
      { at: 2, event: 'client_error', expect: { state: 'degraded', consecutiveFailures: 2 } },
    ],
  },
  {
    name: 'a probe ending in a client error frees the slot but is not a success',
    steps: [
      tripAt(0),
      { at: 5_000, event: 'client_error', expect: { state: 'recovering', inFlight: 0, available: true } },
      { at: 5_001, event: 'ok', times: 2, expect: { state: 'recovering' } },
      { at: 5_002, event: 'ok', expect: { state: 'healthy' } },
    ],
  },
  {
    name: 'outcomes of attempts begun before the trip leave the cooldown alone',
    steps: [
      { at: 0, event: 'begin', times: 2 },
      tripAt(1),
      { at: 10, event: 'succeed', expect: { state: 'failed', cooldownUntil: 5_001, consecutiveFailures: 0, inFlight: 1 } },
      { at: 20, event: 'end-transient', expect: { state: 'failed', cooldownUntil: 5_001, inFlight: 0 } },
    ],
  },
  {
    name: 'an old error burst fades as new traffic arrives (3 half-lives later)',
    policy: policyWith({ consecutive_failures: 100 }),
    steps: [
      { at: 0, event: 'ok', times: 10 },
      { at: 0, event: 'transient', times: 5, expect: { state: 'degraded', errorRate: 5 / 15 } },
      // Weights decay to 1/8: 0.625 failed of 1.875, then 10 fresh successes.
      { at: 90_000, event: 'ok', times: 10, expect: { state: 'healthy', errorRate: 0.625 / 11.875 } },
    ],
  },
  {
    name: 'without the time gap the same burst keeps the route degraded',
    policy: policyWith({ consecutive_failures: 100 }),
    steps: [
      { at: 0, event: 'ok', times: 10 },
      { at: 0, event: 'transient', times: 5 },
      { at: 0, event: 'ok', times: 10, expect: { state: 'degraded', errorRate: 0.2 } },
    ],
  },
  {
    name: 'decayed traffic drops below min_samples, so a thin rate no longer counts',
    policy: policyWith({ consecutive_failures: 100 }),
    steps: [
      { at: 0, event: 'ok', times: 20 },
      // 20 attempts decay to 0.625 after 5 half-lives: one failure is a 62 % rate on 1.6 samples.
      { at: 150_000, event: 'transient', expect: { state: 'healthy', errorRate: 1 / 1.625 } },
    ],
  },
  {
    name: 'latency is a decayed average of successful attempts',
    steps: [
      { at: 0, event: 'ok', latencyMs: 100, expect: { latencyMs: 100 } },
      // One latency half-life (3 s) later the first sample weighs 0.5: (50 + 400) / 1.5.
      { at: 3_000, event: 'ok', latencyMs: 400, expect: { latencyMs: 300 } },
      { at: 3_000, event: 'transient', expect: { latencyMs: 300 } },
      { at: 3_000, event: 'ok', latencyMs: Number.NaN, expect: { latencyMs: 300 } },
    ],
  },
  {
    name: 'cancel ends an attempt without an outcome and never goes below zero',
    steps: [
      { at: 0, event: 'begin', times: 3, expect: { inFlight: 3 } },
      { at: 1, event: 'cancel', expect: { inFlight: 2, state: 'healthy', errorRate: 0 } },
      { at: 2, event: 'cancel', times: 5, expect: { inFlight: 0 } },
    ],
  },
  {
    name: 'a clock that steps back neither decays nor breaks the averages',
    steps: [
      { at: 10_000, event: 'ok', latencyMs: 200 },
      { at: 5_000, event: 'ok', latencyMs: 400, expect: { latencyMs: 300, errorRate: 0 } },
    ],
  },
];

describe('RouteHealth', () => {
  it.each(scenarios)('$name', ({ policy, steps }) => {
    run(new RouteHealth(policy), steps);
  });

  it('reports every state change to onTransition, and only changes', () => {
    const health = new RouteHealth();
    const seen: [HealthState, HealthState, string][] = [];
    health.onTransition = (from, to, reason) => seen.push([from, to, reason]);
    run(health, [
      { at: 0, event: 'transient', times: 4 },
      { at: 1, event: 'transient', detail: '504' },
      { at: 5_001, event: 'ok', times: 3 },
    ]);
    expect(seen).toEqual([
      ['healthy', 'degraded', '2 consecutive failures (last: 503)'],
      ['degraded', 'failed', '5 consecutive failures (last: 504)'],
      ['failed', 'recovering', PROBING],
      ['recovering', 'healthy', RECOVERED],
    ]);
    expect(health.lastTransitionAt).toBe(5_001);
    expect(health.lastTransitionReason).toBe(RECOVERED);
  });

  it('records when and why the last transition happened', () => {
    const health = run(new RouteHealth(), [{ at: 1_234, event: 'rate_limited', retryAfterMs: 500 }]);
    expect(health.lastTransitionAt).toBe(1_234);
    expect(health.lastTransitionReason).toBe('rate limited by the provider until its reset');
  });

  it('defaults to the documented policy', () => {
    expect(DEFAULT_CIRCUIT_POLICY).toEqual({
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
    expect(Object.isFrozen(DEFAULT_CIRCUIT_POLICY)).toBe(true);
  });
});
