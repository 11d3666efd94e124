import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatorHandle } from '../../src/simulator/index.js';
import { startSimulator } from '../../src/simulator/index.js';
import type { ReceivedSpan } from '../helpers/otlp-receiver.js';
import { OtlpReceiver } from '../helpers/otlp-receiver.js';
import type { TestGateway } from '../helpers/test-gateway.js';
import { startTestGateway } from '../helpers/test-gateway.js';

const ADMIN_TOKEN = 'admin-token-for-observability-tests';
const KEY = 'sk-sy-observability-main-key-000001';
const BROKE_KEY = 'sk-sy-observability-broke-key-00002';

let simulator: SimulatorHandle;
let gateway: TestGateway;
let receiver: OtlpReceiver;

beforeAll(async () => {
  simulator = await startSimulator({
    defaults: { output_tokens: 6 },
    keys: { 'sk-429': { faults: [{ type: 'status', status: 429, retry_after_s: 30 }] }, 'sk-hang': { faults: [{ type: 'hang' }] } },
  });
  const url = `${simulator.url}/v1`;
  receiver = await OtlpReceiver.start();
  gateway = await startTestGateway(
    {
      admin: { token: ADMIN_TOKEN },
      routing: { circuit: { consecutive_failures: 1000, min_samples: 1000 } },
      providers: [
        { id: 'good', type: 'openai', base_url: url, keys: [{ id: 'g', secret: 'sk-good' }], models: ['m'] },
        { id: 'limited', type: 'openai', base_url: url, keys: [{ id: 'l', secret: 'sk-429' }] },
        { id: 'stuck', type: 'openai', base_url: url, keys: [{ id: 's', secret: 'sk-hang' }], timeouts: { first_byte_ms: 200 }, retry: { max_attempts: 1 } },
      ],
      models: [
        { name: 'failover', strategy: 'priority', targets: [{ provider: 'limited', model: 'm', priority: 0 }, { provider: 'good', model: 'm', priority: 1 }] },
        { name: 'timeout', targets: [{ provider: 'stuck', model: 'm' }] },
        { name: 'rescued', targets: [{ provider: 'stuck', model: 'm' }], fallbacks: ['good/m'] },
      ],
      pricing: [{ model: 'm', input_per_mtok: 1, output_per_mtok: 2 }],
      virtual_keys: [
        { id: 'vk-main', name: 'main', key: KEY },
        { id: 'vk-broke', name: 'broke', key: BROKE_KEY, budget: { limit_usd: 0 } },
      ],
    },
    { environment: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url } },
  );
});

afterAll(async () => {
  await gateway.close();
  await simulator.close();
  await receiver.close();
});

