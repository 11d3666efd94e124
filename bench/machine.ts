import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface MachineDescription {
  cpuModel: string;
  cores: number;
  platform: string;
  arch: string;
}

/** The machine a benchmark ran on, for its results file and report. */
export function machineDescription(): MachineDescription {
  const processors = cpus();
  return { cpuModel: processors[0]?.model.trim() ?? 'unknown', cores: processors.length, platform: process.platform, arch: process.arch };
}

/** The repository root, found by walking up: benchmarks run from bench/ (tsx) or dist/bench/ (compiled). */
export function repositoryRoot(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(directory, 'package.json'))) {
    const parent = dirname(directory);
    if (parent === directory) throw new Error('no package.json above the benchmark');
    directory = parent;
  }
  return directory;
}
