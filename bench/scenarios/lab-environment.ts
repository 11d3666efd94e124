import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { settingEnvironmentVariables } from './settings.js';

export interface LabEnvironment {
  date: string;
  node: string;
  platform: string;
  arch: string;
  cpuModel: string;
  cores: number;
  loadAverageAtStart: number;
  /** How this run was started: the SCENARIO_* variables that were set, then the script. */
  command: string;
  /** The commit the gateway was built from, and whether src/ had uncommitted changes then. */
  commit: string | undefined;
  sourceChanged: boolean | undefined;
}

/** The repository root, found by walking up: this file runs from bench/scenarios/ (tsx) or dist/bench/scenarios/ (compiled). */
export function repositoryRoot(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(directory, 'package.json'))) {
    const parent = dirname(directory);
    if (parent === directory) throw new Error('no package.json above the scenario lab');
    directory = parent;
  }
  return directory;
}

/** Read-only git queries; the lab still runs outside a git checkout. */
function gitOutput(root: string, args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5_000 }).trim();
  } catch {
    return undefined;
  }
}

function commandLine(root: string): string {
  const script = process.argv[1] === undefined ? 'dist/bench/scenarios/run.js' : relative(root, process.argv[1]);
  const runner = script.endsWith('.ts') ? 'npx tsx' : 'node';
  return [...settingEnvironmentVariables(), runner, script].join(' ');
}

export function describeEnvironment(): LabEnvironment {
  const root = repositoryRoot();
  const processors = cpus();
  const status = gitOutput(root, ['status', '--porcelain', '--', 'src']);
  return {
    date: new Date().toISOString(),
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    cpuModel: processors[0]?.model.trim() ?? 'unknown',
    cores: processors.length,
    loadAverageAtStart: loadavg()[0] ?? 0,
    command: commandLine(root),
    commit: gitOutput(root, ['rev-parse', '--short', 'HEAD']),
    sourceChanged: status === undefined ? undefined : status !== '',
  };
}
