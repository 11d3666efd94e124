import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type SimulatorHandle } from './index.js';

let simulator: SimulatorHandle;
let client: Anthropic;

beforeAll(async () => {
  simulator = await startSimulator();
  client = new Anthropic({ apiKey: 'sk-ant-test', baseURL: simulator.url, maxRetries: 0 });
});

afterAll(async () => {
  await simulator.close();
});

beforeEach(() => simulator.reset());

const weatherTool = {
  name: 'get_weather',
  description: 'Weather for a city',
  input_schema: { type: 'object' as const, properties: { city: { type: 'string' }, days: { type: 'number' } }, required: ['city', 'days'] },
};

async function rawMessages(body: unknown, headers: Record<string, string> = { 'anthropic-version': '2023-06-01' }): Promise<Response> {
  return fetch(`${simulator.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': 'raw-key', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('Anthropic messages through the official SDK', () => {
  it('answers a non-streamed request with text, stop reason and usage', async () => {
    const { data: message, response } = await client.messages
      .create({ model: 'claude-3-5-haiku-latest', max_tokens: 100, system: 'Be brief.', messages: [{ role: 'user', content: 'Hello there!' }] })
      .withResponse();

    expect(message.type).toBe('message');
    expect(message.id).toMatch(/^msg_/);
    expect(message.content).toHaveLength(1);
    const block = message.content[0];
    expect(block?.type === 'text' ? block.text : '').toMatch(/^Simulated reply from claude-3-5-haiku-latest: /);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage).toMatchObject({ input_tokens: 6, output_tokens: 16, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 });
    expect(response.headers.get('request-id')).toMatch(/^req_/);
  });

  it('streams the exact Anthropic event sequence, which the SDK accumulates', async () => {
    simulator.setBehaviour('sk-ant-test', { output_tokens: 6 });
    const stream = client.messages.stream({ model: 'claude', max_tokens: 100, messages: [{ role: 'user', content: 'Stream!' }] });
    const eventTypes: string[] = [];
    for await (const event of stream) eventTypes.push(event.type);
    const message = await stream.finalMessage();

    expect(eventTypes).toEqual([
      'message_start',
      'content_block_start',
      ...Array<string>(6).fill('content_block_delta'),
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    const block = message.content[0];
    expect(block?.type === 'text' ? block.text : '').toBe('Simulated reply from claude: the simulator');
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage).toMatchObject({ input_tokens: 2, output_tokens: 6 });
  });

  it('sends a ping between content_block_start and the first delta', async () => {
    const response = await rawMessages({ model: 'claude', max_tokens: 2, stream: true, messages: [{ role: 'user', content: 'hi' }] });
    const events = [...(await response.text()).matchAll(/^event: (\w+)$/gm)].map((match) => match[1]);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    expect(events).toEqual(['message_start', 'content_block_start', 'ping', 'content_block_delta', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);
  });

  it('stops at max_tokens and at stop sequences the way the API reports them', async () => {
    const capped = await client.messages.create({ model: 'c', max_tokens: 2, messages: [{ role: 'user', content: 'hi' }] });
    expect(capped.stop_reason).toBe('max_tokens');
    expect(capped.usage.output_tokens).toBe(2);

    const stopped = await client.messages.create({ model: 'c', max_tokens: 100, stop_sequences: ['reply'], messages: [{ role: 'user', content: 'hi' }] });
    expect(stopped.stop_reason).toBe('stop_sequence');
    expect(stopped.stop_sequence).toBe('reply');
    const block = stopped.content[0];
    expect(block?.type === 'text' ? block.text : '').toBe('Simulated ');
  });

  it('answers with a tool_use block when tools are offered', async () => {
    const message = await client.messages.create({ model: 'c', max_tokens: 100, tools: [weatherTool], messages: [{ role: 'user', content: 'Weather?' }] });
    expect(message.stop_reason).toBe('tool_use');
    const block = message.content[0];
    if (block?.type !== 'tool_use') throw new Error('expected tool_use');
    expect(block.id).toMatch(/^toolu_/);
    expect(block.name).toBe('get_weather');
    expect(block.input).toEqual({ city: 'example', days: 1 });
  });

  it('streams tool use as content_block_start tool_use and input_json_delta pieces', async () => {
    const stream = client.messages.stream({ model: 'c', max_tokens: 100, tools: [weatherTool], tool_choice: { type: 'any' }, messages: [{ role: 'user', content: 'Weather?' }] });
    let jsonDeltas = 0;
    for await (const event of stream) {
      if (event.type === 'content_block_delta' && event.delta.type === 'input_json_delta') jsonDeltas++;
    }
    const message = await stream.finalMessage();
    const block = message.content[0];
    if (block?.type !== 'tool_use') throw new Error('expected tool_use');
    expect(jsonDeltas).toBeGreaterThan(2);
    expect(block.input).toEqual({ city: 'example', days: 1 });
    expect(message.stop_reason).toBe('tool_use');
  });

  it('quotes a tool result and answers with text when tool_choice is none', async () => {
    const afterTool = await client.messages.create({
      model: 'c',
      max_tokens: 100,
      tools: [weatherTool],
      messages: [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'rainy, 12C' }] }] },
      ],
    });
    const block = afterTool.content[0];
    expect(block?.type === 'text' ? block.text : '').toContain('rainy, 12C');

    const noTool = await client.messages.create({ model: 'c', max_tokens: 100, tools: [weatherTool], tool_choice: { type: 'none' }, messages: [{ role: 'user', content: 'x' }] });
    expect(noTool.stop_reason).toBe('end_turn');
  });

  it('counts tokens', async () => {
    const count = await client.messages.countTokens({ model: 'c', system: 'abcd', messages: [{ role: 'user', content: 'efghijkl' }] });
    expect(count).toEqual({ input_tokens: 3 });
  });

  it('rejects a request without max_tokens like the real API', async () => {
    const response = await rawMessages({ model: 'c', messages: [{ role: 'user', content: 'x' }] });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: 'max_tokens: Field required' } });
  });

  it('rejects a request without the anthropic-version header', async () => {
    const response = await rawMessages({ model: 'c', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }, {});
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: 'anthropic-version: header is required' } });
  });

  it('answers malformed JSON with 400 in the Anthropic envelope', async () => {
    const response = await rawMessages('{"model": "c", ');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(simulator.stats().keys['raw-key']?.by_status).toEqual({ '400': 1 });
  });

  it('surfaces errors to the SDK as typed exceptions', async () => {
    const error = await client.messages.create({ model: 'c', max_tokens: 0, messages: [{ role: 'user', content: 'x' }] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
  });

  it('lists models in the Anthropic shape', async () => {
    const ids = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toContain('claude-3-5-haiku-latest');
  });
});
