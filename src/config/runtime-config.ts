import type { ProviderAdapter } from '../providers/spec.js';
import { WeightedSet } from '../routing/weighted-set.js';
import type { Config, RetryPolicy, Strategy, Timeouts } from './schema.js';

/** One provider key, compiled. `secret` never leaves the adapter's request headers. */
export interface RuntimeKey {
  readonly id: string;
  readonly secret: string;
  readonly weight: number;
  readonly allowModels: ReadonlySet<string> | undefined;
  readonly denyModels: ReadonlySet<string> | undefined;
  readonly limits: { readonly rpm?: number | undefined; readonly tpm?: number | undefined } | undefined;
}

const MAX_MEMOISED_MODELS = 1024;

/** The keys of one provider, with the weighted set of keys allowed for each model memoised. */
export class KeyPool {
  readonly keys: readonly RuntimeKey[];
  private readonly byModel = new Map<string, WeightedSet<RuntimeKey>>();

  constructor(keys: readonly RuntimeKey[]) {
    this.keys = keys;
  }

  /** Keys that may serve `model` and are not drained (weight > 0), for a weighted pick. */
  eligible(model: string): WeightedSet<RuntimeKey> {
    let set = this.byModel.get(model);
    if (set === undefined) {
      set = new WeightedSet(this.keys.filter((key) => keyAllows(key, model)), (key) => key.weight);
      if (this.byModel.size >= MAX_MEMOISED_MODELS) this.byModel.clear();
      this.byModel.set(model, set);
    }
    return set;
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

export interface RuntimeTarget {
  readonly provider: RuntimeProvider;
  readonly model: string;
  readonly weight: number;
}

/** A routable model name: a configured group, or one provider/model made into a group of one. */
export interface RuntimeRoute {
  readonly name: string;
  readonly strategy: Strategy;
  readonly targets: readonly RuntimeTarget[];
  readonly picker: WeightedSet<RuntimeTarget>;
  readonly fallbacks: readonly string[];
}

export interface RuntimeConfig {
  /** Where the config came from: a file path, or `demo`. */
  readonly source: string;
  readonly server: Config['server'];
  readonly routing: Config['routing'];
  readonly auth: Config['auth'];
  readonly governance: Config['governance'];
  readonly adminToken: string | undefined;
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
