import autocannon from 'autocannon';
import type { Result } from 'autocannon';
import { CHAT_COMPLETIONS_PATH, CHAT_REQUEST_BODY, REQUEST_HEADERS } from './fixtures.js';

export interface ClosedLoopSettings {
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
}

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

function toClosedLoopResult(result: Result, warmupFailures: number): ClosedLoopResult {
  return {
    requestsPerSecond: result.requests.total / result.duration,
    completedRequests: result.requests.total,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    latencyMeanMs: result.latency.average,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    warmupFailures,
  };
}

/** Closed-loop throughput: every connection sends its next request as soon as the last one answers. */
export async function measureClosedLoop(baseUrl: string, settings: ClosedLoopSettings): Promise<ClosedLoopResult> {
  const warmup = settings.warmupSeconds > 0 ? await fireChatCompletions(baseUrl, settings.connections, settings.warmupSeconds) : undefined;
  const measured = await fireChatCompletions(baseUrl, settings.connections, settings.durationSeconds);
  return toClosedLoopResult(measured, warmup === undefined ? 0 : failuresOf(warmup));
}
