import { performance } from 'node:perf_hooks';
import type { RuntimeConfig, RuntimeKey, RuntimeProvider } from '../config/runtime-config.js';
import type { RouteHealth } from '../resilience/route-health.js';

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
}

export interface TargetView {
  group: string | null;
  provider: string;
  model: string | null;
  state: string;
  weight: number;
  reason: string;
  keys: KeyView[];
}

/** Health records use the monotonic clock; the API speaks wall-clock ISO times. */
function wallClock(monotonicMs: number, now: number): string | null {
  if (!(monotonicMs > now)) return null;
  return new Date(Date.now() + (monotonicMs - now)).toISOString();
}

function keyView(key: RuntimeKey, now: number): KeyView {
  const health = key.health;
  health.available(now); // moves a key whose cooldown has passed to recovering before it is shown
  return {
    id: key.id,
    state: health.state,
    weight: key.weight,
    error_rate: Math.round(health.errorRate(now) * 1000) / 1000,
    latency_ms: health.latencyMs === undefined ? null : Math.round(health.latencyMs * 100) / 100,
    in_flight: health.inFlight,
    remaining_requests: key.quota.requestsLeft(now) ?? null,
    remaining_tokens: key.quota.tokensLeft(now) ?? null,
    cooldown_until: wallClock(health.cooldownUntil, now),
    reason: health.reason,
  };
}

function targetView(group: string | null, provider: RuntimeProvider, model: string | null, weight: number, health: RouteHealth | undefined, now: number): TargetView {
  const keys = (model === null ? provider.keyPool.keys : provider.keyPool.eligible(model)).map((key) => keyView(key, now));
  health?.available(now);
  return {
    group,
    provider: provider.id,
    model,
    state: health?.state ?? 'healthy',
    weight,
    reason: health?.reason ?? 'no requests have gone to this provider through a model group yet',
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
      targets.push(targetView(group.name, target.provider, target.model, target.weight, target.health, now));
      covered.add(target.provider.id);
    }
  }
  for (const provider of config.providers.values()) {
    if (!covered.has(provider.id)) targets.push(targetView(null, provider, null, 1, undefined, now));
  }
  return { targets };
}

