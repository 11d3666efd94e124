import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config/schema.js';
import type { SimulatorHandle, SimulatorOptions } from '../../src/simulator/index.js';
import { startSimulator } from '../../src/simulator/index.js';
import { startTestGateway } from '../helpers/test-gateway.js';

/**
 * The resilient-routing acceptance scenarios: real sockets, the provider simulator with scripted
 * faults, the official openai SDK as the client. Each prints its figures.
 */
const running: { close(): Promise<void> }[] = [];

afterEach(async () => {
  while (running.length > 0) await running.pop()?.close();
});

async function setUp(simulatorOptions: SimulatorOptions, config: (simulatorUrl: string) => ConfigInput) {
  const simulator = await startSimulator(simulatorOptions);
  running.push(simulator);
  const gateway = await startTestGateway(config(`${simulator.url}/v1`));
  running.unshift(gateway);
  const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 20_000 });
  return { simulator, gateway, client };
}

/** Runs `total` requests, `concurrency` at a time; returns each one's latency and error. */
async function load(total: number, concurrency: number, send: (index: number) => Promise<void>): Promise<{ latenciesMs: number[]; errors: unknown[] }> {
  const latenciesMs: number[] = [];
  const errors: unknown[] = [];
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const index = next++;
      const started = performance.now();
      try {
        await send(index);
        latenciesMs.push(performance.now() - started);
      } catch (error) {
        errors.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { latenciesMs, errors };
}

function percentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? 0;
}

function report(name: string, figures: Record<string, number | string>): void {
  process.stdout.write(`[scenario] ${name}: ${Object.entries(figures).map(([key, value]) => `${key}=${typeof value === 'number' ? Math.round(value * 100) / 100 : value}`).join(' ')}\n`);
}

const question = [{ role: 'user' as const, content: 'Hello there' }];

function requestsTo(simulator: SimulatorHandle, key: string): number {
  return simulator.stats().keys[key]?.requests ?? 0;
}