async function chat(requestId: string, model: string, options: { key?: string; stream?: boolean } = {}): Promise<number> {
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${options.key ?? KEY}`, 'x-request-id': requestId },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hello' }], stream: options.stream === true, max_tokens: 10 }),
  });
  await response.text();
  return response.status;
}

// Log rows are read field by field in assertions.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type LogRow = Record<string, any>;

async function admin(path: string): Promise<{ status: number; json: { data: LogRow[]; next_cursor: string | null; error?: { message: string } } }> {
  const response = await fetch(`${gateway.url}/admin/v1/${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  return { status: response.status, json: (await response.json()) as never };
}

const run = `run-${Date.now().toString(36)}`;
let metrics = '';

function metricValue(name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([label, value]) => `${label}="${value}"`);
  for (const line of metrics.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (wanted.every((pair) => line.includes(pair))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return Number.NaN;
}

describe('after mixed traffic: success, 429 failover, timeout, fallback, budget refusal, stream', () => {
  beforeAll(async () => {
    expect(await chat(`${run}-ok`, 'good/m')).toBe(200);
    expect(await chat(`${run}-failover`, 'failover')).toBe(200);
    expect(await chat(`${run}-timeout`, 'timeout')).toBe(504);
    expect(await chat(`${run}-rescued`, 'rescued')).toBe(200);
    expect(await chat(`${run}-broke`, 'good/m', { key: BROKE_KEY })).toBe(429);
    expect(await chat(`${run}-stream`, 'good/m', { stream: true })).toBe(200);
    metrics = await (await fetch(`${gateway.url}/metrics`)).text();
  });

  it('counts every request by surface, provider, model, status class, code and virtual key', () => {
    expect(metricValue('switchyard_requests_total', { provider: 'good', model: 'm', status_class: '2xx', code: '', virtual_key: 'vk-main' })).toBeGreaterThanOrEqual(4);
    expect(metricValue('switchyard_requests_total', { provider: 'stuck', status_class: '5xx', code: 'upstream_timeout' })).toBe(1);
    expect(metricValue('switchyard_requests_total', { provider: '', status_class: '4xx', code: 'budget_exceeded', virtual_key: 'vk-broke' })).toBe(1);
    expect(metricValue('switchyard_admission_refusals_total', { code: 'budget_exceeded', subject: 'key' })).toBe(1);
  });

  it('counts attempts by outcome, retries and fallbacks by reason', () => {
    expect(metricValue('switchyard_upstream_attempts_total', { provider: 'limited', key: 'l', outcome: 'http_error' })).toBe(1);
    expect(metricValue('switchyard_upstream_attempts_total', { provider: 'stuck', key: 's', outcome: 'timeout' })).toBe(2);
    expect(metricValue('switchyard_retries_total', { provider: 'limited', reason: 'rate_limited' })).toBe(1);
    expect(metricValue('switchyard_retries_total', { provider: 'stuck', reason: 'transient' })).toBe(1);
    expect(metricValue('switchyard_fallbacks_total', { reason: 'transient' })).toBe(1);
  });

  it('has GenAI duration, time-to-first-token and token histograms, and cost', () => {
    expect(metricValue('gen_ai_server_request_duration_seconds_count', { surface: 'openai', provider: 'good', model: 'm' })).toBeGreaterThanOrEqual(4);
    expect(metricValue('gen_ai_server_request_duration_seconds_bucket', { provider: 'stuck', le: '0.1' })).toBe(0);
    expect(metricValue('gen_ai_server_time_to_first_token_seconds_count', { provider: 'good', model: 'm' })).toBe(1);
    expect(metricValue('gen_ai_client_token_usage_count', { gen_ai_token_type: 'output', provider: 'good', model: 'm' })).toBeGreaterThanOrEqual(4);
    expect(metricValue('switchyard_cost_usd_total', { provider: 'good', model: 'm', virtual_key: 'vk-main' })).toBeGreaterThan(0);
  });

  it('shows route state and weight, in-flight requests and queue depths', () => {
    expect(metricValue('switchyard_route_state', { provider: 'limited', key: 'l', state: 'failed' })).toBe(1);
    expect(metricValue('switchyard_route_state', { provider: 'limited', key: 'l', state: 'healthy' })).toBe(0);
    expect(metricValue('switchyard_route_state', { provider: 'good', key: 'g', state: 'healthy' })).toBe(1);
    expect(metricValue('switchyard_target_state', { group: 'failover', provider: 'good', model: 'm', state: 'healthy' })).toBe(1);
    expect(metricValue('switchyard_route_weight', { group: 'failover', provider: 'good', model: 'm' })).toBeGreaterThan(0);
    expect(metricValue('switchyard_requests_in_flight', {})).toBe(0);
    expect(metrics).toContain('switchyard_request_log_queue_rows');
    expect(metrics).toContain('process_cpu_user_seconds_total');
  });

  it('keeps model labels to configured models', async () => {
    expect(await chat(`${run}-odd`, 'good/some-client-invented-model')).toBe(200);
    const after = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(after).not.toContain('some-client-invented-model');
    expect(after).toContain('model="(unlisted)"');
    expect(after).not.toContain(run);
  });

  it('logs each request with its attempts and why each ended', async () => {
    const { json } = await admin(`logs?from=2000-01-01T00:00:00Z&limit=500`);
    const byId = new Map(json.data.map((row) => [row.id as string, row]));
    expect(byId.get(`${run}-ok`)).toMatchObject({ status: 200, provider: 'good', model: 'm', key_id: 'g', virtual_key_id: 'vk-main', requested_model: 'good/m', stream: false, error_code: null, content: null });
    expect(byId.get(`${run}-ok`)?.cost_usd).toBeGreaterThan(0);
    const failover = byId.get(`${run}-failover`);
    expect(failover?.attempts).toHaveLength(2);
    expect(failover?.attempts[0]).toMatchObject({ provider: 'limited', key: 'l', status: 429, outcome: 'http_error' });
    expect(failover?.attempts[1]).toMatchObject({ provider: 'good', status: 200, outcome: 'ok' });
    expect(byId.get(`${run}-timeout`)).toMatchObject({ status: 504, error_code: 'upstream_timeout', attempts: [expect.objectContaining({ outcome: 'timeout' })] });
    expect(byId.get(`${run}-rescued`)?.attempts.map((attempt: { fallback: number }) => attempt.fallback)).toEqual([0, 1]);
    expect(byId.get(`${run}-broke`)).toMatchObject({ status: 429, error_code: 'budget_exceeded', virtual_key_id: 'vk-broke', attempts: [], provider: null });
    const stream = byId.get(`${run}-stream`);
    expect(stream).toMatchObject({ stream: true, status: 200 });
    expect(stream?.ttft_ms).toBeGreaterThan(0);
    expect(stream?.output_tokens).toBeGreaterThan(0);
  });

  it('traces each request with a span per attempt, and the reason each ended', async () => {
    const tracer = gateway.gateway.tracer;
    if (tracer === undefined) throw new Error('tracing should be on');
    const ids = ['ok', 'failover', 'timeout', 'rescued', 'broke', 'stream'].map((name) => `${run}-${name}`);
    const serverSpan = (spans: readonly ReceivedSpan[], id: string) => spans.find((span) => span.kind === 'server' && span.attributes['switchyard.request_id'] === id);
    await receiver.waitFor((spans) => ids.every((id) => serverSpan(spans, id) !== undefined), () => tracer.forceFlush());
    const attemptsOf = (id: string) => {
      const server = serverSpan(receiver.spans, id) as ReceivedSpan;
      return receiver.spans.filter((span) => span.kind === 'client' && span.parentSpanId === server.spanId).sort((a, b) => (a.startTimeUnixNano < b.startTimeUnixNano ? -1 : 1));
    };
    expect(serverSpan(receiver.spans, `${run}-ok`)?.attributes).toMatchObject({ 'http.response.status_code': 200, 'gen_ai.response.model': 'm', 'switchyard.virtual_key_id': 'vk-main' });
    expect(attemptsOf(`${run}-failover`).map((span) => [span.attributes['switchyard.provider'], span.attributes['switchyard.attempt.outcome'], span.attributes['switchyard.attempt.failure_class'] ?? null])).toEqual([
      ['limited', 'http_error', 'rate_limited'],
      ['good', 'ok', null],
    ]);
    const timeout = serverSpan(receiver.spans, `${run}-timeout`) as ReceivedSpan;
    expect(timeout.attributes).toMatchObject({ 'http.response.status_code': 504, 'error.type': 'upstream_timeout' });
    expect(timeout.status.code).toBe('error');
    expect(attemptsOf(`${run}-timeout`).map((span) => span.attributes['switchyard.attempt.outcome'])).toEqual(['timeout']);
    expect(attemptsOf(`${run}-rescued`).map((span) => span.attributes['switchyard.fallback'])).toEqual([0, 1]);
    expect(serverSpan(receiver.spans, `${run}-broke`)?.attributes).toMatchObject({ 'http.response.status_code': 429, 'error.type': 'budget_exceeded' });
    expect(attemptsOf(`${run}-broke`)).toEqual([]);
    expect(serverSpan(receiver.spans, `${run}-stream`)?.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);
  });

  it('filters the log and pages through it with a cursor', async () => {
    const timeouts = await admin('logs?error_code=upstream_timeout');
    expect(timeouts.json.data.map((row) => row.id)).toEqual([`${run}-timeout`]);
    const refused = await admin('logs?status=429&virtual_key_id=vk-broke');
    expect(refused.json.data.map((row) => row.id)).toEqual([`${run}-broke`]);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof admin>> = await admin(`logs?provider=good&limit=2${cursor === null ? '' : `&cursor=${cursor}`}`);
      expect(page.json.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.json.data.map((row) => row.id as string));
      cursor = page.json.next_cursor;
    } while (cursor !== null);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining([`${run}-ok`, `${run}-failover`, `${run}-rescued`, `${run}-stream`]));
  });

  it.each([
    ['status=abc', 'status'],
    ['limit=0', 'limit'],
    ['cursor=garbage', 'cursor'],
    ['from=yesterday', 'from'],
    ['colour=red', 'colour: unknown key'],
  ])('refuses %s with 400', async (query, expected) => {
    const reply = await admin(`logs?${query}`);
    expect(reply.status).toBe(400);
    expect(reply.json.error?.message).toContain(expected);
  });
});

