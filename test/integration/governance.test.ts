import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatorHandle } from '../../src/simulator/index.js';
import { startSimulator } from '../../src/simulator/index.js';
import type { TestGateway } from '../helpers/test-gateway.js';
import { startTestGateway } from '../helpers/test-gateway.js';

const ADMIN_TOKEN = 'admin-token-for-governance-tests';
const DECLARED_KEY = 'sk-sy-declared-in-config-0000000001';
const EXPIRED_KEY = 'sk-sy-expired-in-config-00000000002';
const DISABLED_KEY = 'sk-sy-disabled-in-config-0000000003';
/** USD per million tokens of the priced simulator model: input 1, output 2 → 1,000 / 2,000 nano-USD per token. */
const INPUT_NANO_PER_TOKEN = 1_000;
const OUTPUT_NANO_PER_TOKEN = 2_000;

let simulator: SimulatorHandle;
let gateway: TestGateway;

beforeAll(async () => {
  simulator = await startSimulator({ defaults: { latency_ms: 20, output_tokens: 8 }, keys: { 'sk-stream': { ttft_ms: 0, tokens_per_second: 40, output_tokens: 200 } } });
  const url = `${simulator.url}/v1`;
  gateway = await startTestGateway({
    admin: { token: ADMIN_TOKEN },
    providers: [
      { id: 'sim', type: 'openai', base_url: url, keys: [{ id: 'k', secret: 'sk-sim' }] },
      { id: 'other', type: 'openai', base_url: url, keys: [{ id: 'o', secret: 'sk-other' }] },
      { id: 'slow', type: 'openai', base_url: url, keys: [{ id: 's', secret: 'sk-stream' }] },
    ],
    models: [
      { name: 'chat', targets: [{ provider: 'sim', model: 'sim-priced' }] },
      { name: 'other-chat', targets: [{ provider: 'other', model: 'sim-priced' }] },
      { name: 'slow-chat', targets: [{ provider: 'slow', model: 'sim-priced' }] },
      { name: 'unpriced', targets: [{ provider: 'sim', model: 'mystery-model' }] },
    ],
    pricing: [{ model: 'sim-priced', input_per_mtok: 1, output_per_mtok: 2 }],
    virtual_keys: [
      { id: 'declared', name: 'declared', key: DECLARED_KEY },
      { name: 'old', key: EXPIRED_KEY, expires_at: '2020-01-01T00:00:00Z' },
      { name: 'off', key: DISABLED_KEY, disabled: true },
    ],
  });
});

afterAll(async () => {
  await gateway.close();
  await simulator.close();
});

