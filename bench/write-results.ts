import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Comparison, TargetResults } from './comparison.js';
import { machineDescription, repositoryRoot } from './machine.js';
import type { BenchSettings } from './settings.js';

export interface BenchRun {
  settings: BenchSettings;
  /** 1-minute load average when the run started: other work on the machine skews every figure. */
  loadAverageAtStart: number;
  results: TargetResults;
  comparison: Comparison;
  failures: string[];
}

/** Writes bench/results/latest.json and returns its path. */
export async function writeLatestResults(run: BenchRun): Promise<string> {
  const path = join(repositoryRoot(), 'bench', 'results', 'latest.json');
  const { settings, loadAverageAtStart, results, comparison, failures } = run;
  const document = { date: new Date().toISOString(), node: process.version, machine: machineDescription(), loadAverageAtStart, settings, targets: results, comparison, failures };
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(document, null, 2)}\n`);
  return path;
}
