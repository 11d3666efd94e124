import { percentileOfSorted } from '../statistics.js';
import { isSuccess } from './buckets.js';
import type { RequestRecord } from './open-loop.js';
import type { ScenarioRun } from './run-scenario.js';
import type { RouteCounts, UpstreamInterval } from './upstream-sampler.js';
import { weightShare } from './scenario-definitions.js';
import type { FaultWindow, Scenario } from './scenario-types.js';

/** A route counts as moved off when it gets less than this fraction of the traffic its weight share would give it. */
export const MOVED_OFF_FRACTION = 0.1;
/** A recovered route counts as back when it gets at least this fraction of its weight share. */
export const RECOVERED_FRACTION = 0.5;
/** Reaction times are measured in steps of this length from the fault's start (or the recovery). */
export const STEP_MS = 1000;

export interface WindowFigures {
  route: string;
  startMs: number;
  endMs: number;
  recovers: boolean;
  /** From the fault's start to the end of the first 1 s step (counted from the start) in which the route got < 10 % of its share; null = not within the window. */
  timeToMoveOffMs: number | null;
  /** Upstream attempts the failing route got during the window, as a fraction of its weight share of the requests sent then. */
  trafficDuringFault: number | null;
  /** From the recovery to the end of the first 1 s step (counted from the recovery) in which the route got ≥ 50 % of its share; null = not before the next fault or the end. */
  timeToRecoverMs: number | null;
  /** How long after the recovery was searched for the route coming back (until the next fault of the route, or the end). */
  recoverySearchedMs: number;
}

export interface QuotaFigures {
  route: string;
  requestsPerMinute: number;
  /** End of the 100 ms sampling interval in which the key admitted its last request under the quota; null = never used up. */
  exhaustedAtMs: number | null;
  /** Start of the 100 ms sampling interval in which the key first refused a request; null = never. */
  first429AtMs: number | null;
  /** Rate-limit refusals from the key over the whole run. */
  rateLimitedTotal: number;
  /** Refusals counted from 1 s into the run on (the gateway has had a second to read the countdown headers). */
  rateLimitedAfterFirstSecond: number;
  /** Refusals counted from 1 s after the first refusal on (after a second to react to the exhaustion). */
  rateLimitedAfterFirstSecondOfExhaustion: number;
  /** Requests the key served (its quota used). */
  servedByKey: number;
}

export interface RampFigures {
  /** The 503 probability in force when the step in which the key counted as moved off began; null = never moved off. */
  probabilityAtMoveOff: number | null;
}

export interface RunFigures {
  requests: number;
  clientErrors: number;
  clientErrorRate: number;
  /** Client-visible failures by status ('0' = no status: connection error or client timeout). */
  errorsByStatus: Record<string, number>;
  p50Ms: number;
  p95Ms: number;
  baselineP95Ms: number;
  /** p95 of requests sent while a fault was on (any window); null when there was no window. */
  faultP95Ms: number | null;
  faultP95VsBaseline: number | null;
  /** Mean latency of the requests sent while a fault was on: shows a partial shift that p95 hides. */
  faultMeanMs: number | null;
  baselineMeanMs: number;
  windows: WindowFigures[];
  quota: QuotaFigures | undefined;
  ramp: RampFigures | undefined;
}

function p95Of(records: readonly RequestRecord[]): number {
  return percentileOfSorted(records.map((record) => record.latencyMs).sort((left, right) => left - right), 95);
}

function meanOf(records: readonly RequestRecord[]): number {
  let sum = 0;
  for (const record of records) sum += record.latencyMs;
  return records.length === 0 ? 0 : sum / records.length;
}

function errorsByStatus(records: readonly RequestRecord[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const record of records) if (!isSuccess(record)) counts[String(record.status)] = (counts[String(record.status)] ?? 0) + 1;
  return counts;
}

/** One route's upstream attempts and the client requests sent, over [fromMs, toMs) of a run. */
interface Traffic {
  attempts: number;
  requests: number;
}

