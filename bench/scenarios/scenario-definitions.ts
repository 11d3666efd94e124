import type { Behaviour } from '../../src/simulator/index.js';
import type { LabSettings } from './settings.js';
import type { BehaviourChange, RouteSpec, Scenario } from './scenario-types.js';

/** Every scenario starts with this many healthy seconds (scaled): the baseline, and time for the gateway to settle. */
const BASELINE_S = 5;
const HEALTHY: Behaviour = {};
const OUTAGE: Behaviour = { faults: [{ type: 'status', status: 503 }] };

const TWO_KEYS: readonly RouteSpec[] = [
  { id: 'a', label: 'key A', weight: 1 },
  { id: 'b', label: 'key B', weight: 1 },
];
const THREE_KEYS: readonly RouteSpec[] = [...TWO_KEYS, { id: 'c', label: 'key C', weight: 1 }];
const TWO_TARGETS: readonly RouteSpec[] = [
  { id: 'a', label: 'target A', weight: 1 },
  { id: 'b', label: 'target B', weight: 1 },
];

/** Scenario times are written in seconds at scale 1. */
class Timeline {
  constructor(private readonly scale: number) {}

  ms(seconds: number): number {
    return Math.round(seconds * 1000 * this.scale);
  }

  /** `s` as the report shows it: the scaled time in seconds. */
  s(seconds: number): string {
    return `${Number((seconds * this.scale).toFixed(2))} s`;
  }
}

export function weightShare(routes: readonly RouteSpec[], id: string): number {
  let total = 0;
  for (const route of routes) total += route.weight;
  return (routes.find((route) => route.id === id)?.weight ?? 0) / total;
}

function storm429(time: Timeline): Scenario {
  const storm: Behaviour = { faults: [{ type: 'status', status: 429, retry_after_s: 1 }] };
  return {
    id: 'storm-429',
    number: 1,
    title: '429 storm on one key',
    script: `Three keys (weight 1 each) in one provider. From ${time.s(5)} to ${time.s(20)} key A answers every request with 429 and \`retry-after: 1\`.`,
    level: 'keys',
    routes: THREE_KEYS,
    durationMs: time.ms(25),
    baselineEndMs: time.ms(BASELINE_S),
    initialBehaviours: {},
    changes: [
      { atMs: time.ms(5), route: 'a', behaviour: storm },
      { atMs: time.ms(20), route: 'a', behaviour: HEALTHY },
    ],
    faultWindows: [{ route: 'a', startMs: time.ms(5), endMs: time.ms(20), recovers: true }],
    quota: undefined,
    ramp: undefined,
  };
}

function providerOutage(time: Timeline): Scenario {
  return {
    id: 'provider-outage',
    number: 2,
    title: 'Full provider outage and recovery',
    script: `Two targets (providers, weight 1 each). From ${time.s(5)} to ${time.s(15)} target A answers every request with 503; then it is healthy again until the end at ${time.s(30)}.`,
    level: 'targets',
    routes: TWO_TARGETS,
    durationMs: time.ms(30),
    baselineEndMs: time.ms(BASELINE_S),
    initialBehaviours: {},
    changes: [
      { atMs: time.ms(5), route: 'a', behaviour: OUTAGE },
      { atMs: time.ms(15), route: 'a', behaviour: HEALTHY },
    ],
    faultWindows: [{ route: 'a', startMs: time.ms(5), endMs: time.ms(15), recovers: true }],
    quota: undefined,
    ramp: undefined,
  };
}

function latencyTimesTen(time: Timeline, settings: LabSettings): Scenario {
  const slow = settings.latencyMs * 10;
  return {
    id: 'latency-x10',
    number: 3,
    title: 'Latency ×10 on one provider',
    script: `Two targets (weight 1 each). From ${time.s(5)} to the end, target A's latency goes from ${settings.latencyMs} ms to ${slow} ms (no errors).`,
    level: 'targets',
    routes: TWO_TARGETS,
    durationMs: time.ms(20),
    baselineEndMs: time.ms(BASELINE_S),
    initialBehaviours: {},
    changes: [{ atMs: time.ms(5), route: 'a', behaviour: { latency_ms: slow } }],
    faultWindows: [{ route: 'a', startMs: time.ms(5), endMs: time.ms(20), recovers: false }],
    quota: undefined,
    ramp: undefined,
  };
}

