import { GatewayError } from '../errors/gateway-error.js';
import type { NetworkFailure } from '../upstream/transport.js';
import type { AttemptOutcome } from './request-context.js';

/** Statuses that mean the client's request is at fault: passed through, never retried (SPEC section 6). */
const CLIENT_FAULT_STATUSES = new Set([400, 404, 413, 422]);

/** Why one attempt failed. A value inside the attempt loop, not an exception. */
export interface UpstreamFailure {
  outcome: AttemptOutcome;
  status: number | undefined;
  message: string;
  /** The client's own fault as reported by the upstream: stop and pass it through. */
  passThrough: boolean;
}

export function httpFailure(status: number, message: string): UpstreamFailure {
  return { outcome: 'http_error', status, message, passThrough: CLIENT_FAULT_STATUSES.has(status) };
}

export function networkFailure(failure: NetworkFailure): UpstreamFailure {
  return { outcome: failure.isTimeout ? 'timeout' : 'network_error', status: undefined, message: failure.message, passThrough: false };
}

/** A 2xx the gateway cannot read (not JSON, say): another route may do better. */
export function invalidResponse(message: string): UpstreamFailure {
  return { outcome: 'invalid_response', status: undefined, message, passThrough: false };
}

export function streamFailure(message: string): UpstreamFailure {
  return { outcome: 'stream_error', status: undefined, message, passThrough: false };
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
  if (last.failure.passThrough && last.failure.status !== undefined) {
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
