import { percentileOfSorted } from '../statistics.js';
import type { Bucket } from './buckets.js';
import { BUCKET_MS, isSuccess } from './buckets.js';
import type { RequestRecord } from './open-loop.js';
import type { ScenarioRun } from './run-scenario.js';
import { weightShare } from './scenario-definitions.js';
import type { FaultWindow, Scenario } from './scenario-types.js';

/** A route counts as moved off when it gets less than this fraction of the traffic its weight share would give it. */
export const MOVED_OFF_FRACTION = 0.1;
/** A recovered route counts as back when it gets at least this fraction of its weight share. */
export const RECOVERED_FRACTION = 0.5;

export interface WindowFigures {
  route: string;
  startMs: number;
  endMs: number;
  recovers: boolean;
  /** From the fault's start to the end of the first bucket in which the route got < 10 % of its share; null = not within the window. */
  timeToMoveOffMs: number | null;
  /** Upstream attempts the failing route got during the window, as a fraction of its weight share of the requests sent then. */
  trafficDuringFault: number | null;
  /** From the recovery to the end of the first bucket in which the route got ≥ 50 % of its share; null = not before the next fault or the end. */
  timeToRecoverMs: number | null;
  /** How long after the recovery was searched for the route coming back (until the next fault of the route, or the end). */
  recoverySearchedMs: number;
}

export interface QuotaFigures {
  route: string;
  requestsPerMinute: number;
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
  /** The 503 probability in force when the bucket in which the key counted as moved off began; null = never moved off. */
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
  windows: WindowFigures[];
  quota: QuotaFigures | undefined;
  ramp: RampFigures | undefined;
}

function p95Of(records: readonly RequestRecord[]): number {
  return percentileOfSorted(records.map((record) => record.latencyMs).sort((left, right) => left - right), 95);
}

function errorsByStatus(records: readonly RequestRecord[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const record of records) if (!isSuccess(record)) counts[String(record.status)] = (counts[String(record.status)] ?? 0) + 1;
  return counts;
}

/** What the route would get in this bucket under its weight share of the requests sent. */
function expectedAttempts(bucket: Bucket, share: number): number {
  return share * bucket.requests;
}

function timeToMoveOff(buckets: readonly Bucket[], window: FaultWindow, share: number): number | null {
  for (const bucket of buckets) {
    if (bucket.startMs < window.startMs || bucket.endMs > window.endMs || bucket.requests === 0) continue;
    if ((bucket.attempts[window.route] ?? 0) < MOVED_OFF_FRACTION * expectedAttempts(bucket, share)) return bucket.endMs - window.startMs;
  }
  return null;
}

function trafficDuringFault(buckets: readonly Bucket[], window: FaultWindow, share: number): number | null {
  let attempts = 0;
  let expected = 0;
  for (const bucket of buckets) {
    if (bucket.startMs < window.startMs || bucket.endMs > window.endMs) continue;
    attempts += bucket.attempts[window.route] ?? 0;
    expected += expectedAttempts(bucket, share);
  }
  return expected === 0 ? null : attempts / expected;
}

/** The route's next fault after this one, or the end of the run: how long it had to come back. */
function recoveryLimitMs(window: FaultWindow, windows: readonly FaultWindow[], durationMs: number): number {
  let limit = durationMs;
  for (const other of windows) if (other.route === window.route && other.startMs >= window.endMs) limit = Math.min(limit, other.startMs);
  return limit;
}

function timeToRecover(buckets: readonly Bucket[], window: FaultWindow, share: number, limitMs: number): number | null {
  for (const bucket of buckets) {
    if (bucket.startMs < window.endMs || bucket.endMs > limitMs || bucket.requests === 0) continue;
    if ((bucket.attempts[window.route] ?? 0) >= RECOVERED_FRACTION * expectedAttempts(bucket, share)) return bucket.endMs - window.endMs;
  }
  return null;
}

