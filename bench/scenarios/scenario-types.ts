import type { Behaviour } from '../../src/simulator/index.js';

export const LAB_STRATEGIES = ['weighted', 'adaptive'] as const;
export type LabStrategy = (typeof LAB_STRATEGIES)[number];

/** Which level of routing a scenario exercises: keys of one provider, or targets of the model group (one provider each). */
export type RouteLevel = 'keys' | 'targets';

export interface RouteSpec {
  /** The key id (keys level) or provider id (targets level); also names the route's simulator key. */
  id: string;
  label: string;
  weight: number;
}

/** A behaviour installed on one route's simulator key at a point of the scenario's timeline. */
export interface BehaviourChange {
  atMs: number;
  route: string;
  behaviour: Behaviour;
}

/** A stretch of time in which one route is faulty; `recovers` when the fault ends before the scenario does. */
export interface FaultWindow {
  route: string;
  startMs: number;
  endMs: number;
  recovers: boolean;
}

/** Scenario 5: a key whose simulated per-minute request quota runs out mid-run. */
export interface QuotaSpec {
  route: string;
  requestsPerMinute: number;
}

/** Scenario 6: a 503 probability that rises linearly from 0 to `maxProbability`, updated every second. */
export interface RampSpec {
  route: string;
  startMs: number;
  durationMs: number;
  maxProbability: number;
}

export interface Scenario {
  id: string;
  number: number;
  title: string;
  /** What the faults do, in a sentence or two of markdown, with the (scaled) times. */
  script: string;
  level: RouteLevel;
  routes: readonly RouteSpec[];
  durationMs: number;
  /** Requests sent before this time make the healthy baseline (no fault has started). */
  baselineEndMs: number;
  initialBehaviours: Readonly<Record<string, Behaviour>>;
  changes: readonly BehaviourChange[];
  /** Known up front; the quota scenario's window starts at its first 429 and is derived from the run. */
  faultWindows: readonly FaultWindow[];
  quota: QuotaSpec | undefined;
  ramp: RampSpec | undefined;
}

/** The API key the simulator sees for a route; its stats are kept under this name. */
export function simulatorKeyOf(routeId: string): string {
  return `sk-sim-${routeId}`;
}
