import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Comparison, TargetResults } from './comparison.js';
import type { BenchSettings } from './settings.js';

/** The repository root, found by walking up: this file runs from bench/ (tsx) or dist/bench/ (compiled). */
function repositoryRoot(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(directory, 'package.json'))) {
    const parent = dirname(directory);
    if (parent === directory) throw new Error('no package.json above the benchmark');
    directory = parent;
  }
  return directory;
}

function machineDescription(): { cpuModel: string; cores: number; platform: string; arch: string } {
  const processors = cpus();
  return { cpuModel: processors[0]?.model.trim() ?? 'unknown', cores: processors.length, platform: process.platform, arch: process.arch };
}

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
