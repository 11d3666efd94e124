import type { BenchSettings } from './settings.js';
import type { Comparison, RatioCheck, TargetResults } from './comparison.js';
import { TARGET_NAMES } from './comparison.js';

function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]): string => cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ');
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)].join('\n');
}

const milliseconds = (value: number): string => value.toFixed(3);

function closedLoopTable(results: TargetResults, settings: BenchSettings): string {
  const { connections, durationSeconds, rounds } = settings.closedLoop;
  const rows = TARGET_NAMES.map((name) => {
    const run = results[name].closedLoop;
    return [name, run.requestsPerSecond.toFixed(0), String(run.completedRequests), String(run.latencyP50Ms), String(run.latencyP99Ms), run.cpuPerRequestUs.toFixed(1), String(run.non2xx), String(run.errors)];
  });
  const title = `Closed-loop throughput (autocannon, ${connections} connections, pipelining 1; medians of ${rounds} interleaved rounds of ${durationSeconds} s per target)`;
  return `${title}\n${formatTable(['target', 'req/s', 'requests', 'p50 ms', 'p99 ms', 'CPU µs/req', 'non-2xx', 'errors'], rows)}`;
}

function sequentialTable(results: TargetResults, comparison: Comparison, settings: BenchSettings): string {
  const added = { direct: undefined, ...comparison.addedLatency };
  const rows = TARGET_NAMES.map((name) => {
    const run = results[name].sequential;
    const extra = added[name];
    const reported = run.reportedOverheadMeanMs === null ? '-' : milliseconds(run.reportedOverheadMeanMs);
    return [name, milliseconds(run.meanMs), milliseconds(run.p50Ms), milliseconds(run.p99Ms), extra ? milliseconds(extra.meanMs) : '-', extra ? milliseconds(extra.p50Ms) : '-', reported, String(run.failed)];
  });
  const title = `Sequential latency (1 connection, ${settings.sequential.requests} requests after ${settings.sequential.warmupRequests} warm-up)`;
  return `${title}\n${formatTable(['target', 'mean ms', 'p50 ms', 'p99 ms', 'added mean ms', 'added p50 ms', 'in-gateway mean ms', 'non-2xx'], rows)}`;
}

function checkLine(check: RatioCheck): string {
  const ratio = check.ratio === null ? 'n/a (floor figure not positive)' : check.ratio.toFixed(3);
  return `${check.verdict.padEnd(4)}  ${check.name}: ${ratio}  (target ${check.comparison} ${check.threshold})`;
}

export function printReport(results: TargetResults, comparison: Comparison, settings: BenchSettings): void {
  console.log(`\n${closedLoopTable(results, settings)}\n`);
  console.log(`${sequentialTable(results, comparison, settings)}\n`);
  console.log('Ratios to the floor (bare fastify + undici proxy)');
  for (const check of comparison.checks) console.log(checkLine(check));
}
