import { cpus, loadavg } from 'node:os';
import { killChildServers, killChildServersOnExit, startChildServer } from './child-servers.js';
import type { ChildServer } from './child-servers.js';
import { measureClosedLoopInterleaved } from './closed-loop.js';
import type { ClosedLoopResult } from './closed-loop.js';
import type { TargetName, TargetResults } from './comparison.js';
import { compareToFloor, describeFailures, TARGET_NAMES } from './comparison.js';
import { printReport } from './print-report.js';
import { measureSequentialInterleaved } from './sequential.js';
import type { SequentialResult } from './sequential.js';
import type { BenchSettings } from './settings.js';
import { settingsFromEnvironment } from './settings.js';
import { verifyTarget } from './verify-target.js';
import { writeLatestResults } from './write-results.js';

type Targets = Record<TargetName, ChildServer>;

/** The upstream first (the proxies need its URL), then both proxies, each in its own process. */
async function startTargets(): Promise<Targets> {
  const upstream = await startChildServer('upstream');
  const [floor, quiet, switchyard, governed] = await Promise.all([
    startChildServer('floor', [upstream.url]),
    startChildServer('switchyard', [upstream.url, 'quiet']),
    startChildServer('switchyard', [upstream.url]),
    // BENCH_GOVERNED=off runs an ungoverned twin instead: the spread between two identical servers.
    startChildServer('switchyard', [upstream.url, process.env.BENCH_GOVERNED === 'off' ? 'plain' : 'governed']),
  ]);
  return { direct: upstream, floor, quiet, switchyard, governed };
}

async function measureTargets(targets: Targets, settings: BenchSettings): Promise<TargetResults> {
  for (const name of TARGET_NAMES) await verifyTarget(name, targets[name].url);
  const closedLoop: Record<TargetName, ClosedLoopResult> = await measureClosedLoopInterleaved(targets, TARGET_NAMES, settings.closedLoop, (line) => console.log(line));
  const urls = Object.fromEntries(TARGET_NAMES.map((name) => [name, targets[name].url])) as Record<TargetName, string>;
  console.log(`sequential: ${TARGET_NAMES.join(', ')} interleaved, one request each per round`);
  const sequential: Record<TargetName, SequentialResult> = await measureSequentialInterleaved(urls, settings.sequential);
  const results: Partial<TargetResults> = {};
  for (const name of TARGET_NAMES) results[name] = { closedLoop: closedLoop[name], sequential: sequential[name] };
  return results as TargetResults;
}

/** The figures are only as good as the machine is quiet; say so up front rather than after 40 s. */
function loadAverageWithWarning(): number {
  const [lastMinute = 0] = loadavg();
  if (lastMinute > cpus().length / 4) console.warn(`warning: 1-minute load average is ${lastMinute.toFixed(2)} on ${cpus().length} cores; other work will skew the figures`);
  return lastMinute;
}

async function main(): Promise<void> {
  killChildServersOnExit();
  const settings = settingsFromEnvironment();
  const loadAverageAtStart = loadAverageWithWarning();
  const results = await measureTargets(await startTargets(), settings);
  killChildServers();
  const comparison = compareToFloor(results);
  const failures = describeFailures(results);
  printReport(results, comparison, settings);
  console.log(`\nResults written to ${await writeLatestResults({ settings, loadAverageAtStart, results, comparison, failures })}`);
  if (failures.length > 0) {
    console.error(`\nFAILED REQUESTS — the figures above are not valid:\n  ${failures.join('\n  ')}`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  killChildServers();
  console.error(error);
  process.exitCode = 1;
});
