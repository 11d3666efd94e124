import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config/schema.js';
import type { SimulatorHandle } from '../../src/simulator/index.js';
import { startSimulator } from '../../src/simulator/index.js';
import { dropTestSchema, postgresTestUrl } from '../helpers/store-services.js';
import { startTestGateway } from '../helpers/test-gateway.js';

const ADMIN_TOKEN = 'admin-token-for-persistence-tests';

let simulator: SimulatorHandle;
let directory: string;
const postgresUrl = await postgresTestUrl();

beforeAll(async () => {
  simulator = await startSimulator({ defaults: { output_tokens: 8 } });
  directory = await mkdtemp(join(tmpdir(), 'switchyard-persistence-'));
});

afterAll(async () => {
  await simulator.close();
  await rm(directory, { recursive: true, force: true });
  if (postgresUrl !== undefined) await dropTestSchema(postgresUrl);
});

function config(): ConfigInput {
  return {
    admin: { token: ADMIN_TOKEN },
    providers: [{ id: 'sim', type: 'openai', base_url: `${simulator.url}/v1`, keys: [{ id: 'k', secret: 'sk-sim' }] }],
    models: [{ name: 'chat', targets: [{ provider: 'sim', model: 'sim-priced' }] }],
    pricing: [{ model: 'sim-priced', input_per_mtok: 1, output_per_mtok: 2 }],
  };
}

async function request(url: string, path: string, init: { method?: string; key?: string; body?: unknown } = {}) {
  const response = await fetch(`${url}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: { authorization: `Bearer ${init.key ?? ADMIN_TOKEN}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> & { error?: { code: string; message: string } } };
}

const chat = (url: string, key: string) => request(url, '/v1/chat/completions', { key, body: { model: 'chat', messages: [{ role: 'user', content: 'hello' }], max_tokens: 8 } });

const stores: [string, () => string | undefined, boolean][] = [
  ['SQLite', () => `sqlite:${join(directory, 'switchyard.db')}`, true],
  ['PostgreSQL', () => postgresUrl, postgresUrl !== undefined],
];

describe.each(stores)('restart on %s', (name, storeUrl, available) => {
  it.skipIf(!available)('keeps keys, teams, spend and spent budgets across a restart', async () => {
    const store = storeUrl() as string;
    const first = await startTestGateway(config(), { store });
    await request(first.url, '/admin/v1/teams', { body: { id: 'team-a', name: 'Team A', budget: { limit_usd: 100, period: '1M' } } });
    const spender = (await request(first.url, '/admin/v1/virtual-keys', { body: { name: 'spender', team_id: 'team-a' } })).json as { id: string; key: string };
    // A lifetime budget small enough that three requests spend it.
    const capped = (await request(first.url, '/admin/v1/virtual-keys', { body: { name: 'capped', budget: { limit_usd: 0.00005 } } })).json as { id: string; key: string };
    for (let index = 0; index < 4; index++) expect((await chat(first.url, spender.key)).status).toBe(200);
    let cappedServed = 0;
    while ((await chat(first.url, capped.key)).status === 200) cappedServed++;
    const before = {
      spender: (await request(first.url, `/admin/v1/virtual-keys/${spender.id}`)).json,
      capped: (await request(first.url, `/admin/v1/virtual-keys/${capped.id}`)).json,
      team: (await request(first.url, '/admin/v1/teams/team-a')).json,
      usage: (await request(first.url, '/admin/v1/usage?group_by=virtual_key')).json,
    };
    await first.close();

    const second = await startTestGateway(config(), { store });
    try {
      expect((await request(second.url, `/admin/v1/virtual-keys/${spender.id}`)).json).toEqual(before.spender);
      expect((await request(second.url, `/admin/v1/virtual-keys/${capped.id}`)).json).toEqual(before.capped);
      expect((await request(second.url, '/admin/v1/teams/team-a')).json).toEqual(before.team);
      expect((await request(second.url, '/admin/v1/usage?group_by=virtual_key')).json).toEqual(before.usage);
      expect(before.spender).toMatchObject({ requests: 4 });
      expect(before.team).toMatchObject({ requests: 4, spend_usd: before.spender.spend_usd });
      expect(cappedServed).toBeGreaterThan(0);
      // The key still authenticates, and the spent budget is still spent.
      expect((await chat(second.url, spender.key)).status).toBe(200);
      const refused = await chat(second.url, capped.key);
      expect(refused.status).toBe(429);
      expect(refused.json.error?.code).toBe('budget_exceeded');
      console.log(`[governance] restart on ${name}: key spend $${String(before.spender.spend_usd)} over ${String(before.spender.requests)} requests kept; capped key still refused after ${cappedServed} served`);
    } finally {
      await second.close();
    }
  });
});
