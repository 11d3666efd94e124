import type { ModelPrice } from '../governance/price-table.js';
import { PriceTable } from '../governance/price-table.js';
import { findAdapter, adapterTypes } from '../providers/registry.js';
import { compileGovernanceEntities } from './compile-governance.js';
import { createBalancer } from '../routing/balancers.js';
import { HealthRegistry } from '../routing/health-registry.js';
import type { ConfigProblem } from './config-problem.js';
import { ConfigError } from './config-problem.js';
import type { RuntimeConfig, RuntimeFallback, RuntimeKey, RuntimeProvider, RuntimeRoute, RuntimeTarget } from './runtime-config.js';
import { KeyPool } from './runtime-config.js';
import type { Config, FallbackConfig, KeyConfig, ModelGroupConfig, ProviderConfig, Strategy } from './schema.js';
import { retrySchema, timeoutsSchema } from './schema.js';

export interface CompileOptions {
  source: string;
  /** Base URL of the embedded simulator, for `type: simulator` providers without a base_url. */
  simulatorUrl?: string | undefined;
  /** The live health records to attach to keys and targets; pass the previous snapshot's on reload. */
  health?: HealthRegistry | undefined;
}

/**
 * Turns a schema-valid config into the frozen runtime snapshot the hot path reads, after the
 * checks a schema cannot make (references between entries, duplicates, missing secrets).
 * Throws ConfigError with every problem found, never just the first.
 */
export function compileConfig(config: Config, options: CompileOptions): RuntimeConfig {
  const problems: ConfigProblem[] = [];
  const notices: string[] = [];
  const health = options.health ?? new HealthRegistry(config.routing.circuit);
  const context: CompileContext = { options, problems, notices, health, config, prices: new PriceTable(config.pricing) };
  const providers = compileProviders(config.providers, context);
  const groups = compileGroups(config.models, providers, context);
  const { bareModels, ambiguousModels } = indexBareModels(providers, groups);
  checkFallbacks(config.models, groups, providers, bareModels, problems);
  const governanceEntities = compileGovernanceEntities(config, problems);
  if (problems.length > 0) throw new ConfigError(problems, options.source);
  const modelNames = [...groups.keys(), ...bareModels.keys()];
  for (const provider of providers.values()) for (const model of provider.models) modelNames.push(`${provider.id}/${model}`);

  return deepFreeze({
    source: options.source,
    server: config.server,
    routing: config.routing,
    auth: config.auth,
    governance: config.governance,
    observability: config.observability,
    adminToken: config.admin?.token,
    governanceEntities,
    prices: context.prices,
    health,
    providers,
    groups,
    bareModels,
    ambiguousModels,
    modelNames: [...new Set(modelNames)],
    notices,
  });
}

interface CompileContext {
  options: CompileOptions;
  problems: ConfigProblem[];
  notices: string[];
  health: HealthRegistry;
  config: Config;
  prices: PriceTable;
}

function compileProviders(list: readonly ProviderConfig[], context: CompileContext): Map<string, RuntimeProvider> {
  const { options, problems, notices } = context;
  const providers = new Map<string, RuntimeProvider>();
  list.forEach((provider, index) => {
    const path = `providers[${index}]`;
    if (providers.has(provider.id)) {
      problems.push({ path: `${path}.id`, message: `duplicate provider id '${provider.id}'` });
      return;
    }
    const adapter = findAdapter(provider.type);
    if (adapter === undefined) {
      problems.push({ path: `${path}.type`, message: `unknown provider type '${provider.type}' (known: ${adapterTypes().join(', ')})` });
      return;
    }
    const baseUrl = (provider.base_url ?? (provider.type === 'simulator' ? options.simulatorUrl : undefined) ?? adapter.defaultBaseUrl).replace(/\/+$/, '');
    if (baseUrl === '') problems.push({ path: `${path}.base_url`, message: `is required for type '${provider.type}'` });
    const keys = compileKeys(provider, adapter.keyOptional, path, context);
    const strategy = provider.strategy ?? context.config.routing.strategy;
    if (keys.length > 0 && keys.every((key) => key.weight === 0)) notices.push(`provider '${provider.id}': every key has weight 0, so it is drained`);
    providers.set(provider.id, {
      id: provider.id,
      type: provider.type,
      adapter,
      baseUrl,
      headers: provider.headers,
      keyPool: new KeyPool(keys, strategy, { adaptive: context.config.routing.adaptive }),
      timeouts: timeoutsSchema.parse(provider.timeouts ?? {}),
      retry: retrySchema.parse(provider.retry ?? {}),
      strategy,
      models: provider.models ?? [],
    });
  });
  return providers;
}