/** A 100 ms sampling interval counts where its midpoint falls; a request where it was sent. */
function trafficBetween(run: ScenarioRun, route: string, fromMs: number, toMs: number): Traffic {
  let attempts = 0;
  let requests = 0;
  for (const interval of run.upstream) {
    const middle = (interval.fromMs + interval.toMs) / 2;
    if (middle >= fromMs && middle < toMs) attempts += interval.routes[route]?.attempts ?? 0;
  }
  for (const record of run.requests) if (record.sentAtMs >= fromMs && record.sentAtMs < toMs) requests++;
  return { attempts, requests };
}

/**
 * Steps through [fromMs, toMs) one second at a time (the last step may be shorter) and returns
 * the time from `fromMs` to the end of the first step whose traffic passes `test`; null if none does.
 */
function firstStepWhere(run: ScenarioRun, route: string, fromMs: number, toMs: number, test: (traffic: Traffic) => boolean): number | null {
  for (let stepStart = fromMs; stepStart < toMs; stepStart += STEP_MS) {
    const stepEnd = Math.min(stepStart + STEP_MS, toMs);
    const traffic = trafficBetween(run, route, stepStart, stepEnd);
    if (traffic.requests > 0 && test(traffic)) return stepEnd - fromMs;
  }
  return null;
}

function timeToMoveOff(run: ScenarioRun, window: FaultWindow, share: number): number | null {
  return firstStepWhere(run, window.route, window.startMs, window.endMs, (traffic) => traffic.attempts < MOVED_OFF_FRACTION * share * traffic.requests);
}

function trafficDuringFault(run: ScenarioRun, window: FaultWindow, share: number): number | null {
  const traffic = trafficBetween(run, window.route, window.startMs, window.endMs);
  return traffic.requests === 0 ? null : traffic.attempts / (share * traffic.requests);
}

/** The route's next fault after this one, or the end of the run: how long it had to come back. */
function recoveryLimitMs(window: FaultWindow, windows: readonly FaultWindow[], durationMs: number): number {
  let limit = durationMs;
  for (const other of windows) if (other.route === window.route && other.startMs >= window.endMs) limit = Math.min(limit, other.startMs);
  return limit;
}

function timeToRecover(run: ScenarioRun, window: FaultWindow, share: number, limitMs: number): number | null {
  return firstStepWhere(run, window.route, window.endMs, limitMs, (traffic) => traffic.attempts >= RECOVERED_FRACTION * share * traffic.requests);
}

function windowFigures(run: ScenarioRun, windows: readonly FaultWindow[], scenario: Scenario): WindowFigures[] {
  return windows.map((window) => {
    const share = weightShare(scenario.routes, window.route);
    const limitMs = window.recovers ? recoveryLimitMs(window, windows, scenario.durationMs) : window.endMs;
    return {
      ...window,
      timeToMoveOffMs: timeToMoveOff(run, window, share),
      trafficDuringFault: trafficDuringFault(run, window, share),
      timeToRecoverMs: window.recovers ? timeToRecover(run, window, share, limitMs) : null,
      recoverySearchedMs: window.recovers ? limitMs - window.endMs : 0,
    };
  });
}

/** Sums one route's counters over the sampling intervals that start at or after `fromMs`. */
function sumFrom(run: ScenarioRun, route: string, fromMs: number, field: keyof RouteCounts): number {
  let sum = 0;
  for (const interval of run.upstream) if (interval.fromMs >= fromMs) sum += interval.routes[route]?.[field] ?? 0;
  return sum;
}

/** The first sampling interval by whose end the route's cumulative `count` had reached `threshold`. */
function intervalReaching(run: ScenarioRun, route: string, threshold: number, count: (counts: RouteCounts) => number): UpstreamInterval | undefined {
  let cumulative = 0;
  for (const interval of run.upstream) {
    const counts = interval.routes[route];
    if (counts === undefined) continue;
    cumulative += count(counts);
    if (cumulative >= threshold) return interval;
  }
  return undefined;
}