function windowFigures(buckets: readonly Bucket[], windows: readonly FaultWindow[], scenario: Scenario): WindowFigures[] {
  return windows.map((window) => {
    const share = weightShare(scenario.routes, window.route);
    const limitMs = window.recovers ? recoveryLimitMs(window, windows, scenario.durationMs) : window.endMs;
    return {
      ...window,
      timeToMoveOffMs: timeToMoveOff(buckets, window, share),
      trafficDuringFault: trafficDuringFault(buckets, window, share),
      timeToRecoverMs: window.recovers ? timeToRecover(buckets, window, share, limitMs) : null,
      recoverySearchedMs: window.recovers ? limitMs - window.endMs : 0,
    };
  });
}

function quotaFigures(run: ScenarioRun, scenario: Scenario): QuotaFigures | undefined {
  const quota = scenario.quota;
  if (quota === undefined) return undefined;
  let first429AtMs: number | null = null;
  let rateLimitedTotal = 0;
  let attempts = 0;
  let errors = 0;
  for (const interval of run.upstream) {
    const counts = interval.routes[quota.route];
    if (counts === undefined) continue;
    if (counts.rateLimited > 0 && first429AtMs === null) first429AtMs = interval.fromMs;
    rateLimitedTotal += counts.rateLimited;
    attempts += counts.attempts;
    errors += counts.errors;
  }
  const refusalsFrom = (fromMs: number): number => run.upstream.reduce((sum, interval) => (interval.fromMs >= fromMs ? sum + (interval.routes[quota.route]?.rateLimited ?? 0) : sum), 0);
  return {
    route: quota.route,
    requestsPerMinute: quota.requestsPerMinute,
    first429AtMs,
    rateLimitedTotal,
    rateLimitedAfterFirstSecond: refusalsFrom(1000),
    rateLimitedAfterFirstSecondOfExhaustion: first429AtMs === null ? 0 : refusalsFrom(first429AtMs + 1000),
    servedByKey: attempts - errors,
  };
}

/** The quota scenario's fault is the key being exhausted: from its first 429 to the end of the run. */
export function faultWindowsOf(scenario: Scenario, quota: QuotaFigures | undefined): FaultWindow[] {
  if (quota?.first429AtMs === null || quota === undefined) return [...scenario.faultWindows];
  return [...scenario.faultWindows, { route: quota.route, startMs: quota.first429AtMs, endMs: scenario.durationMs, recovers: false }];
}

function rampFigures(scenario: Scenario, windows: readonly WindowFigures[]): RampFigures | undefined {
  const ramp = scenario.ramp;
  if (ramp === undefined) return undefined;
  const movedOff = windows.find((window) => window.route === ramp.route)?.timeToMoveOffMs;
  if (movedOff === null || movedOff === undefined) return { probabilityAtMoveOff: null };
  const bucketStartSinceRamp = Math.max(0, movedOff - BUCKET_MS);
  const steps = Math.floor(bucketStartSinceRamp / 1000) * 1000;
  return { probabilityAtMoveOff: Math.min(ramp.maxProbability, (ramp.maxProbability * steps) / ramp.durationMs) };
}

function isInAnyWindow(record: RequestRecord, windows: readonly FaultWindow[]): boolean {
  return windows.some((window) => record.sentAtMs >= window.startMs && record.sentAtMs < window.endMs);
}

export function computeFigures(run: ScenarioRun, scenario: Scenario, buckets: readonly Bucket[]): RunFigures {
  const { requests } = run;
  const quota = quotaFigures(run, scenario);
  const faultWindows = faultWindowsOf(scenario, quota);
  const windows = windowFigures(buckets, faultWindows, scenario);
  const clientErrors = requests.filter((record) => !isSuccess(record)).length;
  const sorted = requests.map((record) => record.latencyMs).sort((left, right) => left - right);
  const baselineP95Ms = p95Of(requests.filter((record) => record.sentAtMs < scenario.baselineEndMs));
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
    windows,
    quota,
    ramp: rampFigures(scenario, windows),
  };
}
