import { describe, expect, it } from 'vitest';
import type { RuntimeKey } from './runtime-config.js';
import { KeyPool } from './runtime-config.js';

function key(id: string, weight: number, allow?: string[], deny?: string[]): RuntimeKey {
  return { id, secret: `secret-${id}`, weight, allowModels: allow ? new Set(allow) : undefined, denyModels: deny ? new Set(deny) : undefined, limits: undefined };
}

describe('KeyPool', () => {
  const pool = new KeyPool([key('all', 1), key('mini-only', 2, ['gpt-4o-mini']), key('no-o1', 1, undefined, ['o1']), key('drained', 0)]);
  const ids = (model: string) => pool.eligible(model).items.map((item) => item.id);

  it('honours allow-lists, deny-lists and drained keys per model', () => {
    expect(ids('gpt-4o-mini')).toEqual(['all', 'mini-only', 'no-o1']);
    expect(ids('gpt-4o')).toEqual(['all', 'no-o1']);
    expect(ids('o1')).toEqual(['all']);
  });

  it('weights the eligible keys only', () => {
    expect(pool.eligible('gpt-4o-mini').total).toBe(4);
    expect(pool.eligible('o1').total).toBe(1);
  });

  it('memoises the set per model', () => {
    expect(pool.eligible('gpt-4o')).toBe(pool.eligible('gpt-4o'));
  });
});
