import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { faultWindowsOf, MOVED_OFF_FRACTION, RECOVERED_FRACTION } from './figures.js';
import type { RunFigures } from './figures.js';
import { repositoryRoot } from '../machine.js';
import type { LabResults, ScenarioResult, StrategyResult } from './lab-results.js';
import { formatErrors, formatMoveOff, formatMs, formatPercent, formatRatio, formatRecovery, formatSeconds, joinWindows } from './lab-results.js';
import { SUMMARY_HEADER, summaryRows } from './print-summary.js';
import { weightShare } from './scenario-definitions.js';
import { renderChart } from './svg-chart.js';

function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const escape = (cell: string): string => cell.replace(/\|/g, '\\|');
  return [`| ${header.map(escape).join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.map(escape).join(' | ')} |`)].join('\n');
}

function runDescription(lab: LabResults): string {
  const { environment, settings } = lab;
  const commit = environment.commit === undefined ? 'unknown commit' : `commit \`${environment.commit}\``;
  const changed = environment.sourceChanged === true ? ', with uncommitted changes in `src/`' : environment.sourceChanged === false ? ', `src/` unchanged' : '';
  return [
    `- **Date**: ${environment.date}`,
    `- **Machine**: ${environment.platform} ${environment.arch}, ${environment.cores} cores (\`${environment.cpuModel}\`, a VM), Node ${environment.node}, 1-minute load average ${environment.loadAverageAtStart.toFixed(2)} at start`,
    `- **Command**: \`${environment.command.includes('dist/') ? 'npm run build && ' : ''}${environment.command}\``,
    `- **Gateway**: ${commit} checked out at run time${changed}; the gateway code this run executed has fingerprint \`${environment.gatewayBuild.fingerprint}\`, newest file ${environment.gatewayBuild.newestFileAt}`,
    `- **Settings**: ${settings.requestsPerSecond} requests/s open loop, scale ${settings.scale}, simulator latency ${settings.latencyMs} ms, client timeout ${settings.clientTimeoutMs / 1000} s, strategies ${settings.strategies.map((strategy) => `\`${strategy}\``).join(' and ')}; ${(lab.elapsedMs / 1000).toFixed(0)} s in all`,
  ].join('\n');
}

const HOW_TO_RUN = `\`\`\`sh
npm run build && node dist/bench/scenarios/run.js                   # the full run (about 6 minutes)
SCENARIO_SCALE=0.2 node dist/bench/scenarios/run.js                 # a smoke run: every time × 0.2
SCENARIO_ONLY=2,latency-x10 SCENARIO_STRATEGIES=adaptive node dist/bench/scenarios/run.js
npx tsx bench/scenarios/run.ts                                      # from source
\`\`\`

| variable | default | meaning |
|---|---|---|
| \`SCENARIO_RPS\` | 100 | open-loop request rate (1–1000) |
| \`SCENARIO_SCALE\` | 1 | multiplies every scenario time (0.05–4); the gateway's own timers (cooldowns, decay) are not scaled, so a short run behaves differently |
| \`SCENARIO_LATENCY_MS\` | 80 | the simulator's non-stream latency for every key |
| \`SCENARIO_CLIENT_TIMEOUT_MS\` | 10000 | a client request not answered by then counts as an error |
| \`SCENARIO_ONLY\` | all | scenario numbers or ids, comma-separated |
| \`SCENARIO_STRATEGIES\` | \`weighted,adaptive\` | which strategies to run |

A subset run rewrites this file with only what it ran. The lab exits non-zero only when it breaks
itself (a gateway that does not start or serves none of the warm-up requests, a simulator error);
poor figures are reported, not fatal.`;

const SETUP = `Each scenario runs once per strategy, each run with a fresh simulator (in the lab's process) and a
fresh gateway (a child process built the way [servers/switchyard.ts](servers/switchyard.ts) builds
it, from a config given on its command line; both on 127.0.0.1 only; the gateway is killed when the
run ends, fails or is interrupted). The gateway routes the public model \`chat\` over the scenario's
routes: keys of one provider (strategy on \`providers[].strategy\`) or targets of the group, one
provider each (strategy on \`models[].strategy\`). \`routing.queue.max_wait_ms\` is 3000, so a moment
when every route is cooling waits rather than fails; \`routing.request_timeout_ms\` is 8000; every other
setting is the gateway's default (see [docs/routing.md](../docs/routing.md)). Each run starts with 50 warm-up requests, then the simulator is reset (stats,
quota windows) and the clock starts. The load is open loop: request *i* is due at *i* / rate whatever
happened to earlier ones, a non-stream \`POST /v1/chat/completions\`; the route that served it is read
from \`x-switchyard-key\` (keys) or \`x-switchyard-provider\` (targets). Faults are installed with the
simulator's \`setBehaviour\` at the scripted times (within about 5 ms; the actual times are in the
JSON).`;

