import { performance } from 'node:perf_hooks';
import type { RuntimeConfig, RuntimeKey, RuntimeRoute, RuntimeTarget } from '../config/runtime-config.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { AdapterTarget } from '../providers/spec.js';
import { resolveModel } from '../routing/resolve-model.js';
import type { RequestContext } from './request-context.js';
import type { RequestSignals } from './request-signals.js';
import type { FailedAttempt, UpstreamFailure } from './upstream-failure.js';
import { finalError } from './upstream-failure.js';

/** One route of the chain, with its position: 0 is the primary, n the n-th fallback. */
export interface ChainLink {
  route: RuntimeRoute;
  fallbackIndex: number;
}

export type AttemptResult<T> = { ok: true; value: T } | { ok: false; failure: UpstreamFailure };

/** Everything an operation needs to make one attempt. */
export interface Attempt {
  target: RuntimeTarget;
  key: RuntimeKey;
  adapterTarget: AdapterTarget;
  startedAt: number;
}

/**
 * The routes a request may use, in order: the requested model, its group's fallbacks, then the
 * request's own `fallbacks`. Request fallback names are resolved up front so a typo is a 404
 * naming the field, not a failure discovered mid-request.
 */
export function buildChain(config: RuntimeConfig, primary: RuntimeRoute, requestFallbacks: readonly string[] | undefined): ChainLink[] {
  const chain: ChainLink[] = [{ route: primary, fallbackIndex: 0 }];
  const names = requestFallbacks === undefined ? primary.fallbacks : [...primary.fallbacks, ...requestFallbacks];
  names.forEach((name, index) => {
    try {
      chain.push({ route: resolveModel(config, name), fallbackIndex: index + 1 });
    } catch (error) {
      if (!(error instanceof GatewayError) || index < primary.fallbacks.length) throw error;
      const param = `fallbacks[${index - primary.fallbacks.length}]`;
      throw new GatewayError(error.code, `${param}: ${error.message}`, { param });
    }
  });
  return chain;
}

/**
 * Walks the chain, one attempt per route, until an operation succeeds, the upstream says the
 * request itself is at fault, or `routing.max_total_attempts` is reached. Retries within a
 * route (other keys, backoff) slot in here.
 */
export async function runAttempts<T>(
  context: RequestContext,
  config: RuntimeConfig,
  chain: readonly ChainLink[],
  signals: RequestSignals,
  operation: (attempt: Attempt) => Promise<AttemptResult<T>>,
): Promise<T> {
  const failed: FailedAttempt[] = [];
  for (const link of chain) {
    if (context.attemptsStarted >= config.routing.max_total_attempts) break;
    const target = link.route.picker.pick();
    const key = target?.provider.keyPool.eligible(target.model).pick();
    if (target === undefined || key === undefined) continue;

    context.provider = target.provider.id;
    context.model = target.model;
    context.keyId = key.id;
    context.fallbackIndex = link.fallbackIndex;
    context.attemptsStarted++;
    const startedAt = performance.now();
    const adapterTarget: AdapterTarget = { model: target.model, baseUrl: target.provider.baseUrl, key, headers: target.provider.headers };
    let result: AttemptResult<T>;
    try {
      result = await operation({ target, key, adapterTarget, startedAt });
    } finally {
      signals.endAttempt();
    }
    const durationMs = performance.now() - startedAt;
    if (result.ok) {
      context.attempts.push({ provider: target.provider.id, model: target.model, key: key.id, fallback: link.fallbackIndex, status: 200, outcome: 'ok', reason: 'ok', durationMs });
      return result.value;
    }
    const failure = result.failure;
    context.upstreamMs += durationMs;
    context.attempts.push({ provider: target.provider.id, model: target.model, key: key.id, fallback: link.fallbackIndex, status: failure.status, outcome: failure.outcome, reason: failure.message, durationMs });
    failed.push({ provider: target.provider.id, key: key.id, failure });
    if (failure.passThrough || signals.clientGone || signals.shuttingDown) break;
  }
  throw finalError(failed);
}
