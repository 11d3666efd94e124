import type { EventEmitter } from 'node:events';
import { Agent, errors as undiciErrors, request } from 'undici';
import type { Dispatcher } from 'undici';
import type { Timeouts } from '../config/schema.js';
import type { UpstreamCall } from '../providers/spec.js';
import type { AbortRegistry, BufferedResponse } from './buffered-exchange.js';
import { BufferedExchange } from './buffered-exchange.js';

export type UpstreamResponse = Dispatcher.ResponseData;

/** The per-attempt time limits the gateway enforces itself (undici's own timers are about 1 s coarse). */
export type TimeLimit = 'first_byte' | 'total';

/** Why an upstream call failed without an HTTP status. */
export type NetworkFailureKind = 'connect_timeout' | 'first_byte_timeout' | 'idle_timeout' | 'total_timeout' | 'connection' | 'aborted';

export class NetworkFailure extends Error {
  readonly kind: NetworkFailureKind;

  constructor(kind: NetworkFailureKind, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'NetworkFailure';
    this.kind = kind;
  }

  get isTimeout(): boolean {
    return this.kind.endsWith('_timeout');
  }
}

/**
 * Sends upstream calls over pooled keep-alive connections. One undici Agent per connect
 * timeout (Agents keep a Pool per origin), kept across config reloads so sockets survive them.
 */
export class UpstreamTransport {
  private readonly agents = new Map<number, Agent>();

  send(call: UpstreamCall, timeouts: Timeouts, signal: AbortSignal | EventEmitter): Promise<UpstreamResponse> {
    return request(call.url, {
      method: call.method,
      headers: call.headers,
      body: call.body,
      signal,
      dispatcher: this.agentFor(timeouts.connect_ms),
      headersTimeout: timeouts.first_byte_ms,
      bodyTimeout: timeouts.idle_ms,
    });
  }

  /** Sends a call and reads the whole response; rejects with undici's error on a network failure. */
  sendBuffered(call: UpstreamCall, timeouts: Timeouts, registry: AbortRegistry): Promise<BufferedResponse> {
    const exchange = new BufferedExchange(registry);
    const pathStart = call.url.indexOf('/', call.url.indexOf('//') + 2);
    this.agentFor(timeouts.connect_ms).dispatch(
      {
        origin: pathStart === -1 ? call.url : call.url.slice(0, pathStart),
        path: pathStart === -1 ? '/' : call.url.slice(pathStart),
        method: call.method,
        headers: call.headers,
        body: call.body,
        headersTimeout: timeouts.first_byte_ms,
        bodyTimeout: timeouts.idle_ms,
      },
      exchange,
    );
    return exchange.done;
  }

  async close(): Promise<void> {
    const agents = [...this.agents.values()];
    this.agents.clear();
    await Promise.all(agents.map((agent) => agent.close()));
  }

  private agentFor(connectTimeout: number): Agent {
    let agent = this.agents.get(connectTimeout);
    if (agent === undefined) {
      agent = new Agent({ connect: { timeout: connectTimeout }, keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000, connections: 256, pipelining: 1 });
      this.agents.set(connectTimeout, agent);
    }
    return agent;
  }
}

/** Classifies what undici threw into the gateway's network failure kinds. */
export function classifyNetworkError(error: unknown, timedOut: TimeLimit | undefined, clientGone: boolean): NetworkFailure {
  if (clientGone) return new NetworkFailure('aborted', 'the client closed the connection', error);
  if (timedOut === 'first_byte') return new NetworkFailure('first_byte_timeout', 'no response before the first-byte timeout', error);
  if (timedOut === 'total') return new NetworkFailure('total_timeout', 'the total time limit passed', error);
  if (error instanceof undiciErrors.ConnectTimeoutError) return new NetworkFailure('connect_timeout', 'connecting timed out', error);
  if (error instanceof undiciErrors.HeadersTimeoutError) return new NetworkFailure('first_byte_timeout', 'no response before the first-byte timeout', error);
  if (error instanceof undiciErrors.BodyTimeoutError) return new NetworkFailure('idle_timeout', 'the response stalled past the idle timeout', error);
  const code = (error as { code?: unknown }).code;
  const detail = typeof code === 'string' ? code : error instanceof Error ? error.message : 'unknown error';
  return new NetworkFailure('connection', `connection failed (${detail})`, error);
}
