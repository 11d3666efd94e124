import { performance } from 'node:perf_hooks';
import type { RuntimeConfig, RuntimeKey, RuntimeProvider, RuntimeRoute } from '../config/runtime-config.js';
import type { RouteHealth } from '../resilience/route-health.js';
import type { AdaptiveExplanation } from '../routing/adaptive-balancer.js';
import { AdaptiveBalancer } from '../routing/adaptive-balancer.js';
import type { Balancer, Candidate } from '../routing/balancers.js';

/** The adaptive strategy's account of a route: its score, each factor, expected vs actual share. */
type AdaptiveView = Omit<AdaptiveExplanation, 'id' | 'state' | 'last_transition'>;

function adaptiveViews<C extends Candidate>(balancer: Balancer<C>, candidates: readonly C[], now: number): Map<string, AdaptiveView> {
  const views = new Map<string, AdaptiveView>();
  if (!(balancer instanceof AdaptiveBalancer)) return views;
  const adaptive = balancer as AdaptiveBalancer<C>;
  for (const { id, state: _state, last_transition: _transition, ...view } of adaptive.explain(candidates, now)) views.set(id, view);
  return views;
}

/** Health records use the monotonic clock; the API speaks wall-clock ISO times. */
function toWallClock(monotonicMs: number, now: number): string {
  return new Date(Date.now() + (monotonicMs - now)).toISOString();
}

function lastTransition(health: RouteHealth, now: number): { at: string; reason: string } | null {
  if (health.lastTransitionAt === 0) return null;
  return { at: toWallClock(health.lastTransitionAt, now), reason: health.lastTransitionReason };
}

export interface KeyView {
  id: string;
  state: string;
  weight: number;
  error_rate: number;
  latency_ms: number | null;
  in_flight: number;
  remaining_requests: number | null;
  remaining_tokens: number | null;
  cooldown_until: string | null;
  reason: string;
  last_transition: { at: string; reason: string } | null;
  adaptive?: AdaptiveView;
}

export interface TargetView {
  group: string | null;
  provider: string;
  model: string | null;
  state: string;
  weight: number;
  reason: string;
  last_transition: { at: string; reason: string } | null;
  adaptive?: AdaptiveView;
  keys: KeyView[];
}

/** A cooldown end as an ISO time, or null when there is none still to come. */
function cooldownEnd(monotonicMs: number, now: number): string | null {
  return monotonicMs > now ? toWallClock(monotonicMs, now) : null;
}

function keyView(key: RuntimeKey, now: number, adaptive: AdaptiveView | undefined): KeyView {
  const health = key.health;
  health.available(now); // moves a key whose cooldown has passed to recovering before it is shown
  return {
    ...keyFigures(key, now),
    last_transition: lastTransition(health, now),
    ...(adaptive === undefined ? {} : { adaptive }),
  };
}

function keyFigures(key: RuntimeKey, now: number): Omit<KeyView, 'last_transition' | 'adaptive'> {
  const health = key.health;
  return {
    id: key.id,
    state: health.state,
    weight: key.weight,
    error_rate: Math.round(health.errorRate(now) * 1000) / 1000,
    latency_ms: health.latencyMs === undefined ? null : Math.round(health.latencyMs * 100) / 100,
    in_flight: health.inFlight,
    remaining_requests: key.quota.requestsLeft(now) ?? null,
    remaining_tokens: key.quota.tokensLeft(now) ?? null,
    cooldown_until: cooldownEnd(health.cooldownUntil, now),
    reason: health.reason,
  };
}

function targetView(group: RuntimeRoute | null, provider: RuntimeProvider, model: string | null, weight: number, health: RouteHealth | undefined, now: number): TargetView {
  const pool = model === null ? provider.keyPool.keys : provider.keyPool.eligible(model);
  const keyAdaptive = adaptiveViews(provider.keyPool.balancer, pool, now);
  const keys = pool.map((key) => keyView(key, now, keyAdaptive.get(key.id)));
  health?.available(now);
  const adaptive = group === null ? undefined : adaptiveViews(group.balancer, group.targets, now).get(`${provider.id}/${model ?? ''}`);
  return {
    group: group?.name ?? null,
    provider: provider.id,
    model,
    state: health?.state ?? 'healthy',
    weight,
    reason: health?.reason ?? 'no requests have gone to this provider through a model group yet',
    last_transition: health === undefined ? null : lastTransition(health, now),
    ...(adaptive === undefined ? {} : { adaptive }),
    keys,
  };
}

/** `GET /admin/v1/routes` (SPEC section 6): every target and key, with its state and why. */
export function routesView(config: RuntimeConfig): { targets: TargetView[] } {
  const now = performance.now();
  const targets: TargetView[] = [];
  const covered = new Set<string>();
  for (const group of config.groups.values()) {
    for (const target of group.targets) {
      targets.push(targetView(group, target.provider, target.model, target.weight, target.health, now));
      covered.add(target.provider.id);
    }
  }
  for (const provider of config.providers.values()) {
    if (!covered.has(provider.id)) targets.push(targetView(null, provider, null, 1, undefined, now));
  }
  return { targets };
}

