import { Pool } from 'undici';
import { CHAT_COMPLETIONS_PATH, CHAT_REQUEST_BODY } from './fixtures.js';
import type { LatencySummary } from './statistics.js';
import { summarizeLatencies } from './statistics.js';

export interface SequentialSettings {
  requests: number;
  warmupRequests: number;
}

export interface SequentialResult extends LatencySummary {
  requests: number;
  failed: number;
}

const REQUEST_HEADERS = { 'content-type': 'application/json' };

/** One request on the pool's single connection, timed from send to the last body byte; undefined when not 2xx. */
async function timeOneRequest(pool: Pool): Promise<number | undefined> {
  const started = process.hrtime.bigint();
  const response = await pool.request({ path: CHAT_COMPLETIONS_PATH, method: 'POST', headers: REQUEST_HEADERS, body: CHAT_REQUEST_BODY });
  await response.body.arrayBuffer();
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  return response.statusCode >= 200 && response.statusCode < 300 ? elapsedMs : undefined;
}

async function timeRequests(pool: Pool, count: number): Promise<{ latenciesMs: number[]; failed: number }> {
  const latenciesMs: number[] = [];
  let failed = 0;
  for (let index = 0; index < count; index++) {
    const elapsedMs = await timeOneRequest(pool);
    if (elapsedMs === undefined) failed++;
    else latenciesMs.push(elapsedMs);
  }
  return { latenciesMs, failed };
}

/** Sequential latency: one keep-alive connection, one request in flight, so queueing never adds to it. */
export async function measureSequential(baseUrl: string, settings: SequentialSettings): Promise<SequentialResult> {
  const pool = new Pool(baseUrl, { connections: 1, pipelining: 1 });
  try {
    const warmup = await timeRequests(pool, settings.warmupRequests);
    const measured = await timeRequests(pool, settings.requests);
    return { ...summarizeLatencies(measured.latenciesMs), requests: settings.requests, failed: warmup.failed + measured.failed };
  } finally {
    await pool.close();
  }
}
