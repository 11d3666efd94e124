import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repositoryRoot } from './lab-environment.js';
import type { LabResults, StrategyResult } from './lab-results.js';
import type { RequestRecord } from './open-loop.js';
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

function strategyDocument(result: StrategyResult): Record<string, unknown> {
  const { run } = result;
  return {
    figures: result.figures,
    buckets: result.buckets,
    applied_changes: run.appliedChanges,
    in_flight_at_end: run.inFlightAtEnd,
    gateway_exited_early: run.gatewayExitedEarly,
    upstream_100ms: run.upstream,
    requests: requestColumns(run.requests),
  };
}

/** Writes bench/scenarios/results/latest.json (and each chart as an .svg beside it); returns the JSON's path. */
export async function writeResults(lab: LabResults): Promise<string> {
  const directory = join(repositoryRoot(), 'bench', 'scenarios', 'results');
  await mkdir(directory, { recursive: true });
  const scenarios = lab.scenarios.map(({ scenario, results }) => ({
    ...scenario,
    runs: Object.fromEntries(results.map((result) => [result.strategy, strategyDocument(result)])),
  }));
  const path = join(directory, 'latest.json');
  await writeFile(path, `${JSON.stringify({ ...lab.environment, settings: lab.settings, elapsed_ms: Math.round(lab.elapsedMs), scenarios })}\n`);
  for (const result of lab.scenarios) {
    for (const entry of result.results) await writeFile(join(directory, `${result.scenario.number}-${result.scenario.id}-${entry.strategy}.svg`), `${chartOf(result, entry)}\n`);
  }
  return path;
}
