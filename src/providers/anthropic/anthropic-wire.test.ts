/**
 * The fixtures and translations checked against the official SDKs: the Anthropic SDK must read
 * every `.sse` fixture as a real Anthropic stream (so the fixtures follow the wire format), and
 * the OpenAI SDK must assemble the translator's chunks into a sensible completion.
 */
import Anthropic from '@anthropic-ai/sdk';
import { ChatCompletionStream } from 'openai/lib/ChatCompletionStream';
import { describe, expect, it } from 'vitest';
import { fixtureText as sharedFixtureText, parseSseFixture } from '../../../test/helpers/provider-fixtures.js';
import type { StreamOutput } from '../spec.js';
import { AnthropicStreamTranslator } from './anthropic-to-openai.js';


const fixtureText = (name: string) => sharedFixtureText(`anthropic/${name}`);

const parseSse = parseSseFixture;

/** An Anthropic client whose every request is answered with the named fixture. */
function clientServing(fixture: string, contentType: string): Anthropic {
  return new Anthropic({
    apiKey: 'sk-ant-test',
    baseURL: 'http://fixture.invalid',
    maxRetries: 0,
    fetch: async () => new Response(fixtureText(fixture), { status: 200, headers: { 'content-type': contentType } }),
  });
}

function streamFixture(fixture: string) {
  const client = clientServing(fixture, 'text/event-stream');
  return client.messages.stream({ model: 'claude-3-5-haiku-20241022', max_tokens: 256, messages: [{ role: 'user', content: 'Hi' }] });
}

describe('fixtures as read by @anthropic-ai/sdk', () => {
  it('stream-text.sse is a complete text stream', async () => {
    const message = await streamFixture('stream-text.sse').finalMessage();
    expect(message.content).toMatchObject([{ type: 'text', text: 'Hello, world!' }]);
    expect(message).toMatchObject({ id: 'msg_01VxN5sBQv4QmX5ujd1X2ZWK', stop_reason: 'end_turn', usage: { input_tokens: 25, output_tokens: 15 } });
  });

  it('stream-tool-use.sse streams tool input as input_json_delta', async () => {
    const message = await streamFixture('stream-tool-use.sse').finalMessage();
    expect(message.stop_reason).toBe('tool_use');
    expect(message.content).toMatchObject([
      { type: 'text', text: 'Let me check both cities.' },
      { type: 'tool_use', id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', input: { location: 'San Francisco, CA' } },
      { type: 'tool_use', id: 'toolu_01LhGvV4bFLdKxsbFZBnXo9M', name: 'get_time', input: { timezone: 'America/New_York' } },
      { type: 'tool_use', id: 'toolu_01Qm3DKpYBvZ5pUf2XjgAaRo', name: 'list_alerts', input: {} },
    ]);
    expect(message.usage).toMatchObject({ input_tokens: 472, cache_read_input_tokens: 1024, output_tokens: 89 });
  });

  it('stream-thinking.sse carries thinking and signature deltas', async () => {
    const message = await streamFixture('stream-thinking.sse').finalMessage();
    expect(message.content).toMatchObject([
      { type: 'thinking', thinking: '27 * 400 = 10800; 27 * 53 = 1431.', signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds' },
      { type: 'text', text: '27 * 453 = 12,231' },
    ]);
  });

  it('stream-error.sse fails with the in-stream error', async () => {
    await expect(streamFixture('stream-error.sse').finalMessage()).rejects.toMatchObject({ type: 'overloaded_error' });
  });

  it('stream-truncated.sse does not read as a complete message', async () => {
    await expect(streamFixture('stream-truncated.sse').finalMessage()).rejects.toThrow(/stream ended without producing a Message/);
  });

  it.each(['response-text.json', 'response-tool-use.json', 'response-thinking.json', 'response-cache-usage.json'])('%s parses as a Message', async (fixture) => {
    const client = clientServing(fixture, 'application/json');
    const message = await client.messages.create({ model: 'claude-3-5-haiku-20241022', max_tokens: 256, messages: [{ role: 'user', content: 'Hi' }] });
    expect(message).toMatchObject({ type: 'message', role: 'assistant' });
    expect(message.usage.input_tokens).toBeGreaterThan(0);
  });
});

function translatedChunkStream(fixture: string): ReadableStream<Uint8Array> {
  const translator = new AnthropicStreamTranslator('claude-target', 1_750_000_000);
  const outputs: StreamOutput[] = [];
  for (const event of parseSse(fixtureText(fixture))) translator.push(event, outputs);
  translator.end(outputs);
  const lines = outputs.flatMap((output) => (output.type === 'chunk' ? [`${JSON.stringify(output.chunk)}\n`] : []));
  return new ReadableStream({
    start(controller) {
      for (const line of lines) controller.enqueue(new TextEncoder().encode(line));
      controller.close();
    },
  });
}

describe('translated chunks as read by the openai SDK', () => {
  it('assemble a text completion with usage', async () => {
    const completion = await ChatCompletionStream.fromReadableStream(translatedChunkStream('stream-text.sse')).finalChatCompletion();
    expect(completion.choices[0]).toMatchObject({ finish_reason: 'stop', message: { role: 'assistant', content: 'Hello, world!' } });
    expect(completion.usage).toMatchObject({ prompt_tokens: 25, completion_tokens: 15, total_tokens: 40 });
  });

  it('assemble tool calls with parseable arguments and ids unchanged', async () => {
    const completion = await ChatCompletionStream.fromReadableStream(translatedChunkStream('stream-tool-use.sse')).finalChatCompletion();
    const choice = completion.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    const calls = (choice.message.tool_calls ?? []).map((call): unknown[] =>
      call.type === 'function' ? [call.id, call.function.name, JSON.parse(call.function.arguments)] : [],
    );
    expect(calls).toEqual([
      ['toolu_01T1x1fJ34qAmk2tNTrN7Up6', 'get_weather', { location: 'San Francisco, CA' }],
      ['toolu_01LhGvV4bFLdKxsbFZBnXo9M', 'get_time', { timezone: 'America/New_York' }],
      ['toolu_01Qm3DKpYBvZ5pUf2XjgAaRo', 'list_alerts', {}],
    ]);
    expect(completion.usage).toMatchObject({ prompt_tokens: 1496, completion_tokens: 89, prompt_tokens_details: { cached_tokens: 1024 } });
  });
});