function flappingKey(time: Timeline): Scenario {
  const failingStarts = [5, 15, 25];
  const changes: BehaviourChange[] = [];
  for (const start of failingStarts) {
    changes.push({ atMs: time.ms(start), route: 'a', behaviour: OUTAGE }, { atMs: time.ms(start + 5), route: 'a', behaviour: HEALTHY });
  }
  return {
    id: 'flapping-key',
    number: 4,
    title: 'Flapping key',
    script: `Two keys (weight 1 each). Key A alternates 5 s failing (503 on every request) and 5 s healthy: failing ${failingStarts.map((start) => `${time.s(start)}–${time.s(start + 5)}`).join(', ')}.`,
    level: 'keys',
    routes: TWO_KEYS,
    durationMs: time.ms(35),
    baselineEndMs: time.ms(BASELINE_S),
    initialBehaviours: {},
    changes,
    faultWindows: failingStarts.map((start) => ({ route: 'a', startMs: time.ms(start), endMs: time.ms(start + 5), recovers: true })),
    quota: undefined,
    ramp: undefined,
  };
}

/** Sized so that key A, given its weight share of the load, runs out at about 10 s (scaled). */
function headerQuota(time: Timeline, settings: LabSettings): Scenario {
  const exhaustedAtS = 10;
  const requestsPerMinute = Math.max(1, Math.round(settings.requestsPerSecond * weightShare(TWO_KEYS, 'a') * exhaustedAtS * settings.scale));
  return {
    id: 'header-quota',
    number: 5,
    title: 'Quota exhaustion signalled only by headers',
    script:
      `Two keys (weight 1 each). Key A has a simulated quota of ${requestsPerMinute} requests per minute (sliding 60 s window), which its weight share of the load uses up at about ${time.s(exhaustedAtS)}; ` +
      'every answer from A carries `x-ratelimit-remaining-requests` counting down, and once the quota is gone A answers 429 with a `retry-after` of when a request would fit again (tens of seconds). No other fault.',
    level: 'keys',
    routes: TWO_KEYS,
    durationMs: time.ms(20),
    baselineEndMs: time.ms(BASELINE_S),
    initialBehaviours: { a: { rate_limit: { requests_per_minute: requestsPerMinute } } },
    changes: [],
    faultWindows: [],
    quota: { route: 'a', requestsPerMinute },
    ramp: undefined,
  };
}

/** The probability is updated every (unscaled) second, so a scaled-down run has fewer, larger steps. */
function risingErrors(time: Timeline): Scenario {
  const startMs = time.ms(5);
  const durationMs = time.ms(30);
  const maxProbability = 0.6;
  const changes: BehaviourChange[] = [];
  for (let elapsed = 0; elapsed <= durationMs; elapsed += 1000) {
    const probability = Number(((maxProbability * elapsed) / durationMs).toFixed(4));
    changes.push({ atMs: startMs + elapsed, route: 'a', behaviour: { faults: [{ type: 'status', status: 503, probability }] } });
  }
  return {
    id: 'rising-errors',
    number: 6,
    title: 'Slowly rising error rate',
    script: `Two keys (weight 1 each). From ${time.s(5)} key A answers 503 with a probability that rises linearly from 0 to ${maxProbability} over ${time.s(30)} (updated every second), then stays there.`,
    level: 'keys',
    routes: TWO_KEYS,
    durationMs: startMs + durationMs,
    baselineEndMs: time.ms(BASELINE_S),
    initialBehaviours: {},
    changes,
    faultWindows: [{ route: 'a', startMs, endMs: startMs + durationMs, recovers: false }],
    quota: undefined,
    ramp: { route: 'a', startMs, durationMs, maxProbability },
  };
}

export function buildScenarios(settings: LabSettings): Scenario[] {
  const time = new Timeline(settings.scale);
  const all = [storm429(time), providerOutage(time), latencyTimesTen(time, settings), flappingKey(time), headerQuota(time, settings), risingErrors(time)];
  if (settings.only.length === 0) return all;
  const unknown = settings.only.filter((name) => !all.some((scenario) => scenario.id === name || String(scenario.number) === name));
  if (unknown.length > 0) throw new Error(`SCENARIO_ONLY: unknown scenario ${unknown.join(', ')} (known: ${all.map((scenario) => `${scenario.number}=${scenario.id}`).join(', ')})`);
  return all.filter((scenario) => settings.only.includes(scenario.id) || settings.only.includes(String(scenario.number)));
}