describe('resilient routing scenarios (openai SDK → gateway → simulator)', () => {
  it('one of two keys returns 429 with Retry-After: 2 — no client errors, and the limited key is left alone until its reset', async () => {
    const { simulator, client } = await setUp(
      { defaults: { latency_ms: 40 }, keys: { 'sk-limited': { latency_ms: 40, faults: [{ type: 'status', status: 429, retry_after_s: 2 }] } } },
      (url) => ({ providers: [{ id: 'p', type: 'openai', base_url: url, keys: [{ id: 'limited', secret: 'sk-limited' }, { id: 'healthy', secret: 'sk-healthy' }] }] }),
    );
    let atOneSecond: { limited: number; healthy: number } | undefined;
    const started = performance.now();
    const timer = setTimeout(() => (atOneSecond = { limited: requestsTo(simulator, 'sk-limited'), healthy: requestsTo(simulator, 'sk-healthy') }), 1_000);
    const result = await load(300, 6, async () => {
      await client.chat.completions.create({ model: 'p/gpt-4o-mini', messages: question });
    });
    clearTimeout(timer);
    const elapsedMs = performance.now() - started;
    const limitedAfter = requestsTo(simulator, 'sk-limited') - (atOneSecond?.limited ?? 0);
    const healthyAfter = requestsTo(simulator, 'sk-healthy') - (atOneSecond?.healthy ?? 0);
    const share = limitedAfter / (limitedAfter + healthyAfter);
    report('429 on one key', { requests: 300, client_errors: result.errors.length, elapsed_ms: elapsedMs, limited_key_share_after_1s: `${(share * 100).toFixed(1)}%`, limited_key_requests_after_1s: limitedAfter });
    expect(result.errors).toEqual([]);
    expect(elapsedMs).toBeGreaterThan(1_500);
    expect(share).toBeLessThan(0.1);
  });

  it('the primary returns 503 on every key and the fallback speaks the Anthropic format — no client errors, valid OpenAI responses', async () => {
    const { simulator, client } = await setUp(
      { keys: { 'sk-down-1': { faults: [{ type: 'status', status: 503 }] }, 'sk-down-2': { faults: [{ type: 'status', status: 503 }] } } },
      (url) => ({
        providers: [
          { id: 'primary', type: 'openai', base_url: url, keys: [{ id: 'd1', secret: 'sk-down-1' }, { id: 'd2', secret: 'sk-down-2' }], retry: { backoff_initial_ms: 20, backoff_max_ms: 100 } },
          { id: 'claude', type: 'anthropic', base_url: url, keys: [{ id: 'a1', secret: 'sk-anthropic' }] },
        ],
        models: [{ name: 'chat', targets: [{ provider: 'primary', model: 'gpt-4o-mini' }], fallbacks: ['claude/claude-3-5-haiku-latest'] }],
      }),
    );
    let valid = 0;
    const result = await load(200, 8, async () => {
      const completion = await client.chat.completions.create({ model: 'chat', messages: question });
      if (completion.object === 'chat.completion' && typeof completion.choices[0]?.message.content === 'string' && completion.usage !== undefined) valid++;
    });
    const primaryRequests = requestsTo(simulator, 'sk-down-1') + requestsTo(simulator, 'sk-down-2');
    report('primary 503, Anthropic fallback', { requests: 200, client_errors: result.errors.length, valid_openai_responses: valid, attempts_on_primary: primaryRequests, p95_ms: percentile(result.latenciesMs, 0.95) });
    expect(result.errors).toEqual([]);
    expect(valid).toBe(200);
    // The circuit opens: the broken primary is not asked 3× per request for all 200.
    expect(primaryRequests).toBeLessThan(60);
  });

  it('the primary hangs with first_byte_ms 500 — every request succeeds via the other target, p95 under 1.5 s', async () => {
    const { client } = await setUp({ keys: { 'sk-hang': { faults: [{ type: 'hang' }] } } }, (url) => ({
      providers: [
        { id: 'hanging', type: 'openai', base_url: url, keys: [{ id: 'h', secret: 'sk-hang' }], timeouts: { first_byte_ms: 500 } },
        { id: 'working', type: 'openai', base_url: url, keys: [{ id: 'w', secret: 'sk-working' }] },
      ],
      models: [{ name: 'chat', targets: [{ provider: 'hanging', model: 'm' }, { provider: 'working', model: 'm' }] }],
    }));
    const result = await load(100, 8, async () => {
      await client.chat.completions.create({ model: 'chat', messages: question });
    });
    const p95 = percentile(result.latenciesMs, 0.95);
    report('primary hangs, first_byte_ms 500', { requests: 100, client_errors: result.errors.length, p50_ms: percentile(result.latenciesMs, 0.5), p95_ms: p95, max_ms: percentile(result.latenciesMs, 1) });
    expect(result.errors).toEqual([]);
    expect(p95).toBeLessThan(1_500);
  });

  it('the primary resets before the first chunk — streams succeed with no visible trace', async () => {
    const { client } = await setUp({ keys: { 'sk-reset': { faults: [{ type: 'reset' }] } } }, (url) => ({
      providers: [
        { id: 'resetting', type: 'openai', base_url: url, keys: [{ id: 'r', secret: 'sk-reset' }], retry: { backoff_initial_ms: 10, backoff_max_ms: 50 } },
        { id: 'working', type: 'openai', base_url: url, keys: [{ id: 'w', secret: 'sk-working' }] },
      ],
      models: [{ name: 'chat', targets: [{ provider: 'resetting', model: 'm' }], fallbacks: ['working/m'] }],
    }));
    let complete = 0;
    const result = await load(50, 5, async () => {
      const stream = await client.chat.completions.create({ model: 'chat', messages: question, stream: true });
      let text = '';
      let finish: string | null = null;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta?.content ?? '';
        finish = chunk.choices[0]?.finish_reason ?? finish;
      }
      if (text.startsWith('Simulated reply') && finish === 'stop') complete++;
    });
    report('reset before first chunk (streams)', { requests: 50, client_errors: result.errors.length, complete_streams: complete });
    expect(result.errors).toEqual([]);
    expect(complete).toBe(50);
  });

  it('every target cuts the stream after 3 chunks — the client sees an error event and no [DONE]', async () => {
    const { gateway } = await setUp({ keys: { 'sk-cut-a': { faults: [{ type: 'cut_stream', after_chunks: 3 }] }, 'sk-cut-b': { faults: [{ type: 'cut_stream', after_chunks: 3 }] } } }, (url) => ({
      // Broken streams count against a target's health; with tripping on, both circuits would open after
      // five and later requests would get 503 no_healthy_target. This scenario is about how a broken stream ends.
      routing: { circuit: { consecutive_failures: 1_000, min_samples: 1_000 } },
      providers: [
        { id: 'a', type: 'openai', base_url: url, keys: [{ id: 'ka', secret: 'sk-cut-a' }] },
        { id: 'b', type: 'anthropic', base_url: url, keys: [{ id: 'kb', secret: 'sk-cut-b' }] },
      ],
      models: [{ name: 'chat', targets: [{ provider: 'a', model: 'm' }, { provider: 'b', model: 'claude-3-5-haiku-latest' }] }],
    }));
    let withErrorEvent = 0;
    for (let index = 0; index < 20; index++) {
      const response = await fetch(`${gateway.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'chat', messages: question, stream: true }) });
      const text = await response.text();
      expect(response.status).toBe(200);
      expect(text).not.toContain('[DONE]');
      const last = text.trim().split('\n\n').at(-1) ?? '';
      if (last.startsWith('data: {"error"')) withErrorEvent++;
    }
    report('every target cuts after 3 chunks', { requests: 20, ended_with_error_event: withErrorEvent, ended_with_done: 0 });
    expect(withErrorEvent).toBe(20);
  });

  it('weights 3:1 over 2000 requests land within 75% ± 3%', async () => {
    const { client } = await setUp({}, (url) => ({
      providers: [
        { id: 'three', type: 'openai', base_url: url, keys: [{ id: 'k3', secret: 'sk-three' }] },
        { id: 'one', type: 'openai', base_url: url, keys: [{ id: 'k1', secret: 'sk-one' }] },
      ],
      models: [{ name: 'chat', strategy: 'weighted', targets: [{ provider: 'three', model: 'm', weight: 3 }, { provider: 'one', model: 'm', weight: 1 }] }],
    }));
    let three = 0;
    const result = await load(2_000, 20, async () => {
      const { response } = await client.chat.completions.create({ model: 'chat', messages: question }).withResponse();
      if (response.headers.get('x-switchyard-provider') === 'three') three++;
    });
    const share = three / 2_000;
    report('weights 3:1', { requests: 2_000, client_errors: result.errors.length, weight_3_share: `${(share * 100).toFixed(2)}%` });
    expect(result.errors).toEqual([]);
    expect(Math.abs(share - 0.75)).toBeLessThanOrEqual(0.03);
  });
});