function quotaFigures(run: ScenarioRun, scenario: Scenario): QuotaFigures | undefined {
  const quota = scenario.quota;
  if (quota === undefined) return undefined;
  const admitted = (counts: RouteCounts): number => counts.attempts - counts.rateLimited;
  const first429AtMs = intervalReaching(run, quota.route, 1, (counts) => counts.rateLimited)?.fromMs ?? null;
  return {
    route: quota.route,
    requestsPerMinute: quota.requestsPerMinute,
    exhaustedAtMs: intervalReaching(run, quota.route, quota.requestsPerMinute, admitted)?.toMs ?? null,
    first429AtMs,
    rateLimitedTotal: sumFrom(run, quota.route, 0, 'rateLimited'),
    rateLimitedAfterFirstSecond: sumFrom(run, quota.route, 1000, 'rateLimited'),
    rateLimitedAfterFirstSecondOfExhaustion: first429AtMs === null ? 0 : sumFrom(run, quota.route, first429AtMs + 1000, 'rateLimited'),
    servedByKey: sumFrom(run, quota.route, 0, 'attempts') - sumFrom(run, quota.route, 0, 'errors'),
  };
}

/** The quota scenario's fault is the key's quota being used up: from then to the end of the run. */
export function faultWindowsOf(scenario: Scenario, quota: QuotaFigures | undefined): FaultWindow[] {
  if (quota === undefined || quota.exhaustedAtMs === null) return [...scenario.faultWindows];
  return [...scenario.faultWindows, { route: quota.route, startMs: quota.exhaustedAtMs, endMs: scenario.durationMs, recovers: false }];
}

function rampFigures(scenario: Scenario, windows: readonly WindowFigures[]): RampFigures | undefined {
  const ramp = scenario.ramp;
  if (ramp === undefined) return undefined;
  const movedOff = windows.find((window) => window.route === ramp.route)?.timeToMoveOffMs;
  if (movedOff === null || movedOff === undefined) return { probabilityAtMoveOff: null };
  const stepStartSinceRamp = Math.max(0, movedOff - STEP_MS);
  const steps = Math.floor(stepStartSinceRamp / 1000) * 1000;
  return { probabilityAtMoveOff: Math.min(ramp.maxProbability, (ramp.maxProbability * steps) / ramp.durationMs) };
}

function isInAnyWindow(record: RequestRecord, windows: readonly FaultWindow[]): boolean {
  return windows.some((window) => record.sentAtMs >= window.startMs && record.sentAtMs < window.endMs);
}

export function computeFigures(run: ScenarioRun, scenario: Scenario): RunFigures {
  const { requests } = run;
  const quota = quotaFigures(run, scenario);
  const faultWindows = faultWindowsOf(scenario, quota);
  const windows = windowFigures(run, faultWindows, scenario);
  const clientErrors = requests.filter((record) => !isSuccess(record)).length;
  const sorted = requests.map((record) => record.latencyMs).sort((left, right) => left - right);
  const baseline = requests.filter((record) => record.sentAtMs < scenario.baselineEndMs);
  const baselineP95Ms = p95Of(baseline);
  const during = requests.filter((record) => isInAnyWindow(record, faultWindows));
  const faultP95Ms = during.length === 0 ? null : p95Of(during);
  return {
    requests: requests.length,
    clientErrors,
    clientErrorRate: requests.length === 0 ? 0 : clientErrors / requests.length,
    errorsByStatus: errorsByStatus(requests),
    p50Ms: percentileOfSorted(sorted, 50),
    p95Ms: percentileOfSorted(sorted, 95),
    baselineP95Ms,
    faultP95Ms,
    faultP95VsBaseline: faultP95Ms === null || baselineP95Ms <= 0 ? null : faultP95Ms / baselineP95Ms,
    faultMeanMs: during.length === 0 ? null : meanOf(during),
    baselineMeanMs: meanOf(baseline),
    windows,
    quota,
    ramp: rampFigures(scenario, windows),
  };
}
