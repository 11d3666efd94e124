import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repositoryRoot } from '../machine.js';
import type { LabResults, StrategyResult } from './lab-results.js';
import type { RequestRecord } from './open-loop.js';
import type { UpstreamInterval } from './upstream-sampler.js';
import { chartOf } from './report-markdown.js';

const round = (value: number): number => Math.round(value * 10) / 10;

/** Every request of a run, as parallel arrays (a few hundred kB instead of megabytes of objects). */
function requestColumns(requests: readonly RequestRecord[]): Record<string, unknown> {
  return {
    sent_at_ms: requests.map((request) => round(request.sentAtMs)),
    latency_ms: requests.map((request) => round(request.latencyMs)),
    status: requests.map((request) => request.status),
    route: requests.map((request) => request.route ?? null),
  };
}

/** The simulator's 100 ms counters, as parallel arrays per route. */
function upstreamColumns(intervals: readonly UpstreamInterval[], routes: readonly string[]): Record<string, unknown> {
  const byRoute: Record<string, { attempts: number[]; errors: number[]; rate_limited: number[] }> = {};
  for (const route of routes) {
    byRoute[route] = {
      attempts: intervals.map((interval) => interval.routes[route]?.attempts ?? 0),
      errors: intervals.map((interval) => interval.routes[route]?.errors ?? 0),
      rate_limited: intervals.map((interval) => interval.routes[route]?.rateLimited ?? 0),
    };
  }
  return { from_ms: intervals.map((interval) => round(interval.fromMs)), to_ms: intervals.map((interval) => round(interval.toMs)), routes: byRoute };
}

function strategyDocument(result: StrategyResult, routes: readonly string[]): Record<string, unknown> {
  const { run } = result;
  return {
    figures: result.figures,
    buckets: result.buckets,
    applied_changes: run.appliedChanges,
    in_flight_at_end: run.inFlightAtEnd,
    gateway_exited_early: run.gatewayExitedEarly,
    upstream_100ms: upstreamColumns(run.upstream, routes),
    requests: requestColumns(run.requests),
  };
}

/** Writes bench/scenarios/results/latest.json (and each chart as an .svg beside it); returns the JSON's path. */
export async function writeResults(lab: LabResults): Promise<string> {
  const directory = join(repositoryRoot(), 'bench', 'scenarios', 'results');
  await mkdir(directory, { recursive: true });
  const scenarios = lab.scenarios.map(({ scenario, results }) => ({
    ...scenario,
    runs: Object.fromEntries(results.map((result) => [result.strategy, strategyDocument(result, scenario.routes.map((route) => route.id))])),
  }));
  const path = join(directory, 'latest.json');
  await writeFile(path, `${JSON.stringify({ ...lab.environment, settings: lab.settings, elapsed_ms: Math.round(lab.elapsedMs), scenarios })}\n`);
  for (const result of lab.scenarios) {
    for (const entry of result.results) await writeFile(join(directory, `${result.scenario.number}-${result.scenario.id}-${entry.strategy}.svg`), `${chartOf(result, entry)}\n`);
  }
  return path;
}
