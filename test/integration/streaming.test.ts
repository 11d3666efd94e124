import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordedRequest } from '../helpers/fake-upstream.js';
import { FakeUpstream, openAIChunk, sleep } from '../helpers/fake-upstream.js';
import type { TestGateway } from '../helpers/test-gateway.js';
import { startTestGateway } from '../helpers/test-gateway.js';

/** The primary upstream's behaviour is chosen per request by the upstream model name. */
type Script = (response: ServerResponse, request: RecordedRequest) => Promise<void>;
const scripts: Record<string, Script> = {
  async normal(response) {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.write(openAIChunk({ role: 'assistant', content: '' }));
    response.write(openAIChunk({ content: 'Hello' }));
    response.write(openAIChunk({ content: ' world' }));
    response.write(openAIChunk({}, 'stop'));
    response.write(`data: ${JSON.stringify({ id: 'chatcmpl-fake', object: 'chat.completion.chunk', created: 1, model: 'upstream-model', choices: [], usage: { prompt_tokens: 4, completion_tokens: 2, total_tokens: 6 } })}\n\n`);
    response.end('data: [DONE]\n\n');
  },
  async slow(response) {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.write(openAIChunk({ content: 'first' }));
    await sleep(400);
    response.write(openAIChunk({ content: 'second' }));
    response.end('data: [DONE]\n\n');
  },
  async 'reset-before-content'(response) {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.write(openAIChunk({ role: 'assistant', content: '' }));
    await sleep(20);
    response.destroy();
  },
  async 'cut-after-content'(response) {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.write(openAIChunk({ content: 'one' }));
    response.write(openAIChunk({ content: 'two' }));
    await sleep(20);
    response.destroy();
  },
  async 'error-event-after-content'(response) {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.write(openAIChunk({ content: 'one' }));
    response.end(`data: ${JSON.stringify({ error: { message: 'overloaded mid-stream', type: 'server_error' } })}\n\n`);
  },
  async endless(response) {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    let alive = true;
    response.on('close', () => {
      alive = false;
      upstreamClosedAt = Date.now();
    });
    while (alive) {
      response.write(openAIChunk({ content: 'tick ' }));
      await sleep(20);
    }
  },
};
let upstreamClosedAt = 0;

let primary: FakeUpstream;
let backup: FakeUpstream;
let gateway: TestGateway;

beforeAll(async () => {
  primary = await FakeUpstream.start(async (request, response) => {
    const body = JSON.parse(request.body);
    await (scripts[body.model] ?? scripts.normal!)(response, request);
  });
  backup = await FakeUpstream.start(async (request, response) => {
    if (request.body.includes('"stream":true')) return scripts.normal!(response, request);
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'c', object: 'chat.completion', created: 1, model: JSON.parse(request.body).model, choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }] }));
  });
  gateway = await startTestGateway({
    // These tests are about the relay; circuits tripping across scenarios would hide it.
    routing: { circuit: { consecutive_failures: 1_000, min_samples: 1_000 } },
    providers: [
      { id: 'primary', type: 'openai', base_url: `${primary.url}/v1`, keys: [{ id: 'pk', secret: 'sk-primary' }] },
      { id: 'backup', type: 'openai', base_url: `${backup.url}/v1`, keys: [{ id: 'bk', secret: 'sk-backup' }] },
    ],
  });
});

afterAll(async () => {
  await gateway.close();
  await primary.close();
  await backup.close();
});

