import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestContext } from '../../src/pipeline/request-context.js';
import type { SimulatorHandle } from '../../src/simulator/index.js';
import { startSimulator } from '../../src/simulator/index.js';
import type { TestGateway } from '../helpers/test-gateway.js';
import { startTestGateway } from '../helpers/test-gateway.js';

let simulator: SimulatorHandle;
let gateway: TestGateway;
let client: OpenAI;
const finished: RequestContext[] = [];

beforeAll(async () => {
  simulator = await startSimulator({
    keys: {
      'sk-cut': { faults: [{ type: 'cut_stream', after_chunks: 3 }] },
      'sk-error-event': { faults: [{ type: 'error_event', after_chunks: 2, message: 'overloaded' }] },
      'sk-503': { faults: [{ type: 'status', status: 503 }] },
    },
  });
  const base = `${simulator.url}/v1`;
  gateway = await startTestGateway({
    providers: [
      { id: 'oai', type: 'openai', base_url: base, keys: [{ id: 'k1', secret: 'sk-openai' }] },
      { id: 'claude', type: 'anthropic', base_url: base, keys: [{ id: 'a1', secret: 'sk-anthropic' }] },
      { id: 'cutting', type: 'openai', base_url: base, keys: [{ id: 'c1', secret: 'sk-cut' }] },
      { id: 'claude-cutting', type: 'anthropic', base_url: base, keys: [{ id: 'c2', secret: 'sk-cut' }] },
      { id: 'erroring', type: 'openai', base_url: base, keys: [{ id: 'e1', secret: 'sk-error-event' }] },
      { id: 'down', type: 'openai', base_url: base, keys: [{ id: 'd1', secret: 'sk-503' }] },
    ],
    models: [
      { name: 'chat', targets: [{ provider: 'oai', model: 'gpt-4o-mini' }] },
      { name: 'claude-chat', targets: [{ provider: 'claude', model: 'claude-3-5-haiku-latest' }] },
      { name: 'resilient', targets: [{ provider: 'down', model: 'gpt-4o-mini' }], fallbacks: ['claude-chat'] },
    ],
  });
  gateway.gateway.onRequestFinished((context) => finished.push(context));
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'not-checked-yet', maxRetries: 0 });
});

afterAll(async () => {
  await gateway.close();
  await simulator.close();
});

