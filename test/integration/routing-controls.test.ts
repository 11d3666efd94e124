import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatorHandle } from '../../src/simulator/index.js';
import { startSimulator } from '../../src/simulator/index.js';
import { FakeUpstream, openAICompletion, sendJson } from '../helpers/fake-upstream.js';
import type { TestGateway } from '../helpers/test-gateway.js';
import { startTestGateway } from '../helpers/test-gateway.js';

const ADMIN_TOKEN = 'admin-token-for-tests-0123';
let simulator: SimulatorHandle;
let small: FakeUpstream;
let gateway: TestGateway;

beforeAll(async () => {
  simulator = await startSimulator({
    keys: {
      'sk-limited': { faults: [{ type: 'status', status: 429, retry_after_s: 30 }] },
      'sk-503': { faults: [{ type: 'status', status: 503 }] },
    },
  });
  // A model with a small context window: rejects long prompts the way OpenAI does.
  small = await FakeUpstream.start((request, response) => {
    const body = JSON.parse(request.body);
    if (JSON.stringify(body.messages).length > 200) {
      return sendJson(response, 400, { error: { message: "This model's maximum context length is 50 tokens. However, your messages resulted in 90 tokens.", type: 'invalid_request_error', code: 'context_length_exceeded', param: 'messages' } });
    }
    sendJson(response, 200, openAICompletion('small model answer'));
  });
  const url = `${simulator.url}/v1`;
  gateway = await startTestGateway({
    admin: { token: ADMIN_TOKEN },
    routing: { queue: { max_wait_ms: 300 } },
    providers: [
      { id: 'sim', type: 'openai', base_url: url, keys: [{ id: 'good', secret: 'sk-good' }] },
      { id: 'limited', type: 'openai', base_url: url, keys: [{ id: 'only', secret: 'sk-limited' }] },
      { id: 'flaky', type: 'openai', base_url: url, keys: [{ id: 'f', secret: 'sk-503' }], retry: { max_attempts: 3, backoff_initial_ms: 10, backoff_max_ms: 20 } },
      { id: 'small', type: 'openai', base_url: `${small.url}/v1`, keys: [{ id: 's', secret: 'sk-small' }] },
    ],
    models: [
      { name: 'chat', targets: [{ provider: 'sim', model: 'gpt-4o-mini' }] },
      { name: 'short-context', targets: [{ provider: 'small', model: 'tiny' }], fallbacks: [{ model: 'chat', on: ['context_window'] }] },
      { name: 'short-context-plain', targets: [{ provider: 'small', model: 'tiny' }], fallbacks: ['chat'] },
    ],
  });
});

afterAll(async () => {
  await gateway.close();
  await simulator.close();
  await small.close();
});

