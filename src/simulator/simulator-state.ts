import { effectiveBehaviour, installBehaviour, type EffectiveBehaviour, type InstalledBehaviour } from './behaviour.js';
import { KeyRateLimiter } from './rate-limiter.js';
import type { Behaviour, SimulatorOptions } from './schema.js';
import { StatsRecorder } from './stats-recorder.js';

/** The key under which requests without any API key are configured and counted. */
export const ANONYMOUS_KEY = 'anonymous';

export interface BehaviourConfig {
  defaults: Behaviour;
  keys: Record<string, Behaviour>;
}

/**
 * Everything the simulator remembers: behaviours (with their fault counters), rate-limit
 * windows and stats, all per key. Effective behaviours are merged when a behaviour is set,
 * so the request path only does a map lookup.
 */
export class SimulatorState {
  readonly stats = new StatsRecorder();
  private defaults: InstalledBehaviour = installBehaviour({});
  private defaultEffective: EffectiveBehaviour = effectiveBehaviour(undefined, this.defaults);
  private readonly installed = new Map<string, InstalledBehaviour>();
  private readonly effective = new Map<string, EffectiveBehaviour>();
  private readonly limiters = new Map<string, KeyRateLimiter>();

  constructor(private readonly initial: Pick<SimulatorOptions, 'defaults' | 'keys'>) {
    this.reset();
  }

  behaviourFor(key: string): EffectiveBehaviour {
    return this.effective.get(key) ?? this.defaultEffective;
  }

  limiterFor(key: string): KeyRateLimiter {
    let limiter = this.limiters.get(key);
    if (limiter === undefined) {
      limiter = new KeyRateLimiter();
      this.limiters.set(key, limiter);
    }
    return limiter;
  }

  /** Replaces the key's behaviour (and restarts its fault counts). */
  setKey(key: string, behaviour: Behaviour): void {
    const installed = installBehaviour(behaviour);
    this.installed.set(key, installed);
    this.effective.set(key, effectiveBehaviour(installed, this.defaults));
  }

  /** The key falls back to the defaults. */
  deleteKey(key: string): boolean {
    this.effective.delete(key);
    return this.installed.delete(key);
  }

  setDefaults(behaviour: Behaviour): void {
    this.defaults = installBehaviour(behaviour);
    this.defaultEffective = effectiveBehaviour(undefined, this.defaults);
    for (const [key, installed] of this.installed) this.effective.set(key, effectiveBehaviour(installed, this.defaults));
  }

  /** Back to the behaviours the simulator started with; stats, fault counts and rate-limit windows cleared. */
  reset(): void {
    this.installed.clear();
    this.effective.clear();
    this.limiters.clear();
    this.stats.clear();
    this.setDefaults(this.initial.defaults ?? {});
    for (const [key, behaviour] of Object.entries(this.initial.keys ?? {})) this.setKey(key, behaviour);
  }

  config(): BehaviourConfig {
    const keys: Record<string, Behaviour> = {};
    for (const [key, installed] of this.installed) keys[key] = installed.behaviour;
    return { defaults: this.defaults.behaviour, keys };
  }
}
