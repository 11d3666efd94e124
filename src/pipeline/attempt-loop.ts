import { performance } from 'node:perf_hooks';
import type { RuntimeConfig, RuntimeKey, RuntimeRoute, RuntimeTarget } from '../config/runtime-config.js';
import type { FallbackTrigger, Strategy } from '../config/schema.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { AdapterTarget } from '../providers/spec.js';
import { backoffDelayMs } from '../resilience/backoff.js';
import type { FailureClass } from '../resilience/failure-class.js';
import type { Balancer } from '../routing/balancers.js';
import { createBalancer } from '../routing/balancers.js';
import { resolveModel } from '../routing/resolve-model.js';
import type { AttemptRecord, RequestContext } from './request-context.js';
import type { RequestSignals } from './request-signals.js';
import type { FailedAttempt, UpstreamFailure } from './upstream-failure.js';
import { finalError, isRequestFault } from './upstream-failure.js';

/** One route of the chain, with its position (0 is the primary, n the n-th fallback) and when it applies. */
export interface ChainLink {
  route: RuntimeRoute;
  fallbackIndex: number;
  /** Failures of the routes before it that send a request here; undefined for the primary. */
  on: ReadonlySet<FallbackTrigger> | undefined;
}

export type AttemptResult<T> = { ok: true; value: T } | { ok: false; failure: UpstreamFailure };

/** Everything an operation needs to make one attempt. */
export interface Attempt {
  target: RuntimeTarget;
  key: RuntimeKey;
  adapterTarget: AdapterTarget;
  startedAt: number;
}

/** Per-request overrides of routing (SPEC section 3 headers). */
export interface RoutingOverrides {
  strategy: Strategy | undefined;
  maxAttemptsPerTarget: number | undefined;
  timeoutMs: number | undefined;
  sessionKey: string | undefined;
}

/** Shared by every request that sends no routing header. */
export const NO_OVERRIDES: RoutingOverrides = Object.freeze({ strategy: undefined, maxAttemptsPerTarget: undefined, timeoutMs: undefined, sessionKey: undefined });

const REQUEST_FALLBACK_TRIGGERS: ReadonlySet<FallbackTrigger> = new Set(['error']);

/**
 * The routes a request may use, in order: the requested model, its group's fallbacks, then the
 * request's own `fallbacks`. Request fallback names are resolved up front so a typo is a 404
 * naming the field, not a failure discovered mid-request.
 */
export function buildChain(config: RuntimeConfig, primary: RuntimeRoute, requestFallbacks: readonly string[] | undefined): ChainLink[] {
  const chain: ChainLink[] = [{ route: primary, fallbackIndex: 0, on: undefined }];
  for (const fallback of primary.fallbacks) chain.push({ route: resolveModel(config, fallback.name), fallbackIndex: chain.length, on: fallback.on });
  requestFallbacks?.forEach((name, index) => {
    try {
      chain.push({ route: resolveModel(config, name), fallbackIndex: chain.length, on: REQUEST_FALLBACK_TRIGGERS });
    } catch (error) {
      if (!(error instanceof GatewayError)) throw error;
      throw new GatewayError(error.code, `fallbacks[${index}]: ${error.message}`, { param: `fallbacks[${index}]` });
    }
  });
  return chain;
}

/** What made a target give up, for the chain to decide where to go next. */
type TargetOutcome<T> = { kind: 'success'; value: T } | { kind: 'stop'; failure: UpstreamFailure } | { kind: 'exhausted' };

function triggerOf(failureClass: FailureClass | undefined): FallbackTrigger {
  if (failureClass === 'context_window' || failureClass === 'content_policy') return failureClass;
  return 'error';
}

/**
 * Walks a request's chain (SPEC section 6): within a route, targets in the strategy's order;
 * within a target, keys — a 429 or a rejected key moves to the next key at once without using
 * up a backoff attempt, a transient failure backs off with jitter up to `retry.max_attempts`;
 * then the fallbacks whose `on` matches the failure. When everything is cooling down, the
 * request waits in a bounded queue for the first route to come back, until its deadline.
 */
class AttemptRun<T> {
  private readonly failed: FailedAttempt[] = [];
  private readonly deadline: number;
  private lastClass: FailureClass | undefined = undefined;
  /** Any failure in this pass that was not a rate limit: a new pass would only repeat it. */
  private hardFailure = false;

