import autocannon from 'autocannon';
import type { Result } from 'autocannon';
import { CHAT_COMPLETIONS_PATH, CHAT_REQUEST_BODY, REQUEST_HEADERS } from './fixtures.js';
import { percentileOfSorted } from './statistics.js';

export interface ClosedLoopSettings {
  connections: number;
  /** Seconds of load per target in each round. */
  durationSeconds: number;
  warmupSeconds: number;
  /** Rounds; each measures every target once, in a rotating order. */
  rounds: number;
}

/** A target's figures: medians over the rounds, so a burst of machine noise in one round does not decide them. */
export interface ClosedLoopResult {
  requestsPerSecond: number;
  completedRequests: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyMeanMs: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Non-2xx answers, errors and timeouts during the warm-up, which is not otherwise reported. */
  warmupFailures: number;
  /** CPU time the target's own process spent per request, microseconds (its upstream not included). */
  cpuPerRequestUs: number;
  /** Requests per second of each round, in round order. */
  roundsRequestsPerSecond: number[];
  /** CPU µs per request of each round, in round order. */
  roundsCpuPerRequestUs: number[];
}

/** What the closed loop needs of a target: where it listens and how much CPU its process has used. */
export interface LoadTarget {
  url: string;
  cpuMicros(): Promise<number>;
}

function fireChatCompletions(baseUrl: string, connections: number, durationSeconds: number): Promise<Result> {
  return autocannon({
    url: `${baseUrl}${CHAT_COMPLETIONS_PATH}`,
    method: 'POST',
    headers: REQUEST_HEADERS,
    body: CHAT_REQUEST_BODY,
    connections,
    pipelining: 1,
    duration: durationSeconds,
  });
}

function failuresOf(result: Result): number {
  return result.non2xx + result.errors + result.timeouts;
}

interface Round {
  result: Result;
  cpuPerRequestUs: number;
}

async function measureRound(target: LoadTarget, settings: ClosedLoopSettings): Promise<Round> {
  const cpuBefore = await target.cpuMicros();
  const result = await fireChatCompletions(target.url, settings.connections, settings.durationSeconds);
  const cpuAfter = await target.cpuMicros();
  return { result, cpuPerRequestUs: result.requests.total > 0 ? (cpuAfter - cpuBefore) / result.requests.total : 0 };
}

export function median(values: readonly number[]): number {
  return percentileOfSorted([...values].sort((a, b) => a - b), 50);
}

function summarise(rounds: readonly Round[], warmupFailures: number): ClosedLoopResult {
  const sum = (pick: (result: Result) => number) => rounds.reduce((total, round) => total + pick(round.result), 0);
  const roundsRequestsPerSecond = rounds.map((round) => round.result.requests.total / round.result.duration);
  return {
    requestsPerSecond: median(roundsRequestsPerSecond),
    completedRequests: sum((result) => result.requests.total),
    latencyP50Ms: median(rounds.map((round) => round.result.latency.p50)),
    latencyP99Ms: median(rounds.map((round) => round.result.latency.p99)),
    latencyMeanMs: median(rounds.map((round) => round.result.latency.average)),
    non2xx: sum((result) => result.non2xx),
    errors: sum((result) => result.errors),
    timeouts: sum((result) => result.timeouts),
    warmupFailures,
    cpuPerRequestUs: median(rounds.map((round) => round.cpuPerRequestUs)),
    roundsRequestsPerSecond,
    roundsCpuPerRequestUs: rounds.map((round) => round.cpuPerRequestUs),
  };
}

/**
 * Closed-loop throughput: every connection sends its next request as soon as the last one
 * answers. Each target is warmed up, then measured in several short rounds, every round visiting
 * every target in a rotating order, so drift on a shared machine falls on all of them alike.
 */
export async function measureClosedLoopInterleaved<Name extends string>(targets: Record<Name, LoadTarget>, names: readonly Name[], settings: ClosedLoopSettings, progress: (line: string) => void): Promise<Record<Name, ClosedLoopResult>> {
  const warmupFailures = new Map<Name, number>();
  for (const name of names) {
    progress(`closed loop: warming up ${name}`);
    warmupFailures.set(name, settings.warmupSeconds > 0 ? failuresOf(await fireChatCompletions(targets[name].url, settings.connections, settings.warmupSeconds)) : 0);
  }
  const rounds = new Map<Name, Round[]>(names.map((name) => [name, []]));
  for (let round = 0; round < settings.rounds; round++) {
    const order = names.map((_, index) => names[(index + round) % names.length] as Name);
    progress(`closed loop: round ${round + 1}/${settings.rounds} (${order.join(', ')})`);
    for (const name of order) rounds.get(name)?.push(await measureRound(targets[name], settings));
  }
  const results = {} as Record<Name, ClosedLoopResult>;
  for (const name of names) results[name] = summarise(rounds.get(name) ?? [], warmupFailures.get(name) ?? 0);
  return results;
}
