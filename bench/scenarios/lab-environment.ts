import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineDescription, repositoryRoot } from '../machine.js';
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
  /**
   * The gateway code this run executed (dist/src/ when compiled, src/ under tsx): a hash of its
   * files and the newest file's time. Others edit src/ while the lab runs; this says which build it was.
   */
  gatewayBuild: { fingerprint: string; newestFileAt: string };
}

/** Read-only git queries; the lab still runs outside a git checkout. */
function gitOutput(root: string, args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5_000 }).trim();
  } catch {
    return undefined;
  }
}

function codeFilesUnder(directory: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) files.push(...codeFilesUnder(path));
    else if (/\.(js|ts)$/.test(entry.name) && !/\.test\.(js|ts)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) files.push(path);
  }
  return files.sort();
}

/** The gateway sources beside this file's tree: ../../src from bench/scenarios/ and from dist/bench/scenarios/ alike. */
function describeGatewayBuild(): LabEnvironment['gatewayBuild'] {
  const sourceDirectory = fileURLToPath(new URL('../../src/', import.meta.url));
  const hash = createHash('sha256');
  let newest = 0;
  for (const file of codeFilesUnder(sourceDirectory)) {
    hash.update(relative(sourceDirectory, file)).update(readFileSync(file));
    newest = Math.max(newest, statSync(file).mtimeMs);
  }
  return { fingerprint: hash.digest('hex').slice(0, 12), newestFileAt: new Date(newest).toISOString() };
}

function commandLine(root: string): string {
  const script = process.argv[1] === undefined ? 'dist/bench/scenarios/run.js' : relative(root, process.argv[1]);
  const runner = script.endsWith('.ts') ? 'npx tsx' : 'node';
  return [...settingEnvironmentVariables(), runner, script].join(' ');
}

export function describeEnvironment(): LabEnvironment {
  const root = repositoryRoot();
  const machine = machineDescription();
  const status = gitOutput(root, ['status', '--porcelain', '--', 'src']);
  return {
    date: new Date().toISOString(),
    node: process.version,
    ...machine,
    loadAverageAtStart: loadavg()[0] ?? 0,
    command: commandLine(root),
    commit: gitOutput(root, ['rev-parse', '--short', 'HEAD']),
    sourceChanged: status === undefined ? undefined : status !== '',
    gatewayBuild: describeGatewayBuild(),
  };
}
