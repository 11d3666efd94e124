import { describe, expect, it } from 'vitest';
import { DEFAULT_CIRCUIT_POLICY } from '../resilience/route-health.js';
import { HealthRegistry } from './health-registry.js';

describe('HealthRegistry', () => {
  it('keeps one record per key and per target, by id', () => {
    const registry = new HealthRegistry(DEFAULT_CIRCUIT_POLICY);
    expect(registry.forKey('p', 'k1')).toBe(registry.forKey('p', 'k1'));
    expect(registry.forKey('p', 'k1')).not.toBe(registry.forKey('p', 'k2'));
    expect(registry.forKey('p', 'm')).not.toBe(registry.forTarget('p', 'm'));
    expect(registry.quotaForKey('p', 'k1', { rpm: 5 })).toBe(registry.quotaForKey('p', 'k1', { rpm: 10 }));
    expect(registry.quotaForKey('p', 'k1', { rpm: 10 }).limits).toEqual({ rpm: 10 });
  });

  it('reports every state transition with the subject and the reason', () => {
    const transitions: string[] = [];
    const registry = new HealthRegistry(DEFAULT_CIRCUIT_POLICY, (subject, from, to, reason) => transitions.push(`${subject.kind} ${subject.provider}/${subject.name}: ${from} → ${to} (${reason})`));
    const health = registry.forKey('openai-main', 'k1');
    health.coolDown(1_000, 3_000, 'rate limited by the provider until its reset');
    expect(transitions).toEqual(['key openai-main/k1: healthy → failed (rate limited by the provider until its reset)']);
  });
});