describe('request log options', () => {
  it('keeps redacted, capped bodies when content logging is on', async () => {
    const logged = await startTestGateway({
      admin: { token: ADMIN_TOKEN },
      providers: [{ id: 'good', type: 'openai', base_url: `${simulator.url}/v1`, keys: [{ id: 'g', secret: 'sk-good' }] }],
      observability: { request_log: { content: true, content_max_bytes: 400 } },
    });
    try {
      await fetch(`${logged.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': 'with-content' },
        body: JSON.stringify({ model: 'good/m', messages: [{ role: 'user', content: `my key is sk-proj-abcdefghijklmnop ${'x'.repeat(1_000)}` }] }),
      });
      const response = await fetch(`${logged.url}/admin/v1/logs`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      const [row] = ((await response.json()) as { data: { content: { request: string; response: string } }[] }).data;
      expect(row?.content.request).toContain('my key is [redacted]');
      expect(row?.content.request).not.toContain('sk-proj');
      expect(Buffer.byteLength(row?.content.request ?? '')).toBeLessThanOrEqual(403);
      expect(row?.content.response).toContain('Simulated reply');
    } finally {
      await logged.close();
    }
  });

  it('drops and counts rows when its queue is full, without holding requests up', async () => {
    const tight = await startTestGateway({
      providers: [{ id: 'good', type: 'openai', base_url: `${simulator.url}/v1`, keys: [{ id: 'g', secret: 'sk-good' }] }],
      observability: { request_log: { queue_size: 2 } },
    });
    try {
      const statuses = await Promise.all(Array.from({ length: 20 }, () => fetch(`${tight.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'good/m', messages: [{ role: 'user', content: 'hi' }] }) }).then((response) => response.status)));
      expect(statuses.every((status) => status === 200)).toBe(true);
      const text = await (await fetch(`${tight.url}/metrics`)).text();
      const dropped = Number(/switchyard_request_log_dropped_total (\d+)/.exec(text)?.[1]);
      expect(dropped).toBeGreaterThan(0);
      expect(dropped).toBeLessThanOrEqual(18);
    } finally {
      await tight.close();
    }
  });

  it('deletes rows past the retention period', async () => {
    const writer = gateway.gateway.requestLog;
    if (writer === undefined) throw new Error('request log is off');
    await writer.flush();
    const before = (await admin('logs?limit=500')).json.data.length;
    expect(before).toBeGreaterThan(0);
    expect(await writer.deleteExpired(Date.now() + 31 * 24 * 60 * 60 * 1000)).toBe(before);
    expect((await admin('logs')).json.data).toEqual([]);
  });
});

describe('turning metrics and the request log off', () => {
  it('serves no /metrics and writes no log rows', async () => {
    const quiet = await startTestGateway({
      admin: { token: ADMIN_TOKEN },
      providers: [{ id: 'good', type: 'openai', base_url: `${simulator.url}/v1`, keys: [{ id: 'g', secret: 'sk-good' }] }],
      observability: { metrics: { enabled: false }, request_log: { enabled: false } },
    });
    try {
      const chatReply = await fetch(`${quiet.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'good/m', messages: [{ role: 'user', content: 'hi' }] }) });
      expect(chatReply.status).toBe(200);
      const metricsReply = await fetch(`${quiet.url}/metrics`);
      expect(metricsReply.status).toBe(404);
      expect(await metricsReply.text()).toContain('observability.metrics.enabled');
      const logs = await fetch(`${quiet.url}/admin/v1/logs`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      expect(logs.status).toBe(404);
      expect(quiet.gateway.requestLog).toBeUndefined();
    } finally {
      await quiet.close();
    }
  });
});
