import { describe, expect, it } from 'vitest';
import { fixtureText as sharedFixtureText, fixtureJson as sharedFixtureJson, parseSseFixture } from '../../../test/helpers/provider-fixtures.js';
import { chunkHasContent, type ChatChunk, type FinishReason } from '../chat-types.js';
import type { SseEvent, StreamOutput } from '../spec.js';
import { AnthropicStreamTranslator, anthropicToOpenAIResponse, mapStopReason, parseAnthropicError, usageFromAnthropic } from './anthropic-to-openai.js';

const CREATED = 1_750_000_000;
const TARGET_MODEL = 'claude-target';

const fixtureText = (name: string) => sharedFixtureText(`anthropic/${name}`);

const fixtureJson = (name: string) => sharedFixtureJson(`anthropic/${name}`);

const parseSse = parseSseFixture;

function translateStream(events: SseEvent[], end = true): StreamOutput[] {
  const translator = new AnthropicStreamTranslator(TARGET_MODEL, CREATED);
  const out: StreamOutput[] = [];
  for (const event of events) translator.push(event, out);
  if (end) translator.end(out);
  return out;
}

function translateFixture(name: string): StreamOutput[] {
  return translateStream(parseSse(fixtureText(name)));
}

function chunks(outputs: StreamOutput[]): ChatChunk[] {
  return outputs.flatMap((output) => (output.type === 'chunk' ? [output.chunk] : []));
}

function streamedText(outputs: StreamOutput[]): string {
  return chunks(outputs)
    .map((chunk) => chunk.choices[0]?.delta.content ?? '')
    .join('');
}

function finishReasons(outputs: StreamOutput[]): FinishReason[] {
  return chunks(outputs).flatMap((chunk) => chunk.choices.flatMap((choice) => (choice.finish_reason ? [choice.finish_reason] : [])));
}

function outputTypes(outputs: StreamOutput[]): string[] {
  return outputs.map((output) => output.type);
}

function lastUsage(outputs: StreamOutput[]): unknown {
  return outputs.filter((output) => output.type === 'usage').at(-1);
}

describe('parseSse (test helper)', () => {
  it('reads event names and data, skipping the trailing blank block', () => {
    expect(parseSse('event: ping\ndata: {"type":"ping"}\n\n')).toEqual([{ event: 'ping', data: '{"type":"ping"}' }]);
  });
});

