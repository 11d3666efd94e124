import type { ConfiguredLimits } from '../resilience/quota-tracker.js';
import { QuotaTracker } from '../resilience/quota-tracker.js';
import type { CircuitPolicy } from '../resilience/route-health.js';
import { RouteHealth } from '../resilience/route-health.js';

/** What the registry holds a health record for. */
export interface HealthSubject {
  kind: 'key' | 'target';
  provider: string;
  /** Key id, or upstream model for a target. */
  name: string;
}

/**
 * The live health of every provider key and every target, keyed by ids so it survives config
 * reloads. Compiled config holds direct references to these records, so the request path never
 * looks anything up here.
 */
export class HealthRegistry {
  private readonly records = new Map<string, { subject: HealthSubject; health: RouteHealth }>();
  private readonly quotas = new Map<string, QuotaTracker>();

  constructor(
    private readonly policy: CircuitPolicy,
    private readonly onTransition?: (subject: HealthSubject, from: string, to: string, reason: string) => void,
  ) {}

  forKey(provider: string, keyId: string): RouteHealth {
    return this.record({ kind: 'key', provider, name: keyId });
  }

  /** A key's quota tracker, with its configured limits brought up to date. */
  quotaForKey(provider: string, keyId: string, limits: ConfiguredLimits | undefined): QuotaTracker {
    const id = `${provider}\u0000${keyId}`;
    let quota = this.quotas.get(id);
    if (quota === undefined) {
      quota = new QuotaTracker(limits);
      this.quotas.set(id, quota);
    } else {
      quota.limits = limits;
    }
    return quota;
  }

  forTarget(provider: string, model: string): RouteHealth {
    return this.record({ kind: 'target', provider, name: model });
  }

  private record(subject: HealthSubject): RouteHealth {
    const id = `${subject.kind}\u0000${subject.provider}\u0000${subject.name}`;
    let entry = this.records.get(id);
    if (entry === undefined) {
      const health = new RouteHealth(this.policy);
      const listener = this.onTransition;
      if (listener !== undefined) health.onTransition = (from, to, reason) => listener(subject, from, to, reason);
      entry = { subject, health };
      this.records.set(id, entry);
    }
    return entry.health;
  }
}