  constructor(
    private readonly context: RequestContext,
    private readonly config: RuntimeConfig,
    private readonly signals: RequestSignals,
    private readonly overrides: RoutingOverrides,
    private readonly operation: (attempt: Attempt) => Promise<AttemptResult<T>>,
    /** The request's estimated tokens, input and output: a key whose quota cannot take it is passed over. */
    private readonly estimatedTokens: number,
  ) {
    this.deadline = context.startedAt + (overrides.timeoutMs ?? config.routing.request_timeout_ms);
    signals.requestDeadline = this.deadline;
  }

  async run(chain: readonly ChainLink[]): Promise<T> {
    for (;;) {
      this.hardFailure = false;
      const outcome = await this.walkChain(chain);
      if (outcome.kind === 'success') return outcome.value;
      if (outcome.kind === 'stop') throw finalError(this.failed);
      const wait = this.hardFailure ? undefined : this.queueWait(chain);
      if (wait === undefined) throw this.exhaustedError(chain);
      await this.waitInQueue(wait);
    }
  }

  private async walkChain(chain: readonly ChainLink[]): Promise<TargetOutcome<T>> {
    let stopped: UpstreamFailure | undefined;
    for (const link of chain) {
      if (link.on !== undefined && !link.on.has(triggerOf(this.lastClass))) continue;
      const outcome = await this.tryRoute(link);
      if (outcome.kind === 'success') return outcome;
      if (outcome.kind === 'stop') {
        if (outcome.failure.failureClass === 'client_error') return outcome;
        stopped = outcome.failure;
      }
      if (this.isOutOfBudget()) break;
    }
    return stopped === undefined ? { kind: 'exhausted' } : { kind: 'stop', failure: stopped };
  }

  private async tryRoute(link: ChainLink): Promise<TargetOutcome<T>> {
    const balancer = this.routeBalancer(link.route);
    let tried = this.disallowedTargets(link.route);
    for (;;) {
      const target = balancer.pick({ candidates: link.route.targets, tried, now: performance.now(), random: Math.random(), sessionKey: this.overrides.sessionKey });
      if (target === undefined) return { kind: 'exhausted' };
      const outcome = await this.tryTarget(target, link.fallbackIndex);
      if (outcome.kind !== 'exhausted' || this.isOutOfBudget()) return outcome;
      tried ??= new Set();
      tried.add(target);
    }
  }

  /** Targets whose provider the request's virtual key may not use: they count as tried from the start. */
  private disallowedTargets(route: RuntimeRoute): Set<RuntimeTarget> | undefined {
    const allowed = this.context.principal?.providers;
    if (allowed === undefined) return undefined;
    const disallowed = route.targets.filter((target) => !allowed.has(target.provider.id));
    return disallowed.length === 0 ? undefined : new Set(disallowed);
  }

  private async tryTarget(target: RuntimeTarget, fallbackIndex: number): Promise<TargetOutcome<T>> {
    const provider = target.provider;
    const keys = provider.keyPool.eligible(target.model);
    const maxTransient = this.overrides.maxAttemptsPerTarget ?? provider.retry.max_attempts;
    const walk = new KeyWalk();
    let transientFailures = 0;
    for (;;) {
      if (this.isOutOfBudget()) return { kind: 'exhausted' };
      const now = performance.now();
      const key = this.pickKey(provider.keyPool.balancer, keys, walk, now) ?? (walk.reuseSetAside() ? this.pickKey(provider.keyPool.balancer, keys, walk, now) : undefined);
      if (key === undefined) return { kind: 'exhausted' };
      if (!key.quota.hasRoomFor(this.estimatedTokens, key.health.inFlight, now)) {
        // The provider's own counters (or the configured limits) say it would answer 429: do not ask.
        walk.exclude(key);
        continue;
      }
      const result = await this.attemptOnce(target, key, fallbackIndex);
      if (result.ok) return { kind: 'success', value: result.value };
      const failure = result.failure;
      this.lastClass = failure.failureClass;
      if (this.signals.clientGone || this.signals.shuttingDown || isRequestFault(failure)) return { kind: 'stop', failure };
      if (failure.failureClass === 'rate_limited') {
        walk.exclude(key);
        continue;
      }
      this.hardFailure = true;
      if (failure.failureClass === 'key_rejected') {
        walk.exclude(key);
        continue;
      }
      transientFailures++;
      if (transientFailures >= maxTransient) return { kind: 'exhausted' };
      await this.backOff(provider.retry, transientFailures - 1);
      walk.setAside(key);
    }
  }

  private pickKey(balancer: Balancer<RuntimeKey>, keys: readonly RuntimeKey[], walk: KeyWalk, now: number): RuntimeKey | undefined {
    return balancer.pick({ candidates: keys, tried: walk.tried, now, random: Math.random(), sessionKey: this.overrides.sessionKey });
  }