interface Reply {
  status: number;
  headers: Headers;
  // Response bodies of many shapes, read field by field in assertions.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

async function call(path: string, init: { method?: string; headers?: Record<string, string>; body?: unknown; raw?: string } = {}): Promise<Reply> {
  const body = init.raw ?? (init.body === undefined ? undefined : JSON.stringify(init.body));
  const response = await fetch(`${gateway.url}${path}`, {
    method: init.method ?? (body === undefined ? 'GET' : 'POST'),
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
    body,
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text === '' ? undefined : JSON.parse(text) };
}

const admin = (method: string, path: string, body?: unknown) => call(`/admin/v1/${path}`, { method, body, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
const chatBody = (model = 'chat', extra: Record<string, unknown> = {}) => ({ model, messages: [{ role: 'user', content: 'hello' }], max_tokens: 8, ...extra });
const chat = (key: string | undefined, model = 'chat', extra: Record<string, unknown> = {}) => call('/v1/chat/completions', { body: chatBody(model, extra), headers: key === undefined ? {} : { authorization: `Bearer ${key}` } });

/** What the gateway reserves for a request before the call: body bytes / 4 input tokens, plus max_tokens of output. */
function worstCaseNano(body: unknown, maxTokens: number): number {
  const inputTokens = Math.ceil(Buffer.byteLength(JSON.stringify(body)) / 4);
  return inputTokens * INPUT_NANO_PER_TOKEN + maxTokens * OUTPUT_NANO_PER_TOKEN;
}

function realCostNano(usage: { prompt_tokens: number; completion_tokens: number }): number {
  return usage.prompt_tokens * INPUT_NANO_PER_TOKEN + usage.completion_tokens * OUTPUT_NANO_PER_TOKEN;
}

async function createKey(fields: Record<string, unknown>): Promise<{ id: string; key: string }> {
  const created = await admin('POST', 'virtual-keys', { name: 'test key', ...fields });
  expect(created.status, JSON.stringify(created.json)).toBe(201);
  return created.json;
}

describe('authentication', () => {
  it('requires a virtual key once any exists, and says how to send one', async () => {
    const reply = await chat(undefined);
    expect(reply.status).toBe(401);
    expect(reply.json.error).toMatchObject({ code: 'invalid_api_key', type: 'authentication_error' });
    expect(reply.json.error.message).toContain('Authorization: Bearer sk-sy-');
  });

  it.each([
    ['a provider key', 'sk-proj-abc123', 'not a Switchyard virtual key'],
    ['an unknown virtual key', 'sk-sy-nobody-has-this-key-00000000', 'not known'],
    ['an expired key', EXPIRED_KEY, 'expired at 2020-01-01T00:00:00.000Z'],
    ['a disabled key', DISABLED_KEY, 'disabled'],
    ['an empty bearer', '', 'needs a virtual key'],
  ])('refuses %s with 401 and a reason', async (_name, key, reason) => {
    const reply = await chat(key);
    expect(reply.status).toBe(401);
    expect(reply.json.error.code).toBe('invalid_api_key');
    expect(reply.json.error.message).toContain(reason);
    expect(JSON.stringify(reply.json)).not.toContain(key === '' ? 'never' : key);
  });

  it.each([
    ['Authorization: Bearer', { authorization: `Bearer ${DECLARED_KEY}` }],
    ['x-api-key', { 'x-api-key': DECLARED_KEY }],
    ['x-goog-api-key', { 'x-goog-api-key': DECLARED_KEY }],
    ['x-api-key beside an unrelated bearer token', { authorization: 'Bearer something-else', 'x-api-key': DECLARED_KEY }],
  ])('accepts a key sent as %s', async (_name, headers) => {
    const reply = await call('/v1/chat/completions', { body: chatBody(), headers });
    expect(reply.status).toBe(200);
  });

  it('guards the model list too', async () => {
    expect((await call('/v1/models')).status).toBe(401);
    expect((await call('/v1/models', { headers: { authorization: `Bearer ${DECLARED_KEY}` } })).status).toBe(200);
  });
});

describe('admin API: virtual keys, teams, customers', () => {
  it('needs the admin token', async () => {
    expect((await call('/admin/v1/virtual-keys')).status).toBe(401);
    expect((await call('/admin/v1/virtual-keys', { headers: { authorization: 'Bearer wrong-token-000000000000' } })).status).toBe(401);
  });

  it('creates a key that works at once, shows the secret only once, and revokes it at once', async () => {
    const created = await createKey({ name: 'ci-bot', metadata: { owner: 'ci' } });
    expect(created.key).toMatch(/^sk-sy-[A-Za-z0-9_-]{40}$/);
    expect(created).toMatchObject({ object: 'virtual_key', name: 'ci-bot', prefix: created.key.slice(0, 12), source: 'api', disabled: false, metadata: { owner: 'ci' } });
    expect((await chat(created.key)).status).toBe(200);

    const fetched = await admin('GET', `virtual-keys/${created.id}`);
    expect(fetched.json).not.toHaveProperty('key');
    expect(fetched.json).toMatchObject({ id: created.id, requests: 1 });
    expect(fetched.json.spend_usd).toBeGreaterThan(0);
    expect(JSON.stringify((await admin('GET', 'virtual-keys')).json)).not.toContain(created.key);

    expect((await admin('PATCH', `virtual-keys/${created.id}`, { disabled: true })).json.disabled).toBe(true);
    expect((await chat(created.key)).status).toBe(401);
    await admin('PATCH', `virtual-keys/${created.id}`, { disabled: false });
    expect((await chat(created.key)).status).toBe(200);
    expect((await admin('DELETE', `virtual-keys/${created.id}`)).json).toEqual({ id: created.id, object: 'virtual_key', deleted: true });
    expect((await chat(created.key)).status).toBe(401);
    expect((await admin('GET', `virtual-keys/${created.id}`)).status).toBe(404);
  });

  it('lists keys declared in the config file as read-only', async () => {
    const list = await admin('GET', 'virtual-keys');
    expect(list.json.data.find((key: { id: string }) => key.id === 'declared')).toMatchObject({ source: 'config', prefix: 'sk-sy-declar' });
    const patch = await admin('PATCH', 'virtual-keys/declared', { name: 'x' });
    expect(patch.status).toBe(409);
    expect(patch.json.error.message).toContain('config file');
    expect((await admin('DELETE', 'virtual-keys/declared')).status).toBe(409);
  });

  it.each([
    ['no name', {}, 'name'],
    ['an unknown field', { name: 'x', budget_usd: 5 }, 'budget_usd: unknown key'],
    ['a string rpm', { name: 'x', limits: { rpm: 'many' } }, 'limits.rpm'],
    ['a negative budget', { name: 'x', budget: { limit_usd: -1 } }, 'budget.limit_usd'],
    ['an unknown period', { name: 'x', budget: { limit_usd: 1, period: '1y' } }, 'budget.period'],
    ['a bad expiry', { name: 'x', expires_at: 'tomorrow' }, 'expires_at'],
    ['models not a list', { name: 'x', models: 'gpt-4o' }, 'models'],
  ])('refuses a key with %s: 400 naming the field', async (_name, body, field) => {
    const reply = await admin('POST', 'virtual-keys', body);
    expect(reply.status).toBe(400);
    expect(reply.json.error.code).toBe('invalid_request');
    expect(reply.json.error.message).toContain(field);
  });

  it('refuses garbage and non-object bodies with 400', async () => {
    const garbage = await call('/admin/v1/virtual-keys', { raw: '{"name": "x",', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(garbage.status).toBe(400);
    expect((await admin('POST', 'virtual-keys', ['x'])).status).toBe(400);
    expect((await admin('POST', 'teams', 'x')).status).toBe(400);
    expect((await admin('PATCH', 'virtual-keys/whatever', { rpm: 5 })).status).toBe(400);
  });

  it('answers 404 for unknown ids and 409 for duplicates and broken references', async () => {
    expect((await admin('GET', 'virtual-keys/nope')).status).toBe(404);
    expect((await admin('PATCH', 'teams/nope', { name: 'x' })).status).toBe(404);
    expect((await admin('DELETE', 'customers/nope')).status).toBe(404);
    expect((await admin('POST', 'teams', { id: 'dup-team', name: 'first' })).status).toBe(201);
    const duplicate = await admin('POST', 'teams', { id: 'dup-team', name: 'second' });
    expect(duplicate.status).toBe(409);
    expect(duplicate.json.error.code).toBe('conflict');
    const orphan = await admin('POST', 'virtual-keys', { name: 'orphan', team_id: 'no-such-team' });
    expect(orphan.status).toBe(409);
    expect(orphan.json.error.message).toContain('no-such-team');
    await createKey({ name: 'member', team_id: 'dup-team' });
    const inUse = await admin('DELETE', 'teams/dup-team');
    expect(inUse.status).toBe(409);
    expect(inUse.json.error.message).toContain('1 virtual key');
  });

  it('answers 405 for a wrong method on a known path', async () => {
    expect((await admin('PUT', 'virtual-keys', { name: 'x' })).status).toBe(405);
  });

  it('publishes an OpenAPI document generated from the validation schemas', async () => {
    const document = await call('/admin/v1/openapi.json');
    expect(document.status).toBe(200);
    expect(document.json.openapi).toBe('3.1.0');
    expect(Object.keys(document.json.paths)).toEqual(expect.arrayContaining(['/admin/v1/virtual-keys', '/admin/v1/virtual-keys/{id}', '/admin/v1/teams', '/admin/v1/customers/{id}', '/admin/v1/usage']));
    const createSchema = document.json.paths['/admin/v1/virtual-keys'].post.requestBody.content['application/json'].schema;
    expect(createSchema.required).toEqual(['name']);
    expect(createSchema.additionalProperties).toBe(false);
  });
});

describe('allow-lists', () => {
  it('refuses a model the key may not use with 403 model_not_allowed', async () => {
    const { key } = await createKey({ models: ['chat', 'slow-*'] });
    expect((await chat(key, 'chat')).status).toBe(200);
    const refused = await chat(key, 'other-chat');
    expect(refused.status).toBe(403);
    expect(refused.json.error).toMatchObject({ code: 'model_not_allowed', param: 'model' });
    const viaFallback = await chat(key, 'chat', { fallbacks: ['other-chat'] });
    expect(viaFallback.status).toBe(403);
    expect(viaFallback.json.error.param).toBe('fallbacks[0]');
  });

  it('refuses a model none of whose providers the key may use', async () => {
    const { key } = await createKey({ providers: ['other'] });
    expect((await chat(key, 'other-chat')).status).toBe(200);
    expect((await chat(key, 'sim/sim-priced')).status).toBe(403);
  });
});

describe('rate limits', () => {
  it('a key with rpm 30 hit by 60 concurrent requests: exactly 30 succeed, 30 get 429 with Retry-After', async () => {
    const { key } = await createKey({ limits: { rpm: 30 } });
    const replies = await Promise.all(Array.from({ length: 60 }, () => chat(key)));
    const ok = replies.filter((reply) => reply.status === 200);
    const limited = replies.filter((reply) => reply.status === 429);
    console.log(`[governance] rpm 30, 60 concurrent: ${ok.length} succeeded, ${limited.length} got 429`);
    expect(ok).toHaveLength(30);
    expect(limited).toHaveLength(30);
    for (const reply of limited) {
      expect(reply.json.error.code).toBe('rate_limited');
      expect(Number(reply.headers.get('retry-after'))).toBeGreaterThanOrEqual(59);
      expect(Number(reply.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    }
  });

  it('applies the team limit across its keys, naming the team', async () => {
    await admin('POST', 'teams', { id: 'small-team', name: 'Small team', limits: { rpm: 3 } });
    const first = await createKey({ team_id: 'small-team' });
    const second = await createKey({ team_id: 'small-team' });
    const statuses = [];
    for (const key of [first.key, second.key, first.key, second.key]) statuses.push((await chat(key)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const refused = await chat(first.key);
    expect(refused.json.error.message).toContain("team 'Small team' (small-team)");
  });

  it('reserves tokens against tpm and refuses a request that cannot ever fit', async () => {
    const { key } = await createKey({ limits: { tpm: 100 } });
    const tooBig = await chat(key, 'chat', { max_tokens: 500 });
    expect(tooBig.status).toBe(429);
    expect(tooBig.json.error.message).toContain('max_tokens');
    expect(tooBig.headers.get('retry-after')).toBeNull();
    expect((await chat(key, 'chat', { max_tokens: 8 })).status).toBe(200);
  });
});

describe('budgets', () => {
  it('a $0.001 budget hit by 200 concurrent requests never overspends by more than one worst case; recorded spend equals real cost', async () => {
    const { id, key } = await createKey({ budget: { limit_usd: 0.001 } });
    const replies = await Promise.all(Array.from({ length: 200 }, () => chat(key)));
    const served = replies.filter((reply) => reply.status === 200);
    const refused = replies.filter((reply) => reply.status === 429);
    expect(served.length + refused.length).toBe(200);
    for (const reply of refused) {
      expect(reply.json.error.code).toBe('budget_exceeded');
      expect(reply.json.error.message).toContain('budget of virtual key');
    }
    const realCost = served.reduce((sum, reply) => sum + realCostNano(reply.json.usage), 0);
    const worstCase = worstCaseNano(chatBody(), 8);
    const fetched = await admin('GET', `virtual-keys/${id}`);
    const usage = await admin('GET', 'usage?group_by=virtual_key');
    const row = usage.json.rows.find((entry: { virtual_key_id: string }) => entry.virtual_key_id === id);
    console.log(`[governance] $0.001 budget, 200 concurrent: ${served.length} served, ${refused.length} refused; spend $${(realCost / 1e9).toFixed(6)} (overspend ${Math.max(0, realCost - 1e6)} nano-USD, one worst case = ${worstCase} nano-USD); recorded $${fetched.json.spend_usd}`);
    expect(served.length).toBeGreaterThan(0);
    expect(realCost - 1_000_000).toBeLessThanOrEqual(worstCase);
    expect(Math.round(fetched.json.spend_usd * 1e9)).toBe(realCost);
    expect(fetched.json.requests).toBe(served.length);
    expect(Math.round(row.cost_usd * 1e9)).toBe(realCost);
    expect(row.requests).toBe(served.length);
  });

  it('charges a team budget for its keys, and refuses with the team named', async () => {
    await admin('POST', 'teams', { id: 'broke-team', name: 'Broke', budget: { limit_usd: 0.00001, period: '1d' } });
    const { key } = await createKey({ team_id: 'broke-team' });
    expect((await chat(key)).status).toBe(200);
    const refused = await chat(key);
    expect(refused.status).toBe(429);
    expect(refused.json.error).toMatchObject({ code: 'budget_exceeded' });
    expect(refused.json.error.message).toMatch(/budget of team 'Broke' \(broke-team\) is spent.*1d period \(resets/);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    const team = await admin('GET', 'teams/broke-team');
    expect(team.json.spend_usd).toBeGreaterThan(0);
  });

  it('settles a stream with the usage the upstream reported', async () => {
    const { id, key } = await createKey({ budget: { limit_usd: 1 } });
    const response = await fetch(`${gateway.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify(chatBody('chat', { stream: true, stream_options: { include_usage: true } })) });
    const text = await response.text();
    const usageChunk = text.split('\n').filter((line) => line.startsWith('data: {')).map((line) => JSON.parse(line.slice(6))).find((chunk) => chunk.usage);
    const fetched = await admin('GET', `virtual-keys/${id}`);
    expect(Math.round(fetched.json.spend_usd * 1e9)).toBe(realCostNano(usageChunk.usage));
  });

  it('settles an aborted stream on what was relayed and releases its reservation', async () => {
    const body = chatBody('slow-chat', { stream: true, max_tokens: 200 });
    const worstCase = worstCaseNano(body, 200);
    // Room for exactly one reservation: a leaked one would refuse the next request.
    const { id, key } = await createKey({ budget: { limit_usd: (worstCase + 1_000) / 1e9 } });
    const controller = new AbortController();
    const response = await fetch(`${gateway.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify(body), signal: controller.signal });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let received = '';
    while (!received.includes('Simulated')) received += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    await expect.poll(async () => (await admin('GET', `virtual-keys/${id}`)).json.requests, { timeout: 5_000 }).toBe(1);
    const spent = Math.round((await admin('GET', `virtual-keys/${id}`)).json.spend_usd * 1e9);
    expect(spent).toBeGreaterThan(0);
    expect(spent).toBeLessThan(worstCase);
    expect((await chat(key, 'chat')).status).toBe(200);
  });
});

describe('usage queries', () => {
  it('groups usage by key, team, customer, model and provider over a time range', async () => {
    await admin('POST', 'customers', { id: 'acme', name: 'Acme' });
    const { id, key } = await createKey({ customer_id: 'acme' });
    await chat(key);
    await chat(key, 'other-chat');
    const byModel = await admin('GET', 'usage?group_by=model');
    expect(byModel.json.rows.find((row: { model: string }) => row.model === 'sim-priced').requests).toBeGreaterThanOrEqual(2);
    const byProvider = await admin('GET', 'usage?group_by=provider');
    expect(byProvider.json.rows.map((row: { provider: string }) => row.provider)).toEqual(expect.arrayContaining(['sim', 'other']));
    const byCustomer = await admin('GET', 'usage?group_by=customer');
    expect(byCustomer.json.rows.find((row: { customer_id: string }) => row.customer_id === 'acme')).toMatchObject({ requests: 2 });
    const byKey = await admin('GET', `usage?group_by=virtual_key&from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z`);
    expect(byKey.json.rows.find((row: { virtual_key_id: string }) => row.virtual_key_id === id)).toMatchObject({ requests: 2 });
    const past = await admin('GET', 'usage?group_by=virtual_key&from=2000-01-01T00:00:00Z&to=2000-02-01T00:00:00Z');
    expect(past.json.rows).toEqual([]);
  });

  it.each([
    ['group_by=colour', 'group_by'],
    ['from=yesterday', 'from'],
    ['from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z', 'before'],
    ['limit=5', 'limit: unknown key'],
  ])('refuses %s with 400', async (query, expected) => {
    const reply = await admin('GET', `usage?${query}`);
    expect(reply.status).toBe(400);
    expect(reply.json.error.message).toContain(expected);
  });
});

describe('metrics and readiness', () => {
  it('counts requests on an unpriced model and refusals by limit or budget', async () => {
    const { key } = await createKey({ limits: { rpm: 1 } });
    expect((await chat(key, 'unpriced')).status).toBe(200);
    expect((await chat(key, 'unpriced')).status).toBe(429);
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).toMatch(/switchyard_unpriced_requests_total\{provider="sim",model="mystery-model"\} [1-9]/);
    expect(metrics).toMatch(/switchyard_admission_refusals_total\{code="rate_limited",subject="key"\} [1-9]/);
    expect(metrics).toMatch(/switchyard_admission_refusals_total\{code="budget_exceeded",subject="(key|team)"\} [1-9]/);
    expect(metrics).toContain('switchyard_usage_queue_rows');
  });

  it('is ready when the store answers', async () => {
    const ready = await call('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.json).toMatchObject({ status: 'ready', store: 'sqlite::memory:' });
  });
});
