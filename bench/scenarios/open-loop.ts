import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { CHAT_COMPLETIONS_PATH } from '../fixtures.js';
import { PUBLIC_MODEL } from './gateway-config.js';

/** One client request: when it was due (ms from the run's start), how long it took, what came back. */
export interface RequestRecord {
  sentAtMs: number;
  /** From the time the request was due to the last body byte (or the error): queueing in the client counts. */
  latencyMs: number;
  /** HTTP status; 0 when there was none (connection error or client timeout). */
  status: number;
  /** The route that served it, from the gateway's response header; undefined when the request failed. */
  route: string | undefined;
}

export const NO_STATUS = 0;

export interface OpenLoopOptions {
  url: string;
  requestsPerSecond: number;
  totalRequests: number;
  routeHeader: string;
  timeoutMs: number;
  /** performance.now() at the run's time 0. */
  startedAt: number;
}

const REQUEST_BODY = Buffer.from(JSON.stringify({ model: PUBLIC_MODEL, messages: [{ role: 'user', content: 'Say hello' }] }));
const REQUEST_HEADERS = { 'content-type': 'application/json' };
/** Enough sockets that a burst of slow or queued requests never waits for one in the client. */
const MAX_CONNECTIONS = 1024;

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * An open-loop load: request i is due at i / rate seconds whether or not earlier ones have
 * answered, so a slow gateway gets more concurrent requests instead of fewer (no coordinated
 * omission). The owner calls `sendDue` often; requests that fell behind schedule go out at once
 * and are timed from when they were due.
 */
export class OpenLoopLoad {
  readonly records: RequestRecord[] = [];
  private sent = 0;
  private readonly pending = new Set<Promise<void>>();
  private readonly pool: Pool;
  private readonly intervalMs: number;

  constructor(private readonly options: OpenLoopOptions) {
    this.pool = new Pool(options.url, { connections: MAX_CONNECTIONS, pipelining: 1, keepAliveTimeout: 30_000, headersTimeout: options.timeoutMs, bodyTimeout: options.timeoutMs });
    this.intervalMs = 1000 / options.requestsPerSecond;
  }

  sendDue(elapsedMs: number): void {
    while (this.sent < this.options.totalRequests && this.sent * this.intervalMs <= elapsedMs) {
      const dueAtMs = this.sent * this.intervalMs;
      this.sent++;
      const request = this.send(dueAtMs);
      this.pending.add(request);
      void request.finally(() => this.pending.delete(request));
    }
  }

  get inFlight(): number {
    return this.pending.size;
  }

  /** Resolves once every request sent has answered or timed out (bounded by the client timeout). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  close(): Promise<void> {
    return this.pool.destroy();
  }

  private async send(dueAtMs: number): Promise<void> {
    const dueAt = this.options.startedAt + dueAtMs;
    let status = NO_STATUS;
    let route: string | undefined;
    try {
      const response = await this.pool.request({
        path: CHAT_COMPLETIONS_PATH,
        method: 'POST',
        headers: REQUEST_HEADERS,
        body: REQUEST_BODY,
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      await response.body.text();
      status = response.statusCode;
      if (status >= 200 && status < 300) route = headerText(response.headers[this.options.routeHeader]);
    } catch {
      status = NO_STATUS;
    }
    this.records.push({ sentAtMs: dueAtMs, latencyMs: performance.now() - dueAt, status, route });
  }
}
