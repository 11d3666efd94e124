import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeUpstream, openAICompletion, sleep } from '../helpers/fake-upstream.js';
import type { TestGateway } from '../helpers/test-gateway.js';
import { startTestGateway } from '../helpers/test-gateway.js';

let upstream: FakeUpstream;
let gateway: TestGateway;
const closedAt = new Map<string, number>();

beforeAll(async () => {
  upstream = await FakeUpstream.start(async (request, response) => {
    const model = JSON.parse(request.body).model as string;
    response.on('close', () => closedAt.set(model, Date.now()));
    if (model === 'hang') return; // never answers
    if (model === 'trickle') {
      // Headers at once, then a body that never completes within the total limit.
      response.writeHead(200, { 'content-type': 'application/json' });
      for (let i = 0; i < 40 && !response.destroyed; i++) {
        response.write(' ');
        await sleep(50);
      }
      response.end(JSON.stringify(openAICompletion('late')));
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(openAICompletion('ok')));
  });
  gateway = await startTestGateway({
    routing: { circuit: { consecutive_failures: 1_000, min_samples: 1_000 } },
    providers: [
      { id: 'patient', type: 'openai', base_url: `${upstream.url}/v1`, keys: [{ id: 'k', secret: 's' }] },
      { id: 'strict', type: 'openai', base_url: `${upstream.url}/v1`, keys: [{ id: 'k', secret: 's' }], timeouts: { first_byte_ms: 300, total_ms: 600 }, retry: { max_attempts: 1 } },
    ],
  });
});

afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

function post(model: string, signal?: AbortSignal): Promise<Response> {
  return fetch(`${gateway.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }), signal });
}

describe('cancellation and time limits of non-stream requests', () => {
  it('a client that disconnects while waiting cancels the upstream request', async () => {
    const controller = new AbortController();
    const pending = post('patient/hang', controller.signal).catch(() => undefined);
    await sleep(150);
    const abortedAt = Date.now();
    controller.abort();
    await pending;
    for (let i = 0; i < 50 && !closedAt.has('hang'); i++) await sleep(20);
    expect(closedAt.get('hang')).toBeDefined();
    expect((closedAt.get('hang') ?? 0) - abortedAt).toBeLessThan(500);
  });

  it('no response headers within first_byte_ms is a 504 upstream_timeout', async () => {
    closedAt.delete('hang');
    const started = Date.now();
    const response = await post('strict/hang');
    expect(response.status).toBe(504);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('upstream_timeout');
    expect(body.error.message).toContain('strict/k');
    expect(body.error.message).toContain('first-byte timeout');
    // Enforced by the gateway's 50 ms sweep, not undici's one-second timer wheel.
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(Date.now() - started).toBeLessThan(550);
  });

  it('x-switchyard-timeout-ms caps every attempt: a hanging upstream answers 504 at the request deadline', async () => {
    const started = Date.now();
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-switchyard-timeout-ms': '400' },
      body: JSON.stringify({ model: 'patient/hang', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(504);
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
    expect(Date.now() - started).toBeLessThan(900);
  });

  it('a body still arriving at total_ms is cut at the limit: 504, and the upstream is released', async () => {
    const started = Date.now();
    const response = await post('strict/trickle');
    const elapsed = Date.now() - started;
    expect(response.status).toBe(504);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain('total time limit');
    expect(elapsed).toBeGreaterThanOrEqual(590);
    expect(elapsed).toBeLessThan(1_500);
    for (let i = 0; i < 50 && !closedAt.has('trickle'); i++) await sleep(20);
    expect(closedAt.get('trickle')).toBeDefined();
  });
});
