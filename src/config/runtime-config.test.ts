import { describe, expect, it } from 'vitest';
import { QuotaTracker } from '../resilience/quota-tracker.js';
import { RouteHealth } from '../resilience/route-health.js';
import type { RuntimeKey } from './runtime-config.js';
import { KeyPool } from './runtime-config.js';

function key(id: string, weight: number, allow?: string[], deny?: string[]): RuntimeKey {
  return {
    id,
    secret: `secret-${id}`,
    weight,
    priority: 0,
    costPerMtok: undefined,
    health: new RouteHealth(),
    quota: new QuotaTracker(),
    allowModels: allow ? new Set(allow) : undefined,
    denyModels: deny ? new Set(deny) : undefined,
    limits: undefined,
  };
}

describe('KeyPool', () => {
  const pool = new KeyPool([key('all', 1), key('mini-only', 2, ['gpt-4o-mini']), key('no-o1', 1, undefined, ['o1']), key('drained', 0)], 'weighted');
  const ids = (model: string) => pool.eligible(model).map((item) => item.id);

  it('honours allow-lists, deny-lists and drained keys per model', () => {
    expect(ids('gpt-4o-mini')).toEqual(['all', 'mini-only', 'no-o1']);
    expect(ids('gpt-4o')).toEqual(['all', 'no-o1']);
    expect(ids('o1')).toEqual(['all']);
  });

  it('memoises the list per model', () => {
    expect(pool.eligible('gpt-4o')).toBe(pool.eligible('gpt-4o'));
  });

  it('its balancer never picks a key the model may not use', () => {
    const keys = pool.eligible('o1');
    for (let draw = 0; draw < 100; draw++) expect(pool.balancer.pick({ candidates: keys, tried: undefined, now: 0, random: draw / 100, sessionKey: undefined })?.id).toBe('all');
  });
});
