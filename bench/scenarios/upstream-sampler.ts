import type { KeyStats, SimulatorHandle } from '../../src/simulator/index.js';
import type { RouteSpec } from './scenario-types.js';
import { simulatorKeyOf } from './scenario-types.js';

/** What one route's simulator key saw in one sampling interval. */
export interface RouteCounts {
  /** Upstream attempts that reached the key (failed ones included). */
  attempts: number;
  /** Answers other than 200 (status faults and rate-limit refusals). */
  errors: number;
  /** Refusals by the key's simulated rate limit. */
  rateLimited: number;
}

/** The simulator's per-key counters over [fromMs, toMs) of the run, by route id. */
export interface UpstreamInterval {
  fromMs: number;
  toMs: number;
  routes: Record<string, RouteCounts>;
}

export const SAMPLE_INTERVAL_MS = 100;

function errorsOf(stats: KeyStats | undefined): number {
  if (stats === undefined) return 0;
  let errors = 0;
  for (const [status, count] of Object.entries(stats.by_status)) if (status !== '200') errors += count;
  return errors;
}

function countsOf(stats: KeyStats | undefined): RouteCounts {
  return { attempts: stats?.requests ?? 0, errors: errorsOf(stats), rateLimited: stats?.rate_limited ?? 0 };
}

/**
 * Reads the in-process simulator's cumulative per-key stats every 100 ms and keeps the
 * differences, so upstream traffic per route is known on the run's own clock — including
 * attempts that failed, which no client-side header shows.
 */
export class UpstreamSampler {
  readonly intervals: UpstreamInterval[] = [];
  private lastMs = 0;
  private last: Record<string, RouteCounts>;

  constructor(
    private readonly simulator: SimulatorHandle,
    private readonly routes: readonly RouteSpec[],
  ) {
    this.last = this.read();
  }

  sampleIfDue(elapsedMs: number): void {
    if (elapsedMs - this.lastMs >= SAMPLE_INTERVAL_MS) this.sample(elapsedMs);
  }

  sample(elapsedMs: number): void {
    const now = this.read();
    const routes: Record<string, RouteCounts> = {};
    for (const route of this.routes) {
      const current = now[route.id]!;
      const previous = this.last[route.id]!;
      routes[route.id] = { attempts: current.attempts - previous.attempts, errors: current.errors - previous.errors, rateLimited: current.rateLimited - previous.rateLimited };
    }
    this.intervals.push({ fromMs: this.lastMs, toMs: elapsedMs, routes });
    this.last = now;
    this.lastMs = elapsedMs;
  }

  private read(): Record<string, RouteCounts> {
    const keys = this.simulator.stats().keys;
    const counts: Record<string, RouteCounts> = {};
    for (const route of this.routes) counts[route.id] = countsOf(keys[simulatorKeyOf(route.id)]);
    return counts;
  }
}
