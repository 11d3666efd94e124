import type { Bucket } from './buckets.js';
import type { RunFigures, WindowFigures } from './figures.js';
import type { LabEnvironment } from './lab-environment.js';
import type { ScenarioRun } from './run-scenario.js';
import type { LabSettings } from './settings.js';
import type { LabStrategy, Scenario } from './scenario-types.js';

export interface StrategyResult {
  strategy: LabStrategy;
  run: ScenarioRun;
  buckets: Bucket[];
  figures: RunFigures;
}

export interface ScenarioResult {
  scenario: Scenario;
  results: StrategyResult[];
}

export interface LabResults {
  environment: LabEnvironment;
  settings: LabSettings;
  scenarios: ScenarioResult[];
  elapsedMs: number;
}

export function formatMs(ms: number | null): string {
  return ms === null ? '–' : `${Math.round(ms)} ms`;
}

export function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) ? String(seconds) : seconds.toFixed(1)} s`;
}

export function formatPercent(fraction: number | null): string {
  return fraction === null ? '–' : `${(fraction * 100).toFixed(fraction > 0 && fraction < 0.001 ? 2 : 1)} %`;
}

export function formatRatio(ratio: number | null): string {
  return ratio === null ? '–' : `×${ratio.toFixed(2)}`;
}

export function formatMoveOff(window: WindowFigures): string {
  return window.timeToMoveOffMs === null ? `not within ${formatSeconds(window.endMs - window.startMs)}` : formatSeconds(window.timeToMoveOffMs);
}

export function formatRecovery(window: WindowFigures): string {
  if (!window.recovers) return '–';
  return window.timeToRecoverMs === null ? `not within ${formatSeconds(window.recoverySearchedMs)}` : formatSeconds(window.timeToRecoverMs);
}

/** Several windows (the flapping key) are listed in order, separated by slashes. */
export function joinWindows(windows: readonly WindowFigures[], format: (window: WindowFigures) => string): string {
  return windows.length === 0 ? '–' : windows.map(format).join(' / ');
}

export function formatErrors(figures: RunFigures): string {
  const statuses = Object.entries(figures.errorsByStatus)
    .sort(([left], [right]) => Number(left) - Number(right))
    .map(([status, count]) => `${count}×${status === '0' ? 'timeout/conn' : status}`);
  return `${formatPercent(figures.clientErrorRate)} (${figures.clientErrors}${statuses.length === 0 ? '' : `: ${statuses.join(', ')}`})`;
}

/** The one figure particular to a scenario, for the summaries. */
export function scenarioFigure(figures: RunFigures): string {
  if (figures.quota !== undefined) {
    const quota = figures.quota;
    const usedUp = quota.exhaustedAtMs === null ? 'quota never used up' : `quota used up at ${formatSeconds(quota.exhaustedAtMs)}`;
    const first = quota.first429AtMs === null ? 'no 429' : `first 429 at ${formatSeconds(quota.first429AtMs)}`;
    return `429s from key A after 1 s: ${quota.rateLimitedAfterFirstSecond} (${quota.rateLimitedAfterFirstSecondOfExhaustion} from 1 s after the first); ${usedUp}, ${first}`;
  }
  if (figures.ramp !== undefined) {
    const probability = figures.ramp.probabilityAtMoveOff;
    return probability === null ? 'never moved off key A' : `moved off key A at 503 probability ${probability.toFixed(2)}`;
  }
  return `mean latency while faulty ${formatMs(figures.faultMeanMs)} (baseline ${formatMs(figures.baselineMeanMs)})`;
}
