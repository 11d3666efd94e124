import { describe, expect, it } from 'vitest';
import { hashKey } from '../governance/key-secret.js';
import { compileConfig } from './compile.js';
import { ConfigError } from './config-problem.js';
import { validateConfig } from './load-config.js';
import type { ConfigInput } from './schema.js';

const KEY = 'sk-sy-declared-key-0123456789';
const compile = (input: ConfigInput) => compileConfig(validateConfig(input, 'test'), { source: 'test' });

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((problem) => `${problem.path}: ${problem.message}`);
    throw error;
  }
  return [];
}

describe('virtual keys, teams and customers in the config file', () => {
  it('compiles them into store-shaped records, hashing the key', () => {
    const config = compile({
      teams: [{ id: 'search', budget: { limit_usd: 5, period: '1d' }, limits: { rpm: 10 } }],
      virtual_keys: [{ name: 'backend', key: KEY, team_id: 'search', models: ['chat'], limits: { tpm: '5000' }, budget: { limit_usd: '1.5' }, expires_at: '2027-01-01T00:00:00Z' }],
    });
    const [key] = config.governanceEntities.keys;
    expect(key).toMatchObject({ name: 'backend', keyHash: hashKey(KEY), prefix: 'sk-sy-declar', models: ['chat'], rpm: null, tpm: 5000, budgetUsd: 1.5, budgetPeriod: null, teamId: 'search', expiresAt: Date.parse('2027-01-01T00:00:00Z'), disabled: false });
    expect(key?.id).toBe(`vk_cfg_${hashKey(KEY).slice(0, 12)}`);
    expect(JSON.stringify(config.governanceEntities)).not.toContain(KEY);
    expect(config.governanceEntities.teams[0]).toMatchObject({ id: 'search', name: 'search', rpm: 10, budgetUsd: 5, budgetPeriod: '1d' });
  });

  it('reports duplicates and malformed entries with their paths', () => {
    const problems = problemsOf(() =>
      compile({
        virtual_keys: [
          { id: 'a', name: 'one', key: KEY },
          { id: 'a', name: 'two', key: KEY },
        ],
        customers: [{ id: 'c' }, { id: 'c' }],
      }),
    );
    expect(problems).toEqual(expect.arrayContaining(["virtual_keys[1].id: duplicate virtual key id 'a'", 'virtual_keys[1].key: the same key is declared twice', "customers[1].id: duplicate id 'c'"]));
    const invalid = problemsOf(() => compile({ virtual_keys: [{ name: 'x', key: 'sk-proj-123', budget: { limit_usd: 1, period: '1y' }, expires_at: 'soon' }] as never }));
    expect(invalid.join('\n')).toMatch(/virtual_keys\[0\]\.key: must be sk-sy-/);
    expect(invalid.join('\n')).toMatch(/virtual_keys\[0\]\.budget\.period/);
    expect(invalid.join('\n')).toMatch(/virtual_keys\[0\]\.expires_at: must be an ISO 8601 time/);
  });
});
