import { performance } from 'node:perf_hooks';
import type { RuntimeKey, RuntimeProvider } from '../config/runtime-config.js';
import type { HeaderBag } from '../resilience/rate-limit-hints.js';
import { readRateLimitHints } from '../resilience/rate-limit-hints.js';
import type { UpstreamCall } from '../providers/spec.js';
import type { BufferedResponse } from '../upstream/buffered-exchange.js';
import type { UpstreamResponse, UpstreamTransport } from '../upstream/transport.js';
import { classifyNetworkError } from '../upstream/transport.js';
import type { AttemptResult } from './attempt-loop.js';
import type { RequestContext } from './request-context.js';
import type { RequestSignals } from './request-signals.js';
import type { UpstreamFailure } from './upstream-failure.js';
import { httpFailure, invalidResponse, networkFailure } from './upstream-failure.js';

/** Sends one call; a network failure or a non-2xx status comes back as a failure value. */
/** Feeds a response's rate-limit headers, when it has any, to the key's quota tracker. */
export function observeQuota(key: RuntimeKey, headers: HeaderBag): void {
  if (headers['x-ratelimit-remaining-requests'] === undefined && headers['x-ratelimit-remaining-tokens'] === undefined && headers['anthropic-ratelimit-requests-remaining'] === undefined && headers['anthropic-ratelimit-tokens-remaining'] === undefined && headers['anthropic-ratelimit-input-tokens-remaining'] === undefined) return;
  key.quota.observe(readRateLimitHints(headers, Date.now()), performance.now());
}

export async function sendCall(transport: UpstreamTransport, provider: RuntimeProvider, key: RuntimeKey, call: UpstreamCall, signals: RequestSignals): Promise<AttemptResult<UpstreamResponse>> {
  const signal = signals.beginAttempt(provider.timeouts);
  let response: UpstreamResponse;
  try {
    response = await transport.send(call, provider.timeouts, signal);
    signals.headersReceived();
    observeQuota(key, response.headers);
  } catch (error) {
    return { ok: false, failure: networkFailure(classifyNetworkError(error, signals.timedOut, signals.clientGone)) };
  }
  if (response.statusCode >= 400) return { ok: false, failure: await readErrorResponse(response, provider, signals) };
  return { ok: true, value: response };
}

async function readErrorResponse(response: UpstreamResponse, provider: RuntimeProvider, signals: RequestSignals): Promise<UpstreamFailure> {
  let text = '';
  try {
    text = await response.body.text();
  } catch (error) {
    return networkFailure(classifyNetworkError(error, signals.timedOut, signals.clientGone));
  }
  return httpFailure(response.statusCode, provider.adapter.parseError(response.statusCode, text), response.headers);
}

/** Sends a call and reads a whole JSON response (non-stream requests). */
export async function callForJson(
  transport: UpstreamTransport,
  provider: RuntimeProvider,
  key: RuntimeKey,
  call: UpstreamCall,
  signals: RequestSignals,
  context: RequestContext,
  startedAt: number,
): Promise<AttemptResult<{ bytes: Buffer; json: unknown }>> {
  context.trace?.propagate(call.headers);
  let response: BufferedResponse;
  try {
    response = await transport.sendBuffered(call, provider.timeouts, signals.beginAttempt(provider.timeouts));
  } catch (error) {
    return { ok: false, failure: networkFailure(classifyNetworkError(error, signals.timedOut, signals.clientGone)) };
  }
  context.upstreamMs += performance.now() - startedAt;
  observeQuota(key, response.headers);
  const bytes = response.body;
  if (response.status >= 400) {
    return { ok: false, failure: httpFailure(response.status, provider.adapter.parseError(response.status, bytes.toString('utf8')), response.headers) };
  }
  try {
    return { ok: true, value: { bytes, json: JSON.parse(bytes.toString('utf8')) as unknown } };
  } catch {
    return { ok: false, failure: invalidResponse(`upstream returned a ${response.status} whose body is not JSON`) };
  }
}
