import type { LabStrategy } from './scenario-types.js';
import { LAB_STRATEGIES } from './scenario-types.js';

export interface LabSettings {
  /** Open-loop request rate against the gateway. */
  requestsPerSecond: number;
  /** Multiplies every scenario time (durations, fault times); below 1 for a smoke run. */
  scale: number;
  /** Non-stream latency of every simulated key unless a scenario changes it. */
  latencyMs: number;
  /** A client request that has not finished by then counts as an error (status 0). */
  clientTimeoutMs: number;
  /** Scenario ids (or numbers) to run; empty = all. */
  only: readonly string[];
  strategies: readonly LabStrategy[];
}

const MAX_REQUESTS_PER_SECOND = 1000;
const MAX_SCALE = 4;

function numberFromEnvironment(name: string, fallback: number, minimum: number, maximum: number, environment: NodeJS.ProcessEnv): number {
  const text = environment[name];
  if (text === undefined || text.trim() === '') return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < minimum || value > maximum) throw new Error(`${name} must be a number in [${minimum}, ${maximum}], got "${text}"`);
  return value;
}

function listFromEnvironment(name: string, environment: NodeJS.ProcessEnv): string[] {
  const text = environment[name] ?? '';
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function isLabStrategy(name: string): name is LabStrategy {
  return (LAB_STRATEGIES as readonly string[]).includes(name);
}

function strategiesFromEnvironment(environment: NodeJS.ProcessEnv): LabStrategy[] {
  const names = listFromEnvironment('SCENARIO_STRATEGIES', environment);
  if (names.length === 0) return [...LAB_STRATEGIES];
  const unknown = names.filter((name) => !isLabStrategy(name));
  if (unknown.length > 0) throw new Error(`SCENARIO_STRATEGIES: unknown strategy ${unknown.join(', ')} (known: ${LAB_STRATEGIES.join(', ')})`);
  return names.filter(isLabStrategy);
}

export function settingsFromEnvironment(environment: NodeJS.ProcessEnv = process.env): LabSettings {
  return {
    requestsPerSecond: numberFromEnvironment('SCENARIO_RPS', 100, 1, MAX_REQUESTS_PER_SECOND, environment),
    scale: numberFromEnvironment('SCENARIO_SCALE', 1, 0.05, MAX_SCALE, environment),
    latencyMs: numberFromEnvironment('SCENARIO_LATENCY_MS', 80, 0, 5_000, environment),
    clientTimeoutMs: numberFromEnvironment('SCENARIO_CLIENT_TIMEOUT_MS', 10_000, 100, 60_000, environment),
    only: listFromEnvironment('SCENARIO_ONLY', environment),
    strategies: strategiesFromEnvironment(environment),
  };
}

/** The environment variables that shape a run, as they were set: part of the exact command in the report. */
export function settingEnvironmentVariables(environment: NodeJS.ProcessEnv = process.env): string[] {
  const names = ['SCENARIO_RPS', 'SCENARIO_SCALE', 'SCENARIO_LATENCY_MS', 'SCENARIO_CLIENT_TIMEOUT_MS', 'SCENARIO_ONLY', 'SCENARIO_STRATEGIES'];
  return names.filter((name) => (environment[name] ?? '') !== '').map((name) => `${name}=${environment[name]}`);
}