function compileKeys(provider: ProviderConfig, keyOptional: boolean, path: string, context: CompileContext): RuntimeKey[] {
  const problems = context.problems;
  if (provider.keys.length === 0) {
    if (keyOptional) {
      const secret = provider.type === 'simulator' ? 'default' : '';
      const health = context.health.forKey(provider.id, 'default');
      const quota = context.health.quotaForKey(provider.id, 'default', undefined);
      return [{ id: 'default', secret, weight: 1, priority: 0, costPerMtok: undefined, health, quota, allowModels: undefined, denyModels: undefined, limits: undefined }];
    }
    problems.push({ path: `${path}.keys`, message: `needs at least one key for type '${provider.type}'` });
    return [];
  }
  const seen = new Set<string>();
  return provider.keys.map((key: KeyConfig, index) => {
    if (seen.has(key.id)) problems.push({ path: `${path}.keys[${index}].id`, message: `duplicate key id '${key.id}' in provider '${provider.id}'` });
    seen.add(key.id);
    if ((key.secret === undefined || key.secret === '') && !keyOptional) {
      problems.push({ path: `${path}.keys[${index}].secret`, message: `is required for type '${provider.type}'` });
    }
    return {
      id: key.id,
      secret: key.secret ?? '',
      weight: key.weight,
      priority: 0,
      costPerMtok: undefined,
      health: context.health.forKey(provider.id, key.id),
      quota: context.health.quotaForKey(provider.id, key.id, key.limits),
      allowModels: key.models ? new Set(key.models) : undefined,
      denyModels: key.deny_models ? new Set(key.deny_models) : undefined,
      limits: key.limits,
    };
  });
}

function compileGroups(list: readonly ModelGroupConfig[], providers: ReadonlyMap<string, RuntimeProvider>, context: CompileContext): Map<string, RuntimeRoute> {
  const problems = context.problems;
  const groups = new Map<string, RuntimeRoute>();
  list.forEach((group, index) => {
    const path = `models[${index}]`;
    if (groups.has(group.name)) {
      problems.push({ path: `${path}.name`, message: `duplicate model name '${group.name}'` });
      return;
    }
    const targets: RuntimeTarget[] = [];
    group.targets.forEach((target, targetIndex) => {
      const provider = providers.get(target.provider);
      if (provider === undefined) {
        problems.push({ path: `${path}.targets[${targetIndex}].provider`, message: `unknown provider '${target.provider}'` });
        return;
      }
      if (target.weight === 0) return;
      targets.push({
        id: `${provider.id}/${target.model}`,
        provider,
        model: target.model,
        weight: target.weight,
        priority: target.priority ?? 0,
        ...pricing(context.prices, provider, target.model),
        health: context.health.forTarget(provider.id, target.model),
      });
    });
    const strategy: Strategy = group.strategy ?? context.config.routing.strategy;
    groups.set(group.name, { name: group.name, strategy, targets, balancer: createBalancer<RuntimeTarget>(strategy, { adaptive: context.config.routing.adaptive }), fallbacks: group.fallbacks.map(compileFallback) });
  });
  return groups;
}

function compileFallback(fallback: FallbackConfig): RuntimeFallback {
  return typeof fallback === 'string' ? { name: fallback, on: new Set(['error']) } : { name: fallback.model, on: new Set(fallback.on) };
}

/** A target's price, and for the cost strategy its USD per million tokens, input and output averaged. */
export function pricing(prices: PriceTable, provider: RuntimeProvider, model: string): { price: ModelPrice | undefined; costPerMtok: number | undefined } {
  const price = prices.find(provider.id, provider.type, model);
  return { price, costPerMtok: price === undefined ? undefined : (price.input + price.output) / 2 };
}

function indexBareModels(providers: ReadonlyMap<string, RuntimeProvider>, groups: ReadonlyMap<string, RuntimeRoute>) {
  const servedBy = new Map<string, Set<string>>();
  const add = (model: string, providerId: string) => {
    const set = servedBy.get(model) ?? new Set<string>();
    set.add(providerId);
    servedBy.set(model, set);
  };
  for (const provider of providers.values()) {
    for (const model of provider.models) add(model, provider.id);
    for (const key of provider.keyPool.keys) for (const model of key.allowModels ?? []) add(model, provider.id);
  }
  for (const group of groups.values()) for (const target of group.targets) add(target.model, target.provider.id);

  const bareModels = new Map<string, RuntimeProvider>();
  const ambiguousModels = new Map<string, readonly string[]>();
  for (const [model, ids] of servedBy) {
    if (groups.has(model)) continue;
    const [first] = ids;
    if (ids.size === 1 && first !== undefined) bareModels.set(model, providers.get(first) as RuntimeProvider);
    else ambiguousModels.set(model, [...ids]);
  }
  return { bareModels, ambiguousModels };
}

function checkFallbacks(
  list: readonly ModelGroupConfig[],
  groups: ReadonlyMap<string, RuntimeRoute>,
  providers: ReadonlyMap<string, RuntimeProvider>,
  bareModels: ReadonlyMap<string, RuntimeProvider>,
  problems: ConfigProblem[],
): void {
  list.forEach((group, index) => {
    group.fallbacks.forEach((fallback, fallbackIndex) => {
      const name = typeof fallback === 'string' ? fallback : fallback.model;
      const slash = name.indexOf('/');
      const resolvable = groups.has(name) || bareModels.has(name) || (slash > 0 && providers.has(name.slice(0, slash)));
      if (!resolvable) problems.push({ path: `models[${index}].fallbacks[${fallbackIndex}]`, message: `'${name}' is not a model name, provider/model or unambiguous bare model` });
      if (name === group.name) problems.push({ path: `models[${index}].fallbacks[${fallbackIndex}]`, message: 'a model cannot fall back to itself' });
    });
  });
}

/**
 * Freezes the plain objects and arrays of the snapshot. Class instances (key pools, balancers,
 * health records) keep their own invariants and some hold live state, so they are left alone.
 */
function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  if (value instanceof Map) {
    for (const item of value.values()) deepFreeze(item);
    return value;
  }
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== Array.prototype && prototype !== null) return value;
  Object.freeze(value);
  for (const item of Object.values(value)) deepFreeze(item);
  return value;
}
