import { performance } from 'node:perf_hooks';
import { startSimulator } from '../../src/simulator/index.js';
import type { Behaviour, SimulatorHandle } from '../../src/simulator/index.js';
import { gatewayConfig, routeHeaderOf } from './gateway-config.js';
import { startGatewayProcess } from './gateway-process.js';
import type { RequestRecord } from './open-loop.js';
import { OpenLoopLoad } from './open-loop.js';
import type { LabSettings } from './settings.js';
import type { LabStrategy, Scenario } from './scenario-types.js';
import { simulatorKeyOf } from './scenario-types.js';
import type { UpstreamInterval } from './upstream-sampler.js';
import { UpstreamSampler } from './upstream-sampler.js';

/** Everything one scenario × strategy run recorded; figures are computed from it afterwards. */
export interface ScenarioRun {
  scenario: string;
  strategy: LabStrategy;
  requests: RequestRecord[];
  upstream: UpstreamInterval[];
  /** When each scripted behaviour change was actually installed (ms from the start). */
  appliedChanges: { atMs: number; route: string; behaviour: Behaviour }[];
  /** Client requests still unanswered when the load stopped sending. */
  inFlightAtEnd: number;
  /** The gateway process died during the run (a finding, reported, not a lab failure). */
  gatewayExitedEarly: boolean;
}

const TICK_MS = 5;
const WARM_UP_REQUESTS = 50;

/** Calls `onTick(elapsedMs)` every few ms from `startedAt` until `durationMs` has passed; the last call is at or after it. */
function runClock(startedAt: number, durationMs: number, onTick: (elapsedMs: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      try {
        const elapsed = performance.now() - startedAt;
        onTick(Math.min(elapsed, durationMs));
        if (elapsed < durationMs) return;
        clearInterval(timer);
        resolve();
      } catch (error) {
        clearInterval(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    }, TICK_MS);
  });
}

function simulatorKeys(scenario: Scenario): Record<string, Behaviour> {
  const keys: Record<string, Behaviour> = {};
  for (const [route, behaviour] of Object.entries(scenario.initialBehaviours)) keys[simulatorKeyOf(route)] = behaviour;
  return keys;
}

/** Opens the gateway's upstream connections and warms its code paths; a gateway that serves nothing breaks the lab. */
async function warmUp(url: string, scenario: Scenario, settings: LabSettings): Promise<void> {
  const startedAt = performance.now();
  const rate = Math.max(settings.requestsPerSecond, 100);
  const load = new OpenLoopLoad({ url, requestsPerSecond: rate, totalRequests: WARM_UP_REQUESTS, routeHeader: routeHeaderOf(scenario), timeoutMs: settings.clientTimeoutMs, startedAt });
  try {
    await runClock(startedAt, (WARM_UP_REQUESTS * 1000) / rate, (elapsed) => load.sendDue(elapsed));
    await load.settled();
  } finally {
    await load.close();
  }
  const served = load.records.filter((record) => record.status === 200 && record.route !== undefined).length;
  if (served === 0) throw new Error(`${scenario.id}: the gateway answered none of ${WARM_UP_REQUESTS} warm-up requests with 200 (statuses: ${[...new Set(load.records.map((record) => record.status))].join(', ')})`);
}

/** The scripted part: load, behaviour changes and upstream sampling on one clock. */
async function drive(simulator: SimulatorHandle, url: string, scenario: Scenario, settings: LabSettings): Promise<Omit<ScenarioRun, 'scenario' | 'strategy' | 'gatewayExitedEarly'>> {
  const changes = [...scenario.changes].sort((left, right) => left.atMs - right.atMs);
  const appliedChanges: ScenarioRun['appliedChanges'] = [];
  const sampler = new UpstreamSampler(simulator, scenario.routes);
  const startedAt = performance.now();
  const totalRequests = Math.ceil((scenario.durationMs / 1000) * settings.requestsPerSecond);
  const load = new OpenLoopLoad({ url, requestsPerSecond: settings.requestsPerSecond, totalRequests, routeHeader: routeHeaderOf(scenario), timeoutMs: settings.clientTimeoutMs, startedAt });
  let nextChange = 0;
  try {
    await runClock(startedAt, scenario.durationMs, (elapsed) => {
      for (; nextChange < changes.length && changes[nextChange]!.atMs <= elapsed; nextChange++) {
        const change = changes[nextChange]!;
        simulator.setBehaviour(simulatorKeyOf(change.route), change.behaviour);
        appliedChanges.push({ atMs: Math.round(elapsed * 10) / 10, route: change.route, behaviour: change.behaviour });
      }
      sampler.sampleIfDue(elapsed);
      load.sendDue(elapsed);
    });
    sampler.sample(scenario.durationMs);
    const inFlightAtEnd = load.inFlight;
    await load.settled();
    return { requests: load.records.sort((left, right) => left.sentAtMs - right.sentAtMs), upstream: sampler.intervals, appliedChanges, inFlightAtEnd };
  } finally {
    await load.close();
  }
}

/** One scenario under one strategy: a fresh simulator (in this process) and a fresh gateway (a child process). */
export async function runScenario(scenario: Scenario, strategy: LabStrategy, settings: LabSettings): Promise<ScenarioRun> {
  const simulator = await startSimulator({ host: '127.0.0.1', defaults: { latency_ms: settings.latencyMs }, keys: simulatorKeys(scenario) });
  try {
    const gateway = await startGatewayProcess(gatewayConfig(scenario, strategy, simulator.url, settings));
    try {
      await warmUp(gateway.url, scenario, settings);
      // Back to the start options: warm-up traffic leaves no stats and uses no quota.
      simulator.reset();
      const recorded = await drive(simulator, gateway.url, scenario, settings);
      return { scenario: scenario.id, strategy, ...recorded, gatewayExitedEarly: gateway.exited() };
    } finally {
      await gateway.stop();
    }
  } finally {
    await simulator.close();
  }
}
