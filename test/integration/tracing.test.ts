import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatorHandle } from '../../src/simulator/index.js';
import { startSimulator } from '../../src/simulator/index.js';
import type { Tracer } from '../../src/telemetry/tracing.js';
import { FakeUpstream, openAIChunk, openAICompletion, sendJson } from '../helpers/fake-upstream.js';
import type { ReceivedSpan } from '../helpers/otlp-receiver.js';
import { OtlpReceiver } from '../helpers/otlp-receiver.js';
import type { TestGateway } from '../helpers/test-gateway.js';
import { startTestGateway } from '../helpers/test-gateway.js';

/**
 * OpenTelemetry traces end to end: a real OTLP/HTTP receiver, the simulator (a key answering 429,
 * a key failing, a stream breaking) and a scripted upstream that shows the `traceparent` it got.
 */
const KEY = 'sk-sy-tracing-test-virtual-key-000001';

let receiver: OtlpReceiver;
let simulator: SimulatorHandle;
let upstream: FakeUpstream;
let gateway: TestGateway;
let tracer: Tracer;

beforeAll(async () => {
  receiver = await OtlpReceiver.start();
  simulator = await startSimulator({
    defaults: { output_tokens: 6 },
    keys: {
      'sk-429-chat': { faults: [{ type: 'status', status: 429, retry_after_s: 30 }] },
      'sk-429-stream': { faults: [{ type: 'status', status: 429, retry_after_s: 30 }] },
      'sk-500': { faults: [{ type: 'status', status: 500 }] },
      'sk-midstream': { faults: [{ type: 'error_event', after_chunks: 2 }] },
    },
  });
  upstream = await FakeUpstream.start((request, response) => {
    const body = JSON.parse(request.body) as { stream?: boolean };
    if (body.stream !== true) {
      sendJson(response, 200, openAICompletion('Hello world'));
      return;
    }
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.write(openAIChunk({ role: 'assistant', content: 'Hello' }));
    response.write(openAIChunk({ content: ' world' }, 'stop'));
    response.write(`data: ${JSON.stringify({ id: 'chatcmpl-fake', object: 'chat.completion.chunk', created: 1, model: 'upstream-model', choices: [], usage: { prompt_tokens: 4, completion_tokens: 3, total_tokens: 7 } })}\n\n`);
    response.end('data: [DONE]\n\n');
  });
  const simulatorUrl = `${simulator.url}/v1`;
  gateway = await startTestGateway(
    {
      routing: { circuit: { consecutive_failures: 1000, min_samples: 1000 } },
      providers: [
        { id: 'limited', type: 'openai', base_url: simulatorUrl, keys: [{ id: 'l-chat', secret: 'sk-429-chat' }] },
        { id: 'limited-too', type: 'openai', base_url: simulatorUrl, keys: [{ id: 'l-stream', secret: 'sk-429-stream' }] },
        { id: 'answering', type: 'openai', base_url: `${upstream.url}/v1`, keys: [{ id: 'a1', secret: 'sk-fake' }] },
        { id: 'broken', type: 'openai', base_url: simulatorUrl, keys: [{ id: 'b1', secret: 'sk-500' }], retry: { max_attempts: 1 } },
        { id: 'breaking', type: 'openai', base_url: simulatorUrl, keys: [{ id: 'm1', secret: 'sk-midstream' }] },
        { id: 'sim', type: 'openai', base_url: simulatorUrl, keys: [{ id: 's1', secret: 'sk-good' }] },
        { id: 'claude', type: 'anthropic', base_url: simulatorUrl, keys: [{ id: 'c1', secret: 'sk-ant-good' }] },
      ],
      models: [
        { name: 'gpt-4o-mini', strategy: 'priority', targets: [{ provider: 'limited', model: 'm', priority: 0 }, { provider: 'answering', model: 'upstream-model', priority: 1 }] },
        { name: 'streamed', strategy: 'priority', targets: [{ provider: 'limited-too', model: 'm', priority: 0 }, { provider: 'answering', model: 'upstream-model', priority: 1 }] },
        { name: 'failing', targets: [{ provider: 'broken', model: 'm' }] },
        { name: 'breaking', targets: [{ provider: 'breaking', model: 'm' }] },
        { name: 'embedder', targets: [{ provider: 'sim', model: 'text-embedding-3-small' }] },
        { name: 'no-embeddings', targets: [{ provider: 'claude', model: 'claude-sonnet-4-5' }] },
      ],
      virtual_keys: [{ id: 'vk-trace', name: 'trace', key: KEY }],
    },
    {
      environment: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_SERVICE_NAME: 'switchyard-test',
        OTEL_EXPORTER_OTLP_HEADERS: 'x-collector-token=secret%20value',
      },
    },
  );
  if (gateway.gateway.tracer === undefined) throw new Error('tracing should be on');
  tracer = gateway.gateway.tracer;
});