const DEFINITIONS = `- **Client errors**: requests that did not get a 2xx, including client timeouts and connection
  errors (shown as \`timeout/conn\`).
- **p50 / p95**: client latency of every request (failed ones included), from the time it was due
  to the last byte of its answer. **Baseline p95**: requests sent in the first 5 s (scaled), before
  any fault. **Fault p95**: requests sent while a fault window was open, and its ratio to the baseline;
  the mean of the same requests shows a partial shift of traffic that the p95 can hide.
- **Traffic of a route** over a stretch of time: the upstream attempts its simulator key received,
  failed ones included (a request the gateway tries on the failing route before moving on still
  costs an attempt there, though a different route serves it). It is read from the simulator's
  per-key counters every 100 ms, each interval counted where its midpoint falls. The route's
  **weight share** of a stretch is its weight ÷ the sum of weights × the client requests sent in it.
- **90 % off after**: the fault window is cut into 1-second steps counted from the fault's start
  (the last one may be shorter); the figure is the time from the start to the *end* of the first
  step in which the failing route's traffic was below ${MOVED_OFF_FRACTION * 100} % of its weight share. So it has 1 s
  resolution, and "1 s" means the route was already off in the fault's first second. "not within
  N s": never during the window. Several windows (the flapping key) are listed in order.
- **Traffic during the fault** ("traffic in fault"): the failing route's attempts over the whole fault
  window ÷ its weight share of the requests sent then (100 % = the fault went unnoticed; retries can
  push it higher).
- **50 % back after**: likewise in 1-second steps counted from the recovery: the time to the end of
  the first step in which the route's traffic was at least ${RECOVERED_FRACTION * 100} % of its weight share, searched until
  the route's next fault or the end of the run.
- **Quota scenario**: its fault window runs from the moment key A's quota was used up (the end of
  the 100 ms interval in which the simulator admitted its last request under the limit) to the end. 429s are
  the simulator's \`keys[…].rate_limited\` count for key A: after the first second of the run, and
  from 1 s after the first 429 (a second to react to the exhaustion).
- **Rising error rate**: the 503 probability in force when the step in which key A counted as moved
  off began.

Charts: one per strategy, in 1-second buckets of the run's clock. Top: each route's traffic
(upstream attempts) and the client errors, as a share of the requests sent in that second; the dashed line is the failing route's weight share.
Bottom: client p95 latency per second, dashed at the baseline p95. The fault window is shaded.
The charts are inline SVG; where a viewer strips inline SVG (GitHub does), the same charts are in
[scenarios/results/](scenarios/results/) as \`.svg\` files.`;

type Row = readonly [string, (figures: RunFigures) => string];

function scenarioRows(result: ScenarioResult): Row[] {
  const rows: Row[] = [
    ['requests sent', (figures) => String(figures.requests)],
    ['client errors', formatErrors],
    ['client p50', (figures) => formatMs(figures.p50Ms)],
    ['client p95', (figures) => formatMs(figures.p95Ms)],
    ['baseline p95 (first 5 s)', (figures) => formatMs(figures.baselineP95Ms)],
    ['p95 while faulty (× baseline)', (figures) => `${formatMs(figures.faultP95Ms)} (${formatRatio(figures.faultP95VsBaseline)})`],
    ['mean while faulty (baseline mean)', (figures) => `${formatMs(figures.faultMeanMs)} (${formatMs(figures.baselineMeanMs)})`],
    ['90 % of traffic off the failing route after', (figures) => joinWindows(figures.windows, formatMoveOff)],
    ["failing route's traffic during the fault, of its share", (figures) => joinWindows(figures.windows, (window) => formatPercent(window.trafficDuringFault))],
  ];
  if (result.scenario.faultWindows.some((window) => window.recovers)) {
    rows.push(['recovered route back to ≥ 50 % of its share after', (figures) => joinWindows(figures.windows.filter((window) => window.recovers), formatRecovery)]);
  }
  if (result.scenario.quota !== undefined) rows.push(...quotaRows());
  if (result.scenario.ramp !== undefined) {
    rows.push(['503 probability when key A counted as moved off', (figures) => (figures.ramp?.probabilityAtMoveOff == null ? 'never' : figures.ramp.probabilityAtMoveOff.toFixed(2))]);
  }
  return rows;
}

