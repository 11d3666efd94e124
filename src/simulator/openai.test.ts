import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { embeddingVector, startSimulator, type SimulatorHandle } from './index.js';

let simulator: SimulatorHandle;
let client: OpenAI;

beforeAll(async () => {
  simulator = await startSimulator();
  client = new OpenAI({ apiKey: 'sk-test', baseURL: `${simulator.url}/v1`, maxRetries: 0 });
});

afterAll(async () => {
  await simulator.close();
});

beforeEach(() => simulator.reset());

const weatherTool = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string' }, days: { type: 'integer' }, metric: { type: 'boolean' }, tags: { type: 'array' }, unit: { enum: ['c', 'f'] } },
      required: ['city', 'days', 'metric', 'tags', 'unit'],
    },
  },
};

describe('OpenAI chat completions through the official SDK', () => {
  it('answers a non-streamed request with deterministic text and usage', async () => {
    const { data: completion, response } = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello there, simulator!' }] })
      .withResponse();

    expect(completion.object).toBe('chat.completion');
    expect(completion.id).toMatch(/^chatcmpl-/);
    expect(completion.model).toBe('gpt-4o-mini');
    const content = completion.choices[0]?.message.content ?? '';
    expect(content.startsWith('Simulated reply from gpt-4o-mini:')).toBe(true);
    expect(content.split(' ')).toHaveLength(16);
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage).toMatchObject({ prompt_tokens: 6, completion_tokens: 16, total_tokens: 22 });
    expect(response.headers.get('x-request-id')).toMatch(/^req_/);
  });

  it('streams a role chunk, content chunks, a finish chunk, a usage chunk and [DONE]', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Stream please' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);

    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: 'assistant', content: '', refusal: null });
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    expect(text.split(' ')).toHaveLength(16);
    const finishChunk = chunks[chunks.length - 2];
    expect(finishChunk?.choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' });
    expect(finishChunk?.usage).toBeNull();
    const usageChunk = chunks[chunks.length - 1];
    expect(usageChunk?.choices).toEqual([]);
    expect(usageChunk?.usage).toMatchObject({ prompt_tokens: 4, completion_tokens: 16, total_tokens: 20 });
    expect(chunks).toHaveLength(1 + 16 + 1 + 1);
  });

  it('leaves usage out of streams that do not ask for it, and groups tokens by chunk_tokens', async () => {
    simulator.setBehaviour('sk-test', { output_tokens: 10, chunk_tokens: 4 });
    const stream = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);

    expect(chunks.every((chunk) => chunk.usage === undefined)).toBe(true);
    expect(chunks.every((chunk) => chunk.choices.length === 1)).toBe(true);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content).filter(Boolean)).toHaveLength(3);
  });

  it('cuts at max_completion_tokens with finish_reason length and at a stop string with stop', async () => {
    const capped = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }], max_completion_tokens: 3 });
    expect(capped.choices[0]?.message.content).toBe('Simulated reply from');
    expect(capped.choices[0]?.finish_reason).toBe('length');
    expect(capped.usage?.completion_tokens).toBe(3);

    const stopped = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }], stop: ['zzz', 'from'] });
    expect(stopped.choices[0]?.message.content).toBe('Simulated reply ');
    expect(stopped.choices[0]?.finish_reason).toBe('stop');
  });

  it('calls the first tool with arguments that satisfy its required properties', async () => {
    const completion = await client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [weatherTool, { type: 'function', function: { name: 'other', parameters: { type: 'object' } } }],
    });
    const choice = completion.choices[0];
    expect(choice?.finish_reason).toBe('tool_calls');
    expect(choice?.message.content).toBeNull();
    const call = choice?.message.tool_calls?.[0];
    expect(call?.id).toMatch(/^call_/);
    if (call?.type !== 'function') throw new Error('expected a function call');
    expect(call.function.name).toBe('get_weather');
    expect(JSON.parse(call.function.arguments)).toEqual({ city: 'example', days: 1, metric: true, tags: [], unit: 'c' });
  });

  it('calls the tool tool_choice names, and no tool when tool_choice is none', async () => {
    const named = await client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
      tools: [weatherTool, { type: 'function', function: { name: 'other', parameters: { type: 'object' } } }],
      tool_choice: { type: 'function', function: { name: 'other' } },
    });
    const call = named.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === 'function' ? call.function.name : undefined).toBe('other');

    const none = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }], tools: [weatherTool], tool_choice: 'none' });
    expect(none.choices[0]?.finish_reason).toBe('stop');
  });

  it('streams a tool call as tool_calls deltas that the SDK reassembles', async () => {
    const stream = client.chat.completions.stream({ model: 'm', messages: [{ role: 'user', content: 'Weather?' }], tools: [weatherTool] });
    const argumentPieces: string[] = [];
    for await (const chunk of stream) {
      const piece = chunk.choices[0]?.delta.tool_calls?.[0]?.function?.arguments;
      if (piece) argumentPieces.push(piece);
    }
    const final = await stream.finalChatCompletion();

    expect(argumentPieces.length).toBeGreaterThan(3);
    const call = final.choices[0]?.message.tool_calls?.[0];
    expect(final.choices[0]?.finish_reason).toBe('tool_calls');
    if (call?.type !== 'function') throw new Error('expected a function call');
    expect(call.id).toMatch(/^call_/);
    expect(JSON.parse(call.function.arguments)).toMatchObject({ city: 'example' });
  });

  it('quotes the tool result when the last message is a tool message', async () => {
    const completion = await client.chat.completions.create({
      model: 'm',
      messages: [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: 'sunny and 21C' },
      ],
      tools: [weatherTool],
    });
    expect(completion.choices[0]?.message.content).toContain('sunny and 21C');
    expect(completion.choices[0]?.finish_reason).toBe('stop');
  });

  it('answers JSON mode with a JSON object, following a json_schema when given', async () => {
    const object = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }], response_format: { type: 'json_object' } });
    expect(JSON.parse(object.choices[0]?.message.content ?? '')).toMatchObject({ ok: true });

    const schema = await client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'answer', schema: { type: 'object', properties: { answer: { type: 'string' }, score: { type: 'number' } }, required: ['answer', 'score'] } },
      },
    });
    expect(JSON.parse(schema.choices[0]?.message.content ?? '')).toEqual({ answer: 'example', score: 1 });
  });

  it('reports request errors in the OpenAI envelope', async () => {
    const error = await client.chat.completions.create({ model: 'm', messages: [] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error).toMatchObject({ status: 400, code: 'empty_array', param: 'messages', type: 'invalid_request_error' });
  });
});