afterAll(async () => {
  await gateway.close();
  await upstream.close();
  await simulator.close();
  await receiver.close();
});

function traceContext(): { traceId: string; parentId: string; traceparent: string } {
  const traceId = randomBytes(16).toString('hex');
  const parentId = randomBytes(8).toString('hex');
  return { traceId, parentId, traceparent: `00-${traceId}-${parentId}-01` };
}

async function post(path: string, body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; text: string }> {
  const response = await fetch(`${gateway.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}`, ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** The spans of one trace once the server span and `clientSpans` attempt spans have arrived. */
async function spansOf(traceId: string, clientSpans: number): Promise<{ server: ReceivedSpan; clients: ReceivedSpan[] }> {
  const ready = () => {
    const spans = receiver.trace(traceId);
    return spans.some((span) => span.kind === 'server') && spans.filter((span) => span.kind === 'client').length >= clientSpans;
  };
  await receiver.waitFor(ready, () => tracer.forceFlush());
  const spans = receiver.trace(traceId);
  const server = spans.find((span) => span.kind === 'server') as ReceivedSpan;
  const clients = spans.filter((span) => span.kind === 'client').sort((a, b) => (a.startTimeUnixNano < b.startTimeUnixNano ? -1 : 1));
  return { server, clients };
}

const question = [{ role: 'user', content: 'Hello there' }];

describe('OpenTelemetry traces (OTLP/HTTP to a real receiver)', () => {
  it("a request that fails over is one SERVER span under the client's traceparent, with a CLIENT span per attempt, and the upstream joins the trace", async () => {
    const client = traceContext();
    const response = await post('/v1/chat/completions', { model: 'gpt-4o-mini', messages: question }, { traceparent: client.traceparent, tracestate: 'vendor=opaque', 'x-request-id': 'trace-failover-1' });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-switchyard-attempts')).toBe('2');

    const { server, clients } = await spansOf(client.traceId, 2);
    expect(server.parentSpanId).toBe(client.parentId);
    expect(server.name).toBe('chat gpt-4o-mini');
    expect(server.status.code).toBe('unset');
    expect(server.resource['service.name']).toBe('switchyard-test');
    expect(server.attributes).toMatchObject({
      'http.request.method': 'POST',
      'url.path': '/v1/chat/completions',
      'http.response.status_code': 200,
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.response.model': 'upstream-model',
      'gen_ai.provider.name': 'openai',
      'gen_ai.usage.input_tokens': 5,
      'gen_ai.usage.output_tokens': 2,
      'switchyard.request_id': 'trace-failover-1',
      'switchyard.virtual_key_id': 'vk-trace',
      'switchyard.attempts': 2,
      'switchyard.fallback': 0,
    });
    expect(server.attributes['error.type']).toBeUndefined();

    expect(clients).toHaveLength(2);
    const [limited, answering] = clients as [ReceivedSpan, ReceivedSpan];
    for (const span of clients) expect(span.parentSpanId).toBe(server.spanId);
    expect(limited.name).toBe('chat m');
    expect(limited.status.code).toBe('error');
    expect(limited.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'm',
      'server.address': '127.0.0.1',
      'switchyard.provider': 'limited',
      'switchyard.key': 'l-chat',
      'switchyard.fallback': 0,
      'http.response.status_code': 429,
      'switchyard.attempt.outcome': 'http_error',
      'switchyard.attempt.failure_class': 'rate_limited',
      'error.type': 'rate_limited',
    });
    expect(limited.attributes['switchyard.attempt.reason']).toEqual(expect.any(String));
    expect(limited.attributes['gen_ai.usage.input_tokens']).toBeUndefined();
    expect(answering.name).toBe('chat upstream-model');
    expect(answering.status.code).toBe('unset');
    expect(answering.attributes).toMatchObject({
      'gen_ai.request.model': 'upstream-model',
      'switchyard.provider': 'answering',
      'switchyard.key': 'a1',
      'http.response.status_code': 200,
      'switchyard.attempt.outcome': 'ok',
      'gen_ai.usage.input_tokens': 5,
      'gen_ai.usage.output_tokens': 2,
    });
    expect(answering.attributes['server.port']).toBe(Number(new URL(upstream.url).port));
    expect(limited.endTimeUnixNano).toBeLessThanOrEqual(answering.startTimeUnixNano);
    expect(server.startTimeUnixNano).toBeLessThanOrEqual(limited.startTimeUnixNano);
    expect(server.endTimeUnixNano).toBeGreaterThanOrEqual(answering.endTimeUnixNano);

    // The provider's spans would join the trace: the call carries the answering attempt's span as parent.
    const call = upstream.requests.at(-1);
    expect(call?.headers.traceparent).toBe(`00-${client.traceId}-${answering.spanId}-01`);
    expect(call?.headers.tracestate).toBe('vendor=opaque');
    // No key secret in any span.
    expect(JSON.stringify(receiver.trace(client.traceId).map((span) => [span.name, span.attributes, span.status]))).not.toContain('sk-');
  });

  it('a streamed request is traced to the end of its stream, usage included', async () => {
    const client = traceContext();
    const response = await post('/v1/chat/completions', { model: 'streamed', messages: question, stream: true, stream_options: { include_usage: true } }, { traceparent: client.traceparent });
    expect(response.status).toBe(200);
    expect(response.text).toContain('data: [DONE]');

    const { server, clients } = await spansOf(client.traceId, 2);
    expect(server.parentSpanId).toBe(client.parentId);
    expect(server.name).toBe('chat streamed');
    expect(server.attributes).toMatchObject({ 'http.response.status_code': 200, 'gen_ai.request.model': 'streamed', 'gen_ai.response.model': 'upstream-model', 'gen_ai.usage.input_tokens': 4, 'gen_ai.usage.output_tokens': 3, 'switchyard.attempts': 2 });
    expect(server.status.code).toBe('unset');
    const [limited, answering] = clients as [ReceivedSpan, ReceivedSpan];
    expect(limited.attributes).toMatchObject({ 'switchyard.key': 'l-stream', 'http.response.status_code': 429 });
    expect(answering.attributes).toMatchObject({ 'switchyard.key': 'a1', 'switchyard.attempt.outcome': 'ok', 'gen_ai.usage.output_tokens': 3 });
    const call = upstream.requests.at(-1);
    expect(JSON.parse(call?.body ?? '{}')).toMatchObject({ stream: true });
    expect(call?.headers.traceparent).toBe(`00-${client.traceId}-${answering.spanId}-01`);
  });

  it('a stream that breaks after its first content ends its spans with ERROR and error.type', async () => {
    const client = traceContext();
    const response = await post('/v1/chat/completions', { model: 'breaking', messages: question, stream: true }, { traceparent: client.traceparent });
    expect(response.status).toBe(200);
    const { server, clients } = await spansOf(client.traceId, 1);
    expect(server.status.code).toBe('error');
    expect(server.attributes).toMatchObject({ 'http.response.status_code': 200, 'error.type': 'upstream_error' });
    expect(clients[0]?.status.code).toBe('error');
    expect(clients[0]?.attributes).toMatchObject({ 'switchyard.attempt.outcome': 'ok', 'error.type': 'upstream_error' });
  });

  it('a failed request has ERROR status and its error code as error.type', async () => {
    const client = traceContext();
    const response = await post('/v1/chat/completions', { model: 'failing', messages: question }, { traceparent: client.traceparent });
    expect(response.status).toBeGreaterThanOrEqual(500);
    const code = (JSON.parse(response.text) as { error: { code: string } }).error.code;
    const { server, clients } = await spansOf(client.traceId, 1);
    expect(server.status.code).toBe('error');
    expect(server.attributes).toMatchObject({ 'http.response.status_code': response.status, 'error.type': code, 'gen_ai.request.model': 'failing' });
    expect(server.attributes['gen_ai.response.model']).toBeUndefined();
    expect(clients[0]?.status.code).toBe('error');
    expect(clients[0]?.attributes).toMatchObject({ 'http.response.status_code': 500, 'switchyard.attempt.failure_class': 'transient', 'error.type': 'transient' });
  });

  it('a request without a traceparent starts its own trace; embeddings are `embeddings <model>`', async () => {
    const response = await post('/v1/embeddings', { model: 'embedder', input: 'hello' }, { 'x-request-id': 'trace-embeddings-1' });
    expect(response.status).toBe(200);
    await receiver.waitFor((spans) => spans.some((span) => span.attributes['switchyard.request_id'] === 'trace-embeddings-1'), () => tracer.forceFlush());
    const server = receiver.spans.find((span) => span.attributes['switchyard.request_id'] === 'trace-embeddings-1') as ReceivedSpan;
    expect(server.parentSpanId).toBe('');
    expect(server.name).toBe('embeddings embedder');
    expect(server.attributes).toMatchObject({ 'gen_ai.operation.name': 'embeddings', 'url.path': '/v1/embeddings' });
    const { clients } = await spansOf(server.traceId, 1);
    expect(clients[0]).toMatchObject({ name: 'embeddings text-embedding-3-small', parentSpanId: server.spanId });
  });

  it('an attempt that ends in an exception (the call could not be built) still has its span ended, and a 4xx is no server error', async () => {
    const client = traceContext();
    const response = await post('/v1/embeddings', { model: 'no-embeddings', input: 'hello' }, { traceparent: client.traceparent });
    expect(response.status).toBe(400);
    const { server, clients } = await spansOf(client.traceId, 1);
    expect(server.status.code).toBe('unset');
    expect(server.attributes).toMatchObject({ 'http.response.status_code': 400, 'error.type': 'invalid_request', 'switchyard.attempts': 1 });
    expect(clients[0]).toMatchObject({ name: 'embeddings claude-sonnet-4-5', parentSpanId: server.spanId, status: { code: 'error' } });
    expect(clients[0]?.attributes).toMatchObject({ 'gen_ai.provider.name': 'anthropic', 'error.type': 'invalid_request' });
  });

  it('exports to `${OTEL_EXPORTER_OTLP_ENDPOINT}/v1/traces` with OTEL_EXPORTER_OTLP_HEADERS', () => {
    expect(tracer.url).toBe(`${receiver.url}/v1/traces`);
    expect(receiver.requests.length).toBeGreaterThan(0);
    for (const request of receiver.requests) {
      expect(request.path).toBe('/v1/traces');
      expect(request.headers['x-collector-token']).toBe('secret value');
    }
  });

  it('without the variables there is no tracer, and no traceparent goes upstream', async () => {
    const quiet = await FakeUpstream.start((_request, response) => sendJson(response, 200, openAICompletion('Hello')));
    const untraced = await startTestGateway({ providers: [{ id: 'answering', type: 'openai', base_url: `${quiet.url}/v1`, keys: [{ id: 'a1', secret: 'sk-fake' }] }] }, { environment: {} });
    try {
      expect(untraced.gateway.tracer).toBeUndefined();
      const client = traceContext();
      const response = await fetch(`${untraced.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', traceparent: client.traceparent },
        body: JSON.stringify({ model: 'answering/upstream-model', messages: question }),
      });
      expect(response.status).toBe(200);
      await response.text();
      expect(quiet.requests).toHaveLength(1);
      expect(quiet.requests[0]?.headers.traceparent).toBeUndefined();
      expect(quiet.requests[0]?.headers.tracestate).toBeUndefined();
      await tracer.forceFlush();
      expect(receiver.trace(client.traceId)).toHaveLength(0);
    } finally {
      await untraced.close();
      await quiet.close();
    }
  });
});
