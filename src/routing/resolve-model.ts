import type { RuntimeConfig, RuntimeProvider, RuntimeRoute, RuntimeTarget } from '../config/runtime-config.js';
import { GatewayError } from '../errors/gateway-error.js';
import { pricing } from '../config/compile.js';
import { createBalancer } from './balancers.js';

const MAX_CACHED_DIRECT_ROUTES = 4096;
/** Routes of one target built for `provider/model` and bare names, kept per config snapshot. */
const directRoutes = new WeakMap<RuntimeConfig, Map<string, RuntimeRoute>>();

/**
 * Resolves a client's model name (SPEC section 3): a public model name from `models:`, then
 * `provider-id/upstream-model`, then a bare upstream model served by exactly one provider.
 */
export function resolveModel(config: RuntimeConfig, name: string): RuntimeRoute {
  const group = config.groups.get(name);
  if (group !== undefined) return group;
  let cache = directRoutes.get(config);
  const cached = cache?.get(name);
  if (cached !== undefined) return cached;

  const route = resolveDirect(config, name);
  if (cache === undefined) {
    cache = new Map();
    directRoutes.set(config, cache);
  }
  if (cache.size >= MAX_CACHED_DIRECT_ROUTES) cache.clear();
  cache.set(name, route);
  return route;
}

function resolveDirect(config: RuntimeConfig, name: string): RuntimeRoute {
  const slash = name.indexOf('/');
  if (slash > 0) {
    const provider = config.providers.get(name.slice(0, slash));
    const model = name.slice(slash + 1);
    if (provider !== undefined && model !== '') return singleTargetRoute(config, name, provider, model);
  }
  const provider = config.bareModels.get(name);
  if (provider !== undefined) return singleTargetRoute(config, name, provider, name);
  const servedBy = config.ambiguousModels.get(name);
  if (servedBy !== undefined) {
    throw new GatewayError('model_not_found', `model '${name}' is served by several providers (${servedBy.join(', ')}); name one as provider/model`, { param: 'model' });
  }
  throw new GatewayError('model_not_found', `model '${truncate(name)}' has no route: use a name from GET /v1/models, or provider/model`, { param: 'model' });
}

function singleTargetRoute(config: RuntimeConfig, name: string, provider: RuntimeProvider, model: string): RuntimeRoute {
  const target: RuntimeTarget = { id: `${provider.id}/${model}`, provider, model, weight: 1, priority: 0, ...pricing(config.prices, provider, model), health: config.health.forTarget(provider.id, model) };
  return { name, strategy: 'weighted', targets: [target], balancer: createBalancer<RuntimeTarget>('weighted'), fallbacks: [] };
}

function truncate(text: string): string {
  return text.length > 100 ? `${text.slice(0, 100)}…` : text;
}