describe('OpenAI embeddings and models', () => {
  it('returns deterministic vectors, decoded by the SDK from its default base64 encoding', async () => {
    const first = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['alpha', 'beta'] });
    const second = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'alpha' });

    expect(first.data).toHaveLength(2);
    expect(first.data[0]?.embedding).toHaveLength(8);
    expect(first.data[0]?.embedding).toEqual(second.data[0]?.embedding);
    expect(first.data[0]?.embedding).toEqual(Array.from(embeddingVector('alpha', 8)));
    expect(first.data[0]?.embedding).not.toEqual(first.data[1]?.embedding);
    expect(first.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 });
  });

  it('honours dimensions and float encoding', async () => {
    const result = await client.embeddings.create({ model: 'e', input: 'alpha', dimensions: 3, encoding_format: 'float' });
    const vector = result.data[0]?.embedding ?? [];
    expect(vector).toHaveLength(3);
    expect(Math.hypot(...vector)).toBeCloseTo(1, 5);
  });

  it('rejects an empty input', async () => {
    const error = await client.embeddings.create({ model: 'e', input: [] }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 400, param: 'input' });
  });

  it('lists models', async () => {
    const models = [];
    for await (const model of client.models.list()) models.push(model.id);
    expect(models).toContain('gpt-4o-mini');
  });
});

describe('raw OpenAI-format requests', () => {
  it('answers malformed JSON with 400 in the OpenAI envelope', async () => {
    const response = await fetch(`${simulator.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model":' });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: Record<string, unknown> };
    expect(body.error).toMatchObject({ type: 'invalid_request_error', param: null, code: null });
    expect(body.error.message).toContain('could not parse the JSON body');
    expect(simulator.stats().keys.anonymous?.by_status['400']).toBe(1);
  });

  it('answers unknown paths with 404 and known paths with the wrong method with 405', async () => {
    const unknown = await fetch(`${simulator.url}/v1/nothing`, { method: 'POST', body: '{}' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { message: 'Invalid URL (POST /v1/nothing)' } });
    const wrongMethod = await fetch(`${simulator.url}/v1/chat/completions`);
    expect(wrongMethod.status).toBe(405);
  });

  it('answers a JSON body that is not an object or misses the model with 400', async () => {
    for (const body of ['[1,2]', '"text"', '{"messages":[]}', '{"model":"m"}']) {
      const response = await fetch(`${simulator.url}/v1/chat/completions`, { method: 'POST', body });
      expect(response.status).toBe(400);
      expect(await response.json()).toHaveProperty('error.type', 'invalid_request_error');
    }
  });
});
