import { performance } from 'node:perf_hooks';
import type { RuntimeProvider } from '../config/runtime-config.js';
import type { UpstreamCall } from '../providers/spec.js';
import type { UpstreamResponse, UpstreamTransport } from '../upstream/transport.js';
import { classifyNetworkError } from '../upstream/transport.js';
import type { AttemptResult } from './attempt-loop.js';
import type { RequestContext } from './request-context.js';
import type { UpstreamFailure } from './upstream-failure.js';
import { httpFailure, networkFailure, streamFailure } from './upstream-failure.js';

/** Abort signals one request listens to: the client going away, and the gateway shutting down. */
export class RequestSignals {
  readonly client = new AbortController();
  readonly shutdown: AbortSignal;

  constructor(shutdown: AbortSignal) {
    this.shutdown = shutdown;
  }

  get clientGone(): boolean {
    return this.client.signal.aborted;
  }

  /** The signal for one attempt: client, shutdown, or the provider's total time limit. */
  forAttempt(totalMs: number): { signal: AbortSignal; timeout: AbortSignal } {
    const timeout = AbortSignal.timeout(totalMs);
    return { signal: AbortSignal.any([this.client.signal, this.shutdown, timeout]), timeout };
  }
}

export interface SentCall {
  response: UpstreamResponse;
  signal: AbortSignal;
  timeout: AbortSignal;
}

/** Sends one call; a network failure or a non-2xx status comes back as a failure value. */
export async function sendCall(transport: UpstreamTransport, provider: RuntimeProvider, call: UpstreamCall, signals: RequestSignals): Promise<AttemptResult<SentCall>> {
  const { signal, timeout } = signals.forAttempt(provider.timeouts.total_ms);
  let response: UpstreamResponse;
  try {
    response = await transport.send(call, provider.timeouts, signal);
  } catch (error) {
    return { ok: false, failure: networkFailure(classifyNetworkError(error, timeout.aborted, signals.clientGone)) };
  }
  if (response.statusCode >= 400) return { ok: false, failure: await readErrorResponse(response, provider, signals, timeout) };
  return { ok: true, value: { response, signal, timeout } };
}

async function readErrorResponse(response: UpstreamResponse, provider: RuntimeProvider, signals: RequestSignals, timeout: AbortSignal): Promise<UpstreamFailure> {
  let text = '';
  try {
    text = await response.body.text();
  } catch (error) {
    return networkFailure(classifyNetworkError(error, timeout.aborted, signals.clientGone));
  }
  const info = provider.adapter.parseError(response.statusCode, text);
  return httpFailure(response.statusCode, info.message);
}

/** Sends a call and reads a whole JSON response (non-stream requests). */
export async function callForJson(
  transport: UpstreamTransport,
  provider: RuntimeProvider,
  call: UpstreamCall,
  signals: RequestSignals,
  context: RequestContext,
  startedAt: number,
): Promise<AttemptResult<{ text: string; json: unknown }>> {
  const sent = await sendCall(transport, provider, call, signals);
  if (!sent.ok) return sent;
  let text: string;
  try {
    text = await sent.value.response.body.text();
  } catch (error) {
    return { ok: false, failure: networkFailure(classifyNetworkError(error, sent.value.timeout.aborted, signals.clientGone)) };
  }
  context.upstreamMs += performance.now() - startedAt;
  try {
    return { ok: true, value: { text, json: JSON.parse(text) as unknown } };
  } catch {
    return { ok: false, failure: streamFailure(`upstream returned a ${sent.value.response.statusCode} whose body is not JSON`) };
  }
}