  private async attemptOnce(target: RuntimeTarget, key: RuntimeKey, fallbackIndex: number): Promise<AttemptResult<T>> {
    const context = this.context;
    context.provider = target.provider.id;
    context.model = target.model;
    context.target = target;
    context.keyId = key.id;
    context.fallbackIndex = fallbackIndex;
    context.attemptsStarted++;
    const startedAt = performance.now();
    context.trace?.startAttempt(target, key, fallbackIndex, startedAt);
    key.health.begin(startedAt);
    target.health.begin(startedAt);
    key.quota.recordSent(startedAt, this.estimatedTokens);
    const adapterTarget: AdapterTarget = { model: target.model, baseUrl: target.provider.baseUrl, key, headers: target.provider.headers };
    let result: AttemptResult<T>;
    try {
      result = await this.operation({ target, key, adapterTarget, startedAt });
    } catch (error) {
      key.health.cancel();
      target.health.cancel();
      throw error;
    } finally {
      this.signals.endAttempt();
    }
    this.record(target, key, fallbackIndex, startedAt, result);
    return result;
  }

  private record(target: RuntimeTarget, key: RuntimeKey, fallbackIndex: number, startedAt: number, result: AttemptResult<T>): void {
    const now = performance.now();
    const durationMs = now - startedAt;
    const base = { provider: target.provider.id, model: target.model, key: key.id, fallback: fallbackIndex, durationMs };
    if (result.ok) {
      // A stream that broke after its commit point is delivered (with an error event), but it is no success for the route.
      if (this.context.errorCode === 'upstream_error') {
        key.health.fail(now, 'transient', 'stream broke after it started');
        target.health.fail(now, 'transient', 'stream broke after it started');
      } else if (this.signals.clientGone) {
        key.health.cancel();
        target.health.cancel();
      } else {
        const latency = normalisedLatency(durationMs, this.context.usage?.output_tokens ?? 0);
        key.health.succeed(now, latency);
        target.health.succeed(now, latency);
      }
      const record: AttemptRecord = { ...base, status: 200, outcome: 'ok', reason: 'ok', failureClass: undefined };
      this.context.attempts.push(record);
      this.context.trace?.endAttempt(record);
      return;
    }
    const failure = result.failure;
    this.context.upstreamMs += durationMs;
    const record: AttemptRecord = { ...base, status: failure.status, outcome: failure.outcome, reason: failure.message, failureClass: failure.failureClass };
    this.context.attempts.push(record);
    this.context.trace?.endAttempt(record);
    this.failed.push({ provider: target.provider.id, key: key.id, failure });
    if (this.signals.clientGone) {
      key.health.cancel();
      target.health.cancel();
      return;
    }
    const detail = failure.status === undefined ? failure.message : `${failure.status}: ${failure.message}`;
    key.health.fail(now, failure.failureClass, detail, failure.retryAfterMs);
    // Rate limits and rejected keys are the key's business; only transient failures speak of the target.
    if (failure.failureClass === 'transient') target.health.fail(now, 'transient', detail);
    else target.health.cancel();
  }

  private routeBalancer(route: RuntimeRoute): Balancer<RuntimeTarget> {
    const strategy = this.overrides.strategy;
    if (strategy === undefined || strategy === route.strategy) return route.balancer;
    return overrideBalancer(route, strategy);
  }

  private isOutOfBudget(): boolean {
    return this.context.attemptsStarted >= this.config.routing.max_total_attempts || performance.now() >= this.deadline || this.signals.clientGone || this.signals.shuttingDown;
  }

  private async backOff(policy: RuntimeTarget['provider']['retry'], retryIndex: number): Promise<void> {
    const delay = backoffDelayMs(retryIndex, policy, Math.random());
    const remaining = this.deadline - performance.now();
    if (delay > 0) await this.signals.wait(Math.min(delay, Math.max(0, remaining)));
  }

  /** How long to wait for the first cooling route of the chain to come back, if that is within budget. */
  private queueWait(chain: readonly ChainLink[]): number | undefined {
    if (this.context.attemptsStarted >= this.config.routing.max_total_attempts || this.signals.clientGone || this.signals.shuttingDown) return undefined;
    const now = performance.now();
    const earliest = earliestAvailability(chain, now);
    if (earliest === undefined) return undefined;
    const wait = Math.max(0, earliest - now);
    const waited = now - this.context.startedAt;
    if (now + wait >= this.deadline || waited + wait > this.config.routing.queue.max_wait_ms) return undefined;
    return wait;
  }

