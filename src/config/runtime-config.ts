import type { ModelPrice, PriceTable } from '../governance/price-table.js';
import type { ProviderAdapter } from '../providers/spec.js';
import type { GovernanceEntities } from './compile-governance.js';
import type { QuotaTracker } from '../resilience/quota-tracker.js';
import type { RouteHealth } from '../resilience/route-health.js';
import type { Balancer, BalancerOptions, Candidate } from '../routing/balancers.js';
import { createBalancer } from '../routing/balancers.js';
import type { HealthRegistry } from '../routing/health-registry.js';
import type { Config, FallbackTrigger, RetryPolicy, Strategy, Timeouts } from './schema.js';

/** One provider key, compiled. `secret` never leaves the adapter's request headers. */
export interface RuntimeKey extends Candidate {
  readonly id: string;
  readonly secret: string;
  readonly weight: number;
  readonly health: RouteHealth;
  /** What is left of its quota, from provider headers and configured limits. */
  readonly quota: QuotaTracker;
  readonly allowModels: ReadonlySet<string> | undefined;
  readonly denyModels: ReadonlySet<string> | undefined;
  readonly limits: { readonly rpm?: number | undefined; readonly tpm?: number | undefined } | undefined;
}

const MAX_MEMOISED_MODELS = 1024;

/** The keys of one provider, with the keys allowed for each model memoised, and their balancer. */
export class KeyPool {
  readonly keys: readonly RuntimeKey[];
  readonly balancer: Balancer<RuntimeKey>;
  private readonly byModel = new Map<string, readonly RuntimeKey[]>();

  constructor(keys: readonly RuntimeKey[], strategy: Strategy, options?: BalancerOptions) {
    this.keys = keys;
    this.balancer = createBalancer<RuntimeKey>(strategy, options);
  }

  /** Keys that may serve `model` and are not drained (weight > 0), in a stable order. */
  eligible(model: string): readonly RuntimeKey[] {
    let keys = this.byModel.get(model);
    if (keys === undefined) {
      keys = this.keys.filter((key) => key.weight > 0 && keyAllows(key, model));
      if (this.byModel.size >= MAX_MEMOISED_MODELS) this.byModel.clear();
      this.byModel.set(model, keys);
    }
    return keys;
  }
}

export function keyAllows(key: RuntimeKey, model: string): boolean {
  if (key.allowModels !== undefined && !key.allowModels.has(model)) return false;
  return key.denyModels === undefined || !key.denyModels.has(model);
}

export interface RuntimeProvider {
  readonly id: string;
  readonly type: string;
  readonly adapter: ProviderAdapter;
  readonly baseUrl: string;
  readonly headers: Readonly<Record<string, string>> | undefined;
  readonly keyPool: KeyPool;
  readonly timeouts: Timeouts;
  readonly retry: RetryPolicy;
  readonly strategy: Strategy;
  readonly models: readonly string[];
}

export interface RuntimeTarget extends Candidate {
  /** `provider/model`. */
  readonly id: string;
  readonly provider: RuntimeProvider;
  readonly model: string;
  readonly weight: number;
  readonly health: RouteHealth;
  /** Its price (bundled or from `pricing:`), looked up once here; undefined when unpriced. */
  readonly price: ModelPrice | undefined;
}

/** A fallback of a route: a model name, and the failures that send requests to it. */
export interface RuntimeFallback {
  readonly name: string;
  readonly on: ReadonlySet<FallbackTrigger>;
}

/** A routable model name: a configured group, or one provider/model made into a group of one. */
export interface RuntimeRoute {
  readonly name: string;
  readonly strategy: Strategy;
  /** Targets with weight > 0, in configuration order. */
  readonly targets: readonly RuntimeTarget[];
  readonly balancer: Balancer<RuntimeTarget>;
  readonly fallbacks: readonly RuntimeFallback[];
}

export interface RuntimeConfig {
  /** Where the config came from: a file path, or `demo`. */
  readonly source: string;
  readonly server: Config['server'];
  readonly routing: Config['routing'];
  readonly auth: Config['auth'];
  readonly governance: Config['governance'];
  readonly observability: Config['observability'];
  readonly adminToken: string | undefined;
  /** Virtual keys, teams and customers declared in the config file (the store holds the others). */
  readonly governanceEntities: GovernanceEntities;
  /** Bundled prices with the config's `pricing:` overrides on top. */
  readonly prices: PriceTable;
  /** Live health of keys and targets; outlives this snapshot (shared with the next one on reload). */
  readonly health: HealthRegistry;
  readonly providers: ReadonlyMap<string, RuntimeProvider>;
  readonly groups: ReadonlyMap<string, RuntimeRoute>;
  /** Bare upstream model names served by exactly one provider. */
  readonly bareModels: ReadonlyMap<string, RuntimeProvider>;
  /** Bare upstream model names served by more than one provider, with those providers' ids. */
  readonly ambiguousModels: ReadonlyMap<string, readonly string[]>;
  /** Every name `GET /v1/models` lists. */
  readonly modelNames: readonly string[];
  /** Notes for the startup summary (drained providers, features configured but not yet active). */
  readonly notices: readonly string[];
}
