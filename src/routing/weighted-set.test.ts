import { describe, expect, it } from 'vitest';
import { WeightedSet } from './weighted-set.js';

describe('WeightedSet', () => {
  it('picks in exact proportion to fractional weights', () => {
    const set = new WeightedSet(['a', 'b', 'c'], (item) => ({ a: 0.5, b: 1.25, c: 0.25 })[item] ?? 0);
    // Deterministic sweep of the unit interval: each item's share equals its weight / total.
    const counts = new Map<string, number>();
    const steps = 20_000;
    for (let i = 0; i < steps; i++) {
      const item = set.pick((i + 0.5) / steps) as string;
      counts.set(item, (counts.get(item) ?? 0) + 1);
    }
    expect(counts.get('a')).toBe(5_000);
    expect(counts.get('b')).toBe(12_500);
    expect(counts.get('c')).toBe(2_500);
  });

  it('never picks a weight-0 item and returns undefined when empty', () => {
    const set = new WeightedSet(['drained', 'live'], (item) => (item === 'drained' ? 0 : 1));
    for (let i = 0; i < 100; i++) expect(set.pick(i / 100)).toBe('live');
    expect(new WeightedSet(['x'], () => 0).pick()).toBeUndefined();
  });

  it('picks near the edges of the interval correctly', () => {
    const set = new WeightedSet([1, 2, 3], () => 1);
    expect(set.pick(0)).toBe(1);
    expect(set.pick(0.3333)).toBe(1);
    expect(set.pick(0.3334)).toBe(2);
    expect(set.pick(0.99999)).toBe(3);
  });
});
