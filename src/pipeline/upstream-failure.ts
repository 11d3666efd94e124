import { GatewayError } from '../errors/gateway-error.js';
import type { UpstreamErrorInfo } from '../providers/spec.js';
import type { FailureClass } from '../resilience/failure-class.js';
import { classifyFailure } from '../resilience/failure-class.js';
import type { HeaderBag } from '../resilience/rate-limit-hints.js';
import { readRateLimitHints } from '../resilience/rate-limit-hints.js';
import type { NetworkFailure } from '../upstream/transport.js';
import type { AttemptOutcome } from './request-context.js';

/** Why one attempt failed. A value inside the attempt loop, not an exception. */
export interface UpstreamFailure {
  outcome: AttemptOutcome;
  status: number | undefined;
  message: string;
  failureClass: FailureClass;
  /** How long the provider asked us to leave this key alone (Retry-After and its relatives). */
  retryAfterMs: number | undefined;
}

/** The request itself is at fault (or refused for its content): retrying elsewhere would not help, unless a fallback is meant for it. */
export function isRequestFault(failure: UpstreamFailure): boolean {
  return failure.failureClass === 'client_error' || failure.failureClass === 'context_window' || failure.failureClass === 'content_policy';
}

export function httpFailure(status: number, info: UpstreamErrorInfo, headers: HeaderBag): UpstreamFailure {
  const failureClass = classifyFailure({ status, errorType: info.type, message: info.message });
  const retryAfterMs = status === 429 || status === 503 || status === 529 ? readRateLimitHints(headers, Date.now()).retryAfterMs : undefined;
  return { outcome: 'http_error', status, message: info.message, failureClass, retryAfterMs };
}

export function networkFailure(failure: NetworkFailure): UpstreamFailure {
  return { outcome: failure.isTimeout ? 'timeout' : 'network_error', status: undefined, message: failure.message, failureClass: 'transient', retryAfterMs: undefined };
}

/** A 2xx the gateway cannot read (not JSON, say): another route may do better. */
export function invalidResponse(message: string): UpstreamFailure {
  return { outcome: 'invalid_response', status: undefined, message, failureClass: 'transient', retryAfterMs: undefined };
}

/** A stream that broke before its first content: retried like any transient failure. */
export function streamFailure(message: string): UpstreamFailure {
  return { outcome: 'stream_error', status: undefined, message, failureClass: 'transient', retryAfterMs: undefined };
}

export interface FailedAttempt {
  provider: string;
  key: string;
  failure: UpstreamFailure;
}

/** The error a client gets when no attempt succeeded (SPEC section 4). */
export function finalError(failed: readonly FailedAttempt[]): GatewayError {
  const last = failed[failed.length - 1];
  if (last === undefined) return new GatewayError('no_healthy_target', 'no provider key is available for this model (every key is drained or excluded by its model lists)');
  if (isRequestFault(last.failure) && last.failure.status !== undefined) {
    const status = last.failure.status;
    const code = status === 404 ? 'model_not_found' : status === 413 ? 'payload_too_large' : 'invalid_request';
    return new GatewayError(code, last.failure.message, { status });
  }
  const summary = failed.map(({ provider, key, failure }) => `${provider}/${key}: ${failure.status ?? failure.message}`).join('; ');
  if (failed.every(({ failure }) => failure.outcome === 'timeout')) {
    return new GatewayError('upstream_timeout', `every upstream attempt timed out (${summary})`);
  }
  const detail = last.failure.status === undefined ? '' : ` Last error: ${last.failure.message}`;
  return new GatewayError('upstream_error', `every upstream attempt failed (${summary}).${detail}`);
}