function quotaRows(): Row[] {
  return [
    ["key A's quota used up at", (figures) => (figures.quota?.exhaustedAtMs == null ? 'never' : formatSeconds(figures.quota.exhaustedAtMs))],
    ['first 429 from key A at', (figures) => (figures.quota?.first429AtMs == null ? 'never' : formatSeconds(figures.quota.first429AtMs))],
    ['429s from key A after the first second of the run', (figures) => String(figures.quota?.rateLimitedAfterFirstSecond ?? '–')],
    ['429s from key A from 1 s after its first 429', (figures) => String(figures.quota?.rateLimitedAfterFirstSecondOfExhaustion ?? '–')],
    ['requests key A served (its quota)', (figures) => `${figures.quota?.servedByKey ?? '–'} of ${figures.quota?.requestsPerMinute ?? '–'}`],
  ];
}

export function chartOf(result: ScenarioResult, strategyResult: StrategyResult): string {
  const { scenario } = result;
  const windows = faultWindowsOf(scenario, strategyResult.figures.quota);
  const failing = [...new Set(windows.map((window) => window.route))];
  return renderChart({
    title: `${strategyResult.strategy} — ${scenario.number}. ${scenario.title}`,
    routes: scenario.routes,
    buckets: strategyResult.buckets,
    durationMs: scenario.durationMs,
    faultWindows: windows,
    shares: failing.map((route) => ({ route, share: weightShare(scenario.routes, route) })),
    baselineP95Ms: strategyResult.figures.baselineP95Ms,
    risingFault: scenario.ramp !== undefined,
  });
}

function scenarioSection(result: ScenarioResult): string {
  const { scenario, results } = result;
  const header = ['', ...results.map((entry) => entry.strategy)];
  const rows = scenarioRows(result).map(([label, format]) => [label, ...results.map((entry) => format(entry.figures))]);
  const charts = results.map((entry) => chartOf(result, entry)).join('\n');
  const crashed = results.filter((entry) => entry.run.gatewayExitedEarly).map((entry) => `\n**The gateway process exited during the ${entry.strategy} run.**\n`);
  return [`## ${scenario.number}. ${scenario.title}`, scenario.script, markdownTable(header, rows), ...crashed, `<div>\n${charts}\n</div>`].join('\n\n');
}

export function renderMarkdown(lab: LabResults): string {
  const sections = [
    '# Fault-scenario lab',
    'How the gateway behaves when providers misbehave: [scenarios/run.ts](scenarios/run.ts) drives it under a steady open-loop load against the [provider simulator](../src/simulator/README.md) through scripted faults, once with strategy `weighted` and once with `adaptive`. Raw results of the run below: [scenarios/results/latest.json](scenarios/results/latest.json).',
    `## This run\n\n${runDescription(lab)}`,
    `## Summary\n\nEach column is defined under [What the figures mean](#what-the-figures-mean); "traffic in fault" is the failing route's upstream attempts during the fault as a share of what its weight would give it (100 % = the fault went unnoticed). Several figures in a cell are the flapping key's three windows, in order.\n\n${markdownTable(SUMMARY_HEADER, summaryRows(lab))}`,
    ...lab.scenarios.map(scenarioSection),
    `## How it works\n\n${SETUP}`,
    `## What the figures mean\n\n${DEFINITIONS}`,
    `## How to run\n\n${HOW_TO_RUN}`,
  ];
  return `${sections.join('\n\n')}\n`;
}

/** Writes bench/scenarios.md and returns its path. */
export async function writeMarkdown(lab: LabResults): Promise<string> {
  const path = join(repositoryRoot(), 'bench', 'scenarios.md');
  await writeFile(path, renderMarkdown(lab));
  return path;
}