describe('anthropicToOpenAIResponse', () => {
  it('joins text blocks into the message content', () => {
    const { response, usage } = anthropicToOpenAIResponse(fixtureJson('response-text.json'), TARGET_MODEL, CREATED);
    expect(response).toEqual({
      id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
      object: 'chat.completion',
      created: CREATED,
      model: 'claude-sonnet-4-5-20250929',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello! How can I help you today?' }, finish_reason: 'stop', logprobs: null }],
      usage: { prompt_tokens: 12, completion_tokens: 11, total_tokens: 23, prompt_tokens_details: { cached_tokens: 0 } },
    });
    expect(usage).toEqual({ input_tokens: 12, output_tokens: 11, cached_input_tokens: 0, cache_write_input_tokens: 0 });
  });

  it('turns tool_use blocks into tool calls with ids unchanged', () => {
    const { response } = anthropicToOpenAIResponse(fixtureJson('response-tool-use.json'), TARGET_MODEL, CREATED);
    const choice = response.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBe("I'll check the weather in both cities.");
    expect(choice.message.tool_calls).toEqual([
      { id: 'toolu_01A09q90qw90lq917835lq9', type: 'function', function: { name: 'get_weather', arguments: '{"location":"San Francisco, CA","unit":"celsius"}' } },
      { id: 'toolu_01B7ttHnr8ysK6hqNnV2x4Ue', type: 'function', function: { name: 'get_weather', arguments: '{"location":"New York, NY","unit":"celsius"}' } },
    ]);
  });

  it('gives null content when a response has only tool calls', () => {
    const body = { id: 'msg_1', model: 'm', content: [{ type: 'tool_use', id: 'toolu_1', name: 'f', input: {} }], stop_reason: 'tool_use' };
    const { response } = anthropicToOpenAIResponse(body, TARGET_MODEL, CREATED);
    expect(response.choices[0]!.message).toEqual({ role: 'assistant', content: null, tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'f', arguments: '{}' } }] });
  });

  it.each([
    ['response-stop-sequence.json', 'stop', '1, 2, 3, 4'],
    ['response-max-tokens.json', 'length', 'Once upon a time, in a land far'],
    ['response-refusal.json', 'content_filter', ''],
  ])('%s → finish_reason %s', (fixture, finishReason, content) => {
    const { response } = anthropicToOpenAIResponse(fixtureJson(fixture), TARGET_MODEL, CREATED);
    expect(response.choices[0]!.finish_reason).toBe(finishReason);
    expect(response.choices[0]!.message.content).toBe(content);
  });

  it('counts cache reads and writes into the prompt total', () => {
    const { response, usage } = anthropicToOpenAIResponse(fixtureJson('response-cache-usage.json'), TARGET_MODEL, CREATED);
    expect(usage).toEqual({ input_tokens: 21 + 188 + 2048, output_tokens: 17, cached_input_tokens: 2048, cache_write_input_tokens: 188 });
    expect(response.usage).toEqual({ prompt_tokens: 2257, completion_tokens: 17, total_tokens: 2274, prompt_tokens_details: { cached_tokens: 2048 } });
  });

  it('keeps thinking out of the content, in reasoning_content', () => {
    const { response } = anthropicToOpenAIResponse(fixtureJson('response-thinking.json'), TARGET_MODEL, CREATED);
    expect(response.choices[0]!.message).toEqual({
      role: 'assistant',
      content: '27 * 453 = 12,231',
      reasoning_content: '27 * 453: 27 * 400 = 10800, 27 * 53 = 1431, total 12231.',
    });
  });

  it('is lenient with a body missing optional fields', () => {
    const { response, usage } = anthropicToOpenAIResponse({ content: [{ type: 'text', text: 'ok' }, 'junk', null] }, TARGET_MODEL, CREATED);
    expect(response).toMatchObject({ id: '', model: TARGET_MODEL, choices: [{ message: { content: 'ok' }, finish_reason: null }] });
    expect(response.usage).toBeUndefined();
    expect(usage).toBeUndefined();
  });
});

describe('mapStopReason', () => {
  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['max_tokens', 'length'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
    ['pause_turn', 'stop'],
    ['model_context_window_exceeded', 'length'],
    ['some_future_reason', 'stop'],
    [null, null],
    [undefined, null],
  ])('%s → %s', (stopReason, finishReason) => {
    expect(mapStopReason(stopReason)).toBe(finishReason);
  });
});

describe('usageFromAnthropic', () => {
  it('treats null cache fields as zero', () => {
    expect(usageFromAnthropic({ input_tokens: 5, output_tokens: 2, cache_read_input_tokens: null, cache_creation_input_tokens: null })).toEqual({
      input_tokens: 5,
      output_tokens: 2,
      cached_input_tokens: 0,
      cache_write_input_tokens: 0,
    });
  });

  it('returns undefined without a usage object', () => {
    expect(usageFromAnthropic(undefined)).toBeUndefined();
    expect(usageFromAnthropic('12')).toBeUndefined();
  });
});