function chat(model: string, headers: Record<string, string> = {}, content = 'hi'): Promise<Response> {
  return fetch(`${gateway.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ model, messages: [{ role: 'user', content }] }) });
}

interface ErrorBody {
  error: { code: string; message: string };
}

describe('per-request routing controls', () => {
  it('x-switchyard-debug: 1 returns the attempt list', async () => {
    const response = await chat('flaky/m', { 'x-switchyard-debug': '1', 'x-switchyard-max-attempts': '2' });
    expect(response.status).toBe(502);
    // Errors carry no routing headers; a success does.
    const ok = await chat('chat', { 'x-switchyard-debug': '1' });
    const attempts = JSON.parse(ok.headers.get('x-switchyard-debug-attempts') ?? '[]');
    expect(attempts).toEqual([{ provider: 'sim', model: 'gpt-4o-mini', key: 'good', fallback: 0, status: 200, outcome: 'ok', reason: 'ok', duration_ms: expect.any(Number) }]);
  });

  it('x-switchyard-max-attempts bounds backoff retries on a target', async () => {
    const before = simulator.stats().keys['sk-503']?.requests ?? 0;
    const response = await chat('flaky/m', { 'x-switchyard-max-attempts': '2' });
    expect(response.status).toBe(502);
    expect((simulator.stats().keys['sk-503']?.requests ?? 0) - before).toBe(2);
    const body = (await response.json()) as ErrorBody;
    expect(body.error.code).toBe('upstream_error');
    expect(body.error.message).toContain('flaky/f: 503');
  });

  it.each([
    ['x-switchyard-strategy', 'fastest', /x-switchyard-strategy: must be one of adaptive, weighted/],
    ['x-switchyard-timeout-ms', 'soon', /x-switchyard-timeout-ms: must be a whole number/],
    ['x-switchyard-max-attempts', '0', /x-switchyard-max-attempts: must be a whole number from 1 to 100/],
  ])('a bad %s header is a 400 naming it', async (header, value, message) => {
    const response = await chat('chat', { [header]: value });
    expect(response.status).toBe(400);
    expect(((await response.json()) as ErrorBody).error.message).toMatch(message);
  });

  it('a key cooling after a 429 makes its only route wait in the queue, then 503 no_healthy_target with Retry-After', async () => {
    const first = await chat('limited/m');
    expect(first.status).toBe(503);
    const started = Date.now();
    const second = await chat('limited/m');
    expect(second.status).toBe(503);
    const body = (await second.json()) as ErrorBody;
    expect(body.error.code).toBe('no_healthy_target');
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThanOrEqual(25);
    // The cooldown (30 s) is beyond the queue's max wait (300 ms): no waiting, and no second upstream call.
    expect(Date.now() - started).toBeLessThan(300);
    expect(simulator.stats().keys['sk-limited']?.requests).toBe(1);
  });
});

describe('fallbacks by failure kind', () => {
  const longPrompt = 'word '.repeat(60);

  it('a context-window refusal goes to the fallback meant for it', async () => {
    const response = await chat('short-context', { 'x-switchyard-debug': '1' }, longPrompt);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-switchyard-provider')).toBe('sim');
    expect(response.headers.get('x-switchyard-fallback')).toBe('1');
  });

  it('a plain fallback is not used for a context-window refusal: the client gets the upstream 400', async () => {
    const response = await chat('short-context-plain', {}, longPrompt);
    expect(response.status).toBe(400);
    expect(((await response.json()) as ErrorBody).error.message).toContain('maximum context length');
  });

  it('short prompts stay on the small model', async () => {
    const response = await chat('short-context');
    expect(response.headers.get('x-switchyard-provider')).toBe('small');
  });
});

describe('GET /admin/v1/routes', () => {
  it('needs the admin token', async () => {
    expect((await fetch(`${gateway.url}/admin/v1/routes`)).status).toBe(401);
    const wrong = await fetch(`${gateway.url}/admin/v1/routes`, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as ErrorBody).error.code).toBe('invalid_api_key');
  });

  it('shows every target and key with its state and the reason', async () => {
    const response = await fetch(`${gateway.url}/admin/v1/routes`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(response.status).toBe(200);
    const view = (await response.json()) as { targets: { group: string | null; provider: string; model: string | null; state: string; reason: string; keys: Record<string, unknown>[] }[] };
    const chatTarget = view.targets.find((target) => target.group === 'chat');
    expect(chatTarget).toMatchObject({ provider: 'sim', model: 'gpt-4o-mini', state: 'healthy', weight: 1 });
    expect(chatTarget?.keys[0]).toEqual({
      id: 'good',
      state: 'healthy',
      weight: 1,
      error_rate: 0,
      latency_ms: expect.any(Number),
      in_flight: 0,
      remaining_requests: null,
      remaining_tokens: null,
      cooldown_until: null,
      reason: expect.any(String),
      last_transition: null,
      // The default strategy is adaptive: the view says how it scores the key.
      adaptive: {
        score: expect.any(Number),
        effective_weight: expect.any(Number),
        factors: { error: 1, latency: 1, utilisation: 1, load: expect.any(Number), recovery: 1 },
        expected_share: 1,
        // null until the first scoring interval has passed since the picks
        actual_share: (chatTarget?.keys[0] as { adaptive?: { actual_share?: unknown } } | undefined)?.adaptive?.actual_share,
      },
    });
    const actualShare = (chatTarget?.keys[0] as { adaptive: { actual_share: unknown } }).adaptive.actual_share;
    expect(actualShare === null || typeof actualShare === 'number').toBe(true);
    const limited = view.targets.find((target) => target.provider === 'limited');
    expect(limited?.keys[0]?.state).toBe('failed');
    expect(limited?.keys[0]?.reason).toMatch(/rate limit/i);
    expect(Date.parse(String(limited?.keys[0]?.cooldown_until)) - Date.now()).toBeGreaterThan(20_000);
  });
});
