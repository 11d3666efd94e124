import type { ClosedLoopSettings } from './closed-loop.js';
import type { SequentialSettings } from './sequential.js';

export interface BenchSettings {
  closedLoop: ClosedLoopSettings;
  sequential: SequentialSettings;
}

/** A positive number from the environment, or the default when unset; anything else is a usage error. */
function positiveNumberFromEnvironment(name: string, fallback: number, environment: NodeJS.ProcessEnv): number {
  const text = environment[name];
  if (text === undefined || text.trim() === '') return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got "${text}"`);
  return value;
}

function positiveIntegerFromEnvironment(name: string, fallback: number, environment: NodeJS.ProcessEnv): number {
  const value = positiveNumberFromEnvironment(name, fallback, environment);
  if (!Number.isInteger(value)) throw new Error(`${name} must be a whole number, got "${value}"`);
  return value;
}

export function settingsFromEnvironment(environment: NodeJS.ProcessEnv = process.env): BenchSettings {
  return {
    closedLoop: {
      connections: positiveIntegerFromEnvironment('BENCH_CONNECTIONS', 50, environment),
      durationSeconds: positiveNumberFromEnvironment('BENCH_DURATION_S', 2, environment),
      warmupSeconds: positiveNumberFromEnvironment('BENCH_WARMUP_S', 2, environment),
      rounds: positiveIntegerFromEnvironment('BENCH_ROUNDS', 9, environment),
    },
    sequential: {
      requests: positiveIntegerFromEnvironment('BENCH_SEQUENTIAL', 2000, environment),
      warmupRequests: positiveIntegerFromEnvironment('BENCH_SEQUENTIAL_WARMUP', 200, environment),
    },
  };
}