  private async waitInQueue(ms: number): Promise<void> {
    if (!queue.enter(this.config.routing.queue.max_size)) throw this.exhaustedError([]);
    try {
      await this.signals.wait(Math.max(1, ms));
    } finally {
      queue.leave();
    }
  }

  /** Nothing left to try: 502/504 when attempts failed, 503 when everything was cooling. */
  private exhaustedError(chain: readonly ChainLink[]): GatewayError {
    if (this.failed.length > 0 && this.hardFailure) return finalError(this.failed);
    const now = performance.now();
    const earliest = earliestAvailability(chain, now);
    const retryAfter = earliest === undefined ? 1 : Math.max(1, Math.ceil((earliest - now) / 1000));
    const tried = this.failed.length > 0 ? ` Attempts: ${this.failed.map(({ provider, key, failure }) => `${provider}/${key}: ${failure.status ?? failure.message}`).join('; ')}.` : '';
    return new GatewayError('no_healthy_target', `every target for this model is cooling down or has no usable key; retry after ${retryAfter} s.${tried}`, {
      headers: { 'retry-after': String(retryAfter) },
    });
  }
}

/**
 * Latency normalised for output length: milliseconds per "unit" of the first token plus every
 * 256 output tokens, so routes that give long answers are not taken for slow ones.
 */
export function normalisedLatency(durationMs: number, outputTokens: number): number {
  return durationMs / (1 + outputTokens / 256);
}

/**
 * The keys of one target a request has used up. Rate-limited and rejected keys are excluded for
 * the rest of the request; a key that failed transiently is set aside, so a retry prefers the
 * others, and comes back once no other key is left.
 */
class KeyWalk {
  tried: Set<RuntimeKey> | undefined = undefined;
  private setAsideKeys: Set<RuntimeKey> | undefined = undefined;

  exclude(key: RuntimeKey): void {
    this.tried ??= new Set();
    this.tried.add(key);
  }

  setAside(key: RuntimeKey): void {
    this.exclude(key);
    this.setAsideKeys ??= new Set();
    this.setAsideKeys.add(key);
  }

  /** Makes the keys set aside pickable again; false when there were none. */
  reuseSetAside(): boolean {
    if (this.setAsideKeys === undefined || this.setAsideKeys.size === 0 || this.tried === undefined) return false;
    for (const key of this.setAsideKeys) this.tried.delete(key);
    this.setAsideKeys.clear();
    return true;
  }
}

/** The earliest time any target of the chain, and one of its keys, may be used again. */
function earliestAvailability(chain: readonly ChainLink[], now: number): number | undefined {
  let earliest: number | undefined;
  for (const link of chain) {
    for (const target of link.route.targets) {
      let keyAt: number | undefined;
      for (const key of target.provider.keyPool.eligible(target.model)) {
        const at = Math.max(key.health.availableAt(now), key.quota.roomAt(now));
        if (keyAt === undefined || at < keyAt) keyAt = at;
      }
      if (keyAt === undefined) continue;
      const at = Math.max(keyAt, target.health.availableAt(now));
      if (earliest === undefined || at < earliest) earliest = at;
    }
  }
  return earliest;
}

/** Requests waiting for a cooling route, across the process: bounded by `routing.queue.max_size`. */
const queue = {
  waiting: 0,
  enter(maxSize: number): boolean {
    if (this.waiting >= maxSize) return false;
    this.waiting++;
    return true;
  },
  leave(): void {
    this.waiting--;
  },
};

const overrideBalancers = new WeakMap<RuntimeRoute, Map<Strategy, Balancer<RuntimeTarget>>>();

/** A balancer for a strategy a request asked for (x-switchyard-strategy), kept per route. */
function overrideBalancer(route: RuntimeRoute, strategy: Strategy): Balancer<RuntimeTarget> {
  let byStrategy = overrideBalancers.get(route);
  if (byStrategy === undefined) {
    byStrategy = new Map();
    overrideBalancers.set(route, byStrategy);
  }
  let balancer = byStrategy.get(strategy);
  if (balancer === undefined) {
    balancer = createBalancer<RuntimeTarget>(strategy);
    byStrategy.set(strategy, balancer);
  }
  return balancer;
}

export function runAttempts<T>(
  context: RequestContext,
  config: RuntimeConfig,
  chain: readonly ChainLink[],
  signals: RequestSignals,
  operation: (attempt: Attempt) => Promise<AttemptResult<T>>,
  overrides: RoutingOverrides = NO_OVERRIDES,
  estimatedTokens = 0,
): Promise<T> {
  return new AttemptRun(context, config, signals, overrides, operation, estimatedTokens).run(chain);
}
