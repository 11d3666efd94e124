import { performance } from 'node:perf_hooks';
import { bucketize } from './buckets.js';
import { computeFigures } from './figures.js';
import { killChildServers, killChildServersOnExit } from '../child-servers.js';
import { describeEnvironment } from './lab-environment.js';
import type { LabResults, ScenarioResult, StrategyResult } from './lab-results.js';
import { formatErrors, formatMs, formatMoveOff, joinWindows } from './lab-results.js';
import { printSummary } from './print-summary.js';
import { writeMarkdown } from './report-markdown.js';
import { runScenario } from './run-scenario.js';
import { buildScenarios } from './scenario-definitions.js';
import type { LabSettings } from './settings.js';
import { settingsFromEnvironment } from './settings.js';
import type { LabStrategy, Scenario } from './scenario-types.js';
import { writeResults } from './write-results.js';

async function runOne(scenario: Scenario, strategy: LabStrategy, settings: LabSettings): Promise<StrategyResult> {
  console.log(`${scenario.number}. ${scenario.id} × ${strategy}: ${(scenario.durationMs / 1000).toFixed(1)} s at ${settings.requestsPerSecond} req/s`);
  const run = await runScenario(scenario, strategy, settings);
  const buckets = bucketize(run, scenario);
  const figures = computeFigures(run, scenario);
  console.log(`   errors ${formatErrors(figures)}, p50 ${formatMs(figures.p50Ms)}, p95 ${formatMs(figures.p95Ms)}, 90 % off after ${joinWindows(figures.windows, formatMoveOff)}`);
  return { strategy, run, buckets, figures };
}

/** The strategies take turns scenario by scenario, so slow drift of the machine falls on both alike. */
async function runAll(scenarios: readonly Scenario[], settings: LabSettings): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = [];
  for (const scenario of scenarios) {
    const runs: StrategyResult[] = [];
    for (const strategy of settings.strategies) runs.push(await runOne(scenario, strategy, settings));
    results.push({ scenario, results: runs });
  }
  return results;
}

function warnIfBusy(environment: ReturnType<typeof describeEnvironment>): void {
  if (environment.loadAverageAtStart > environment.cores / 2) {
    console.warn(`warning: 1-minute load average is ${environment.loadAverageAtStart.toFixed(2)} on ${environment.cores} cores; latency figures will be noisy`);
  }
}

async function main(): Promise<void> {
  killChildServersOnExit();
  const settings = settingsFromEnvironment();
  const scenarios = buildScenarios(settings);
  const environment = describeEnvironment();
  warnIfBusy(environment);
  const plannedSeconds = scenarios.reduce((sum, scenario) => sum + scenario.durationMs / 1000, 0) * settings.strategies.length;
  console.log(`Fault-scenario lab: ${scenarios.length} scenario${scenarios.length === 1 ? '' : 's'} × ${settings.strategies.join(', ')}, about ${Math.ceil(plannedSeconds)} s of load\n`);
  const startedAt = performance.now();
  const results = await runAll(scenarios, settings);
  const lab: LabResults = { environment, settings, scenarios: results, elapsedMs: performance.now() - startedAt };
  printSummary(lab);
  console.log(`\nResults written to ${await writeResults(lab)}`);
  console.log(`Report written to ${await writeMarkdown(lab)}`);
}

main().catch((error: unknown) => {
  killChildServers();
  console.error(error);
  process.exitCode = 1;
});