const weather = {
  type: 'function' as const,
  function: { name: 'get_weather', description: 'Current weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};

describe.each([
  ['an OpenAI-format upstream', 'chat', 'oai'],
  ['an Anthropic-format upstream', 'claude-chat', 'claude'],
])('the openai SDK, served by %s', (_label, model, provider) => {
  it('non-stream: a valid completion with usage', async () => {
    const { data, response } = await client.chat.completions
      .create({ model, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello there' }], max_tokens: 50 })
      .withResponse();
    expect(response.headers.get('x-switchyard-provider')).toBe(provider);
    expect(data.object).toBe('chat.completion');
    expect(data.choices[0]?.message.role).toBe('assistant');
    expect(data.choices[0]?.message.content).toMatch(/^Simulated reply from/);
    expect(data.choices[0]?.finish_reason).toBe('stop');
    expect(data.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(data.usage?.completion_tokens).toBeGreaterThan(0);
    expect(data.usage?.total_tokens).toBe((data.usage?.prompt_tokens ?? 0) + (data.usage?.completion_tokens ?? 0));
  });

  it('stream: text arrives in deltas, with a finish reason and the usage chunk asked for', async () => {
    const stream = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Tell me something' }], stream: true, stream_options: { include_usage: true } });
    let text = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta?.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(chunks).toBeGreaterThan(3);
    expect(text).toMatch(/^Simulated reply from/);
    expect(finish).toBe('stop');
    expect(usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('stream helper: finalChatCompletion assembles the same answer', async () => {
    const runner = client.chat.completions.stream({ model, messages: [{ role: 'user', content: 'Hi' }] });
    const completion = await runner.finalChatCompletion();
    expect(completion.choices[0]?.message.content).toMatch(/^Simulated reply from/);
  });

  it('tools: a tool call round trip keeps the tool-call id', async () => {
    const first = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Weather in Paris?' }], tools: [weather] });
    const call = first.choices[0]?.message.tool_calls?.[0];
    expect(first.choices[0]?.finish_reason).toBe('tool_calls');
    expect(call?.type).toBe('function');
    if (call?.type !== 'function') throw new Error('expected a function call');
    expect(call.function.name).toBe('get_weather');
    expect(JSON.parse(call.function.arguments)).toEqual({ city: 'example' });
    const second = await client.chat.completions.create({
      model,
      tools: [weather],
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: null, tool_calls: [call] },
        { role: 'tool', tool_call_id: call.id, content: 'sunny, 21°C' },
      ],
    });
    expect(second.choices[0]?.message.content).toContain('sunny, 21°C');
  });

  it('tools in a stream: the argument deltas assemble into valid JSON', async () => {
    const runner = client.chat.completions.stream({ model, messages: [{ role: 'user', content: 'Weather?' }], tools: [weather] });
    const completion = await runner.finalChatCompletion();
    const call = completion.choices[0]?.message.tool_calls?.[0];
    if (call?.type !== 'function') throw new Error('expected a function call');
    expect(call.id).toBeTruthy();
    expect(JSON.parse(call.function.arguments)).toEqual({ city: 'example' });
  });
});

describe('the openai SDK through the gateway', () => {
  it('embeddings', async () => {
    const result = await client.embeddings.create({ model: 'oai/text-embedding-3-small', input: ['one', 'two'], dimensions: 4 });
    expect(result.data).toHaveLength(2);
    expect(result.data[0]?.embedding).toHaveLength(4);
    expect(result.usage.prompt_tokens).toBeGreaterThan(0);
  });

  it('lists models', async () => {
    const ids = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(expect.arrayContaining(['chat', 'claude-chat', 'resilient']));
  });

  it('an unknown model is a NotFoundError with the stable code', async () => {
    const error = await client.chat.completions.create({ model: 'no-such', messages: [{ role: 'user', content: 'x' }] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found');
  });

  it('a provider that is down fails over to an Anthropic-format fallback, invisibly', async () => {
    const { data, response } = await client.chat.completions.create({ model: 'resilient', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(data.choices[0]?.message.content).toMatch(/^Simulated reply/);
    expect(response.headers.get('x-switchyard-fallback')).toBe('1');
    // retry.max_attempts (3) backoff attempts on the 503 key, then the fallback.
    expect(response.headers.get('x-switchyard-attempts')).toBe('4');
  });

  it.each(['cutting/gpt-4o-mini', 'claude-cutting/claude-3-5-haiku-latest', 'erroring/gpt-4o-mini'])('a stream broken after content (%s) throws in the SDK instead of ending cleanly', async (model) => {
    const stream = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }], stream: true });
    let text = '';
    const consume = async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    };
    await expect(consume()).rejects.toThrow(/upstream|overloaded/);
    expect(text.length).toBeGreaterThan(0);
  });
});

describe('usage is captured for every request', () => {
  it.each([
    ['OpenAI-format', 'chat'],
    ['Anthropic-format', 'claude-chat'],
  ])('%s upstream: non-stream and stream (the client not asking for usage) both record real token counts', async (_label, model) => {
    const completion = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'count me' }] });
    const stream = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'count me' }], stream: true });
    for await (const chunk of stream) expect(chunk.usage ?? undefined).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const [nonStream, streamed] = finished.slice(-2);
    expect(nonStream?.usage?.output_tokens).toBe(completion.usage?.completion_tokens);
    expect(nonStream?.usage?.input_tokens).toBe(completion.usage?.prompt_tokens);
    expect(streamed?.stream).toBe(true);
    expect(streamed?.usage).toEqual(nonStream?.usage);
    expect(streamed?.status).toBe(200);
    expect(streamed?.errorCode).toBeUndefined();
  });

  it('a stream broken after content keeps its partial usage and is marked as failed', async () => {
    const stream = await client.chat.completions.create({ model: 'claude-cutting/claude-3-5-haiku-latest', messages: [{ role: 'user', content: 'hi' }], stream: true });
    await expect(
      (async () => {
        for await (const _chunk of stream) void _chunk;
      })(),
    ).rejects.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const last = finished.at(-1);
    expect(last?.errorCode).toBe('upstream_error');
    expect(last?.usage?.input_tokens).toBeGreaterThan(0);
  });
});