describe('parseAnthropicError', () => {
  it.each([
    ['error-overloaded.json', 529, 'Overloaded', 'overloaded_error'],
    ['error-rate-limit.json', 429, 'This request would exceed the rate limit for your organization of 50 requests per minute.', 'rate_limit_error'],
    ['error-invalid-request.json', 400, 'messages: roles must alternate between "user" and "assistant", but found multiple "user" roles in a row', 'invalid_request_error'],
  ])('%s', (fixture, status, message, type) => {
    expect(parseAnthropicError(status, fixtureText(fixture))).toEqual({ message, type });
  });

  it.each([
    ['an HTML page from a proxy', 502, '<html><body>Bad Gateway</body></html>'],
    ['an empty body', 503, ''],
    ['an envelope without a message', 500, '{"type":"error","error":{}}'],
  ])('gives a generic message with the status for %s', (_name, status, body) => {
    expect(parseAnthropicError(status, body)).toEqual({ message: `anthropic returned HTTP ${status} without an error message`, type: undefined });
  });

  it('reads a bare string error', () => {
    expect(parseAnthropicError(401, '{"error":"invalid x-api-key"}')).toEqual({ message: 'invalid x-api-key', type: undefined });
  });
});

describe('AnthropicStreamTranslator', () => {
  it('translates a text stream', () => {
    const outputs = translateFixture('stream-text.sse');
    expect(outputTypes(outputs)).toEqual(['chunk', 'usage', 'chunk', 'chunk', 'chunk', 'chunk', 'usage', 'chunk', 'usage', 'done']);
    const [first, ...rest] = chunks(outputs);
    expect(first).toEqual({
      id: 'msg_01VxN5sBQv4QmX5ujd1X2ZWK',
      object: 'chat.completion.chunk',
      created: CREATED,
      model: 'claude-3-5-haiku-20241022',
      choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }],
    });
    expect(chunkHasContent(first!)).toBe(false);
    expect(chunkHasContent(rest[0]!)).toBe(true);
    expect(streamedText(outputs)).toBe('Hello, world!');
    expect(finishReasons(outputs)).toEqual(['stop']);
    expect(outputs.every((output) => output.type !== 'chunk' || output.raw === undefined)).toBe(true);
  });

  it('ends a clean stream with the usage chunk, a usage output and done', () => {
    const outputs = translateFixture('stream-text.sse');
    const usage = { input_tokens: 25, output_tokens: 15, cached_input_tokens: 0, cache_write_input_tokens: 0 };
    expect(outputs.slice(-3)).toEqual([
      {
        type: 'chunk',
        chunk: {
          id: 'msg_01VxN5sBQv4QmX5ujd1X2ZWK',
          object: 'chat.completion.chunk',
          created: CREATED,
          model: 'claude-3-5-haiku-20241022',
          choices: [],
          usage: { prompt_tokens: 25, completion_tokens: 15, total_tokens: 40, prompt_tokens_details: { cached_tokens: 0 } },
        },
        raw: undefined,
      },
      { type: 'usage', usage },
      { type: 'done' },
    ]);
  });

  it('reports input usage as soon as message_start arrives', () => {
    const outputs = translateStream(parseSse(fixtureText('stream-text.sse')).slice(0, 1));
    expect(outputs[1]).toEqual({ type: 'usage', usage: { input_tokens: 25, output_tokens: 1, cached_input_tokens: 0, cache_write_input_tokens: 0 } });
  });

  it('translates a tool-use stream with input_json_delta', () => {
    const outputs = translateFixture('stream-tool-use.sse');
    const toolCallDeltas = chunks(outputs).flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    expect(toolCallDeltas).toEqual([
      { index: 0, id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', type: 'function', function: { name: 'get_weather', arguments: '' } },
      { index: 0, function: { arguments: '{"location": "San Fra' } },
      { index: 0, function: { arguments: 'ncisco, CA"}' } },
      { index: 1, id: 'toolu_01LhGvV4bFLdKxsbFZBnXo9M', type: 'function', function: { name: 'get_time', arguments: '' } },
      { index: 1, function: { arguments: '{"timezone":' } },
      { index: 1, function: { arguments: ' "America/New_York"}' } },
      { index: 2, id: 'toolu_01Qm3DKpYBvZ5pUf2XjgAaRo', type: 'function', function: { name: 'list_alerts', arguments: '' } },
      { index: 2, function: { arguments: '{}' } },
    ]);
    expect(streamedText(outputs)).toBe('Let me check both cities.');
    expect(finishReasons(outputs)).toEqual(['tool_calls']);
    expect(outputs.at(-1)).toEqual({ type: 'done' });
  });

  it('takes input and cache counts from message_delta when present', () => {
    const outputs = translateFixture('stream-tool-use.sse');
    expect(lastUsage(outputs)).toEqual({ type: 'usage', usage: { input_tokens: 472 + 1024, output_tokens: 89, cached_input_tokens: 1024, cache_write_input_tokens: 0 } });
  });

  it('sends thinking as reasoning_content (a commit point), never as content', () => {
    const outputs = translateFixture('stream-thinking.sse');
    const reasoning = chunks(outputs)
      .map((chunk) => chunk.choices[0]?.delta.reasoning_content)
      .filter((text) => typeof text === 'string')
      .join('');
    expect(reasoning).toBe('27 * 400 = 10800; 27 * 53 = 1431.');
    expect(streamedText(outputs)).toBe('27 * 453 = 12,231');
    expect(finishReasons(outputs)).toEqual(['length']);
    const reasoningChunks = chunks(outputs).filter((chunk) => chunk.choices[0]?.delta.reasoning_content !== undefined);
    expect(reasoningChunks).toHaveLength(2);
    expect(reasoningChunks.every((chunk) => chunk.choices[0]?.delta.content === undefined)).toBe(true);
    expect(reasoningChunks.every(chunkHasContent)).toBe(true);
  });

  it('turns an error event mid-stream into an error output and never a done', () => {
    const outputs = translateFixture('stream-error.sse');
    expect(streamedText(outputs)).toBe('The first part');
    expect(outputs.filter((output) => output.type === 'error')).toEqual([{ type: 'error', message: 'Overloaded', errorType: 'overloaded_error' }]);
    expect(outputTypes(outputs)).not.toContain('done');
    expect(lastUsage(outputs)).toEqual({ type: 'usage', usage: { input_tokens: 31, output_tokens: 1, cached_input_tokens: 0, cache_write_input_tokens: 0 } });
  });

  it('emits nothing that looks like a clean end when message_stop never comes', () => {
    const events = parseSse(fixtureText('stream-truncated.sse'));
    const translator = new AnthropicStreamTranslator(TARGET_MODEL, CREATED);
    const streamed: StreamOutput[] = [];
    for (const event of events) translator.push(event, streamed);
    const atEnd: StreamOutput[] = [];
    translator.end(atEnd);
    expect(streamedText(streamed)).toBe('This answer was cut off mid');
    expect(outputTypes(streamed)).not.toContain('done');
    expect(finishReasons(streamed)).toEqual([]);
    expect(atEnd).toEqual([]);
    expect(lastUsage(streamed)).toEqual({ type: 'usage', usage: { input_tokens: 19, output_tokens: 1, cached_input_tokens: 0, cache_write_input_tokens: 0 } });
  });

  it('ignores ping, unknown events and anything after message_stop', () => {
    const outputs = translateStream([
      { event: 'ping', data: '{"type": "ping"}' },
      { event: 'content_block_future', data: '{"type":"content_block_future","index":0}' },
      { event: undefined, data: 'not json' },
      { event: 'message_stop', data: '{"type":"message_stop"}' },
      { event: 'content_block_delta', data: '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"late"}}' },
    ]);
    expect(outputTypes(outputs)).toEqual(['chunk', 'usage', 'done']);
    expect(chunks(outputs)[0]).toMatchObject({ id: '', model: TARGET_MODEL, choices: [] });
  });

  it('reads an error event whose data is not JSON', () => {
    const outputs = translateStream([{ event: 'error', data: 'upstream exploded' }]);
    expect(outputs).toEqual([{ type: 'error', message: 'anthropic reported an error in the stream', errorType: 'api_error' }]);
  });

  it('keeps tool indices per translator: a new translator starts at 0', () => {
    const events = parseSse(fixtureText('stream-tool-use.sse'));
    const first = translateStream(events);
    const second = translateStream(events);
    expect(second).toEqual(first);
  });
});