function post(body: Record<string, unknown>, signal?: AbortSignal): Promise<Response> {
  return fetch(`${gateway.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], stream: true, ...body }), signal });
}

function dataLines(text: string): string[] {
  return text
    .split('\n\n')
    .filter((block) => block.startsWith('data: '))
    .map((block) => block.slice(6));
}

describe('streaming relay', () => {
  it('relays chunks, asks the upstream for usage, and hides the usage chunk the client did not ask for', async () => {
    const response = await post({ model: 'primary/normal' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    expect(response.headers.get('x-switchyard-provider')).toBe('primary');
    expect(response.headers.get('x-switchyard-key')).toBe('pk');
    const lines = dataLines(await response.text());
    expect(lines.at(-1)).toBe('[DONE]');
    const chunks = lines.slice(0, -1).map((line) => JSON.parse(line));
    expect(chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? null)).toEqual(['', 'Hello', ' world', null]);
    expect(chunks.some((chunk) => chunk.usage)).toBe(false);
    const sent = JSON.parse(primary.requests.at(-1)!.body);
    expect(sent.stream_options).toEqual({ include_usage: true });
  });

  it('keeps the usage chunk when the client asked for it', async () => {
    const response = await post({ model: 'primary/normal', stream_options: { include_usage: true } });
    const chunks = dataLines(await response.text()).slice(0, -1).map((line) => JSON.parse(line));
    expect(chunks.at(-1).usage).toEqual({ prompt_tokens: 4, completion_tokens: 2, total_tokens: 6 });
  });

  it('sends each chunk as it arrives, without waiting for the next', async () => {
    const started = Date.now();
    const response = await post({ model: 'primary/slow' });
    const reader = response.body!.getReader();
    const first = await reader.read();
    const firstAt = Date.now() - started;
    expect(new TextDecoder().decode(first.value)).toContain('first');
    expect(firstAt).toBeLessThan(300);
    let rest = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      rest += new TextDecoder().decode(value);
    }
    expect(rest).toContain('second');
    expect(Date.now() - started).toBeGreaterThanOrEqual(380);
  });

  it('a failure before the first content delta is invisible when a fallback exists', async () => {
    const response = await post({ model: 'primary/reset-before-content', fallbacks: ['backup/any'] });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-switchyard-provider')).toBe('backup');
    // Three attempts on the primary (retry.max_attempts, backoff between), then the fallback.
    expect(response.headers.get('x-switchyard-attempts')).toBe('4');
    expect(response.headers.get('x-switchyard-fallback')).toBe('1');
    const lines = dataLines(await response.text());
    expect(lines.at(-1)).toBe('[DONE]');
    expect(lines.join('')).toContain('Hello');
  });

  it('a failure before the first content delta with nowhere to go is a plain 502, not a broken stream', async () => {
    const response = await post({ model: 'primary/reset-before-content' });
    expect(response.status).toBe(502);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('upstream_error');
    expect(body.error.message).toContain('primary/pk');
  });

  it.each(['cut-after-content', 'error-event-after-content'])('after the commit point, %s ends with an error event and no [DONE]', async (model) => {
    const response = await post({ model: `primary/${model}` });
    expect(response.status).toBe(200);
    const lines = dataLines(await response.text());
    expect(lines).not.toContain('[DONE]');
    const last = JSON.parse(lines.at(-1)!);
    expect(last.error.message).toMatch(/upstream stream failed: connection failed|overloaded mid-stream/);
    expect(lines.map((line) => JSON.parse(line).choices?.[0]?.delta?.content).filter(Boolean)).toEqual(model === 'cut-after-content' ? ['one', 'two'] : ['one']);
  });

  it('a client that disconnects cancels the upstream request', async () => {
    upstreamClosedAt = 0;
    const controller = new AbortController();
    const response = await post({ model: 'primary/endless' }, controller.signal);
    const reader = response.body!.getReader();
    await reader.read();
    const abortedAt = Date.now();
    controller.abort();
    for (let i = 0; i < 50 && upstreamClosedAt === 0; i++) await sleep(20);
    expect(upstreamClosedAt).toBeGreaterThan(0);
    expect(upstreamClosedAt - abortedAt).toBeLessThan(500);
  });

  it('non-stream requests carry the routing headers', async () => {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'my-trace-123' },
      body: JSON.stringify({ model: 'backup/gpt-x', messages: [{ role: 'user', content: 'hi' }], stream: false }),
    });
    expect(response.headers.get('x-request-id')).toBe('my-trace-123');
    expect(response.headers.get('x-switchyard-model')).toBe('gpt-x');
    expect(response.headers.get('x-switchyard-attempts')).toBe('1');
    expect(response.headers.get('x-switchyard-fallback')).toBe('0');
    expect(Number(response.headers.get('x-switchyard-overhead-ms'))).toBeGreaterThanOrEqual(0);
  });
});
