import { percentileOfSorted } from '../statistics.js';
import type { RequestRecord } from './open-loop.js';
import type { ScenarioRun } from './run-scenario.js';
import type { Scenario } from './scenario-types.js';

export const BUCKET_MS = 1000;

/** One second of a run: client requests by the time they were sent, upstream attempts by the time they arrived. */
export interface Bucket {
  startMs: number;
  endMs: number;
  /** Client requests sent in the bucket. */
  requests: number;
  /** Of those, the ones that did not get a 2xx (including client timeouts and connection errors). */
  clientErrors: number;
  /** 2xx responses by the route the gateway said served them. */
  served: Record<string, number>;
  /** Upstream attempts (failed ones included) that reached each route's simulator key in the bucket. */
  attempts: Record<string, number>;
  /** Non-200 answers of each route's simulator key. */
  upstreamErrors: Record<string, number>;
  p50Ms: number | null;
  p95Ms: number | null;
}

function zeroByRoute(scenario: Scenario): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const route of scenario.routes) counts[route.id] = 0;
  return counts;
}

function emptyBuckets(scenario: Scenario): Bucket[] {
  const buckets: Bucket[] = [];
  for (let startMs = 0; startMs < scenario.durationMs; startMs += BUCKET_MS) {
    const endMs = Math.min(startMs + BUCKET_MS, scenario.durationMs);
    buckets.push({ startMs, endMs, requests: 0, clientErrors: 0, served: zeroByRoute(scenario), attempts: zeroByRoute(scenario), upstreamErrors: zeroByRoute(scenario), p50Ms: null, p95Ms: null });
  }
  return buckets;
}

export function isSuccess(record: RequestRecord): boolean {
  return record.status >= 200 && record.status < 300;
}

function addRequests(buckets: Bucket[], requests: readonly RequestRecord[]): void {
  const latencies: number[][] = buckets.map(() => []);
  for (const record of requests) {
    const index = Math.floor(record.sentAtMs / BUCKET_MS);
    const bucket = buckets[index];
    if (bucket === undefined) continue;
    bucket.requests++;
    latencies[index]!.push(record.latencyMs);
    if (!isSuccess(record)) bucket.clientErrors++;
    else if (record.route !== undefined) bucket.served[record.route] = (bucket.served[record.route] ?? 0) + 1;
  }
  buckets.forEach((bucket, index) => {
    const sorted = latencies[index]!.sort((left, right) => left - right);
    if (sorted.length === 0) return;
    bucket.p50Ms = percentileOfSorted(sorted, 50);
    bucket.p95Ms = percentileOfSorted(sorted, 95);
  });
}

/** A 100 ms sampling interval counts in the bucket holding its midpoint. */
function addUpstream(buckets: Bucket[], run: ScenarioRun): void {
  for (const interval of run.upstream) {
    const bucket = buckets[Math.floor((interval.fromMs + interval.toMs) / 2 / BUCKET_MS)];
    if (bucket === undefined) continue;
    for (const [route, counts] of Object.entries(interval.routes)) {
      bucket.attempts[route] = (bucket.attempts[route] ?? 0) + counts.attempts;
      bucket.upstreamErrors[route] = (bucket.upstreamErrors[route] ?? 0) + counts.errors;
    }
  }
}

export function bucketize(run: ScenarioRun, scenario: Scenario): Bucket[] {
  const buckets = emptyBuckets(scenario);
  addRequests(buckets, run.requests);
  addUpstream(buckets, run);
  return buckets;
}
