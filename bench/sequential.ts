import { Pool } from 'undici';
import { CHAT_COMPLETIONS_PATH, CHAT_REQUEST_BODY, REQUEST_HEADERS } from './fixtures.js';
import type { LatencySummary } from './statistics.js';
import { mean, summarizeLatencies } from './statistics.js';

export interface SequentialSettings {
  requests: number;
  warmupRequests: number;
}

export interface SequentialResult extends LatencySummary {
  requests: number;
  failed: number;
  /** Mean of the gateway's own `x-switchyard-overhead-ms` (time in the gateway, upstream excluded); null for other targets. */
  reportedOverheadMeanMs: number | null;
}

interface Timed {
  elapsedMs: number;
  reportedOverheadMs: number | undefined;
}

/** One request on the pool's single connection, timed from send to the last body byte; undefined when not 2xx. */
async function timeOneRequest(pool: Pool): Promise<Timed | undefined> {
  const started = process.hrtime.bigint();
  const response = await pool.request({ path: CHAT_COMPLETIONS_PATH, method: 'POST', headers: REQUEST_HEADERS, body: CHAT_REQUEST_BODY });
  await response.body.arrayBuffer();
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  const overhead = response.headers['x-switchyard-overhead-ms'];
  const reportedOverheadMs = typeof overhead === 'string' ? Number(overhead) : undefined;
  return response.statusCode >= 200 && response.statusCode < 300 ? { elapsedMs, reportedOverheadMs } : undefined;
}

/**
 * Sequential latency of several targets, interleaved: each round sends one request to every
 * target (in a rotating order), each on its own single keep-alive connection, one request in
 * flight at a time. Whatever the machine does meanwhile (other processes, a VM's hiccups) falls
 * on every target alike, so the differences between them are what the proxies add.
 */
export async function measureSequentialInterleaved<Name extends string>(urls: Record<Name, string>, settings: SequentialSettings): Promise<Record<Name, SequentialResult>> {
  const names = Object.keys(urls) as Name[];
  const pools = names.map((name) => new Pool(urls[name], { connections: 1, pipelining: 1 }));
  const latencies = names.map((): number[] => []);
  const overheads = names.map((): number[] => []);
  const failed = names.map(() => 0);
  try {
    for (let round = 0; round < settings.warmupRequests + settings.requests; round++) {
      for (let step = 0; step < names.length; step++) {
        const index = (round + step) % names.length;
        const timed = await timeOneRequest(pools[index] as Pool);
        if (timed === undefined) failed[index] = (failed[index] ?? 0) + 1;
        else if (round >= settings.warmupRequests) {
          latencies[index]?.push(timed.elapsedMs);
          if (timed.reportedOverheadMs !== undefined) overheads[index]?.push(timed.reportedOverheadMs);
        }
      }
    }
  } finally {
    await Promise.all(pools.map((pool) => pool.close()));
  }
  const results: Partial<Record<Name, SequentialResult>> = {};
  names.forEach((name, index) => {
    const reported = overheads[index] ?? [];
    results[name] = { ...summarizeLatencies(latencies[index] ?? []), requests: settings.requests, failed: failed[index] ?? 0, reportedOverheadMeanMs: reported.length === 0 ? null : mean(reported) };
  });
  return results as Record<Name, SequentialResult>;
}
