import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../chat-types.js';
import {
  DEFAULT_ANTHROPIC_MAX_TOKENS,
  TranslationError,
  openAIToAnthropicRequest,
  type AnthropicMessagesRequest,
} from './openai-to-anthropic.js';

const MODEL = 'claude-sonnet-4-5-20250929';
const HELLO = [{ role: 'user' as const, content: 'Hi' }];

function request(fields: Partial<ChatRequest>): ChatRequest {
  return { model: 'chat', messages: HELLO, ...fields };
}

function body(fields: Partial<AnthropicMessagesRequest>): AnthropicMessagesRequest {
  return { model: MODEL, messages: [{ role: 'user', content: 'Hi' }], max_tokens: DEFAULT_ANTHROPIC_MAX_TOKENS, ...fields };
}

function ignored(parameter: string): string {
  return `parameter '${parameter}' is not supported by anthropic and was ignored`;
}

const JSON_INSTRUCTION = 'Respond with a single valid JSON object and nothing else: no prose before or after it, no markdown code fences.';
const WEATHER_SCHEMA = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
const WEATHER_TOOL = { type: 'function' as const, function: { name: 'get_weather', description: 'Current weather', parameters: WEATHER_SCHEMA } };
const ANTHROPIC_WEATHER_TOOL = { name: 'get_weather', description: 'Current weather', input_schema: WEATHER_SCHEMA };
const PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

interface TranslationCase {
  name: string;
  request: ChatRequest;
  body: AnthropicMessagesRequest;
  warnings?: string[];
}

const cases: TranslationCase[] = [
  { name: 'a single user message with defaults', request: request({}), body: body({}) },
  {
    name: 'a system message becomes the top-level system prompt',
    request: request({ messages: [{ role: 'system', content: 'Be terse.' }, ...HELLO] }),
    body: body({ system: 'Be terse.' }),
  },
  {
    name: 'system, developer and text-part system messages are concatenated in order',
    request: request({
      messages: [
        { role: 'system', content: 'Be terse.' },
        { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }, { type: 'text', text: 'No emoji.' }] },
        ...HELLO,
        { role: 'system', content: 'Late rule.' },
      ],
    }),
    body: body({ system: 'Be terse.\n\nAnswer in French.\n\nNo emoji.\n\nLate rule.' }),
  },
  {
    name: 'system parts carrying cache_control stay text blocks',
    request: request({
      messages: [{ role: 'system', content: [{ type: 'text', text: 'Long policy.', cache_control: { type: 'ephemeral' } }] }, ...HELLO],
    }),
    body: body({ system: [{ type: 'text', text: 'Long policy.', cache_control: { type: 'ephemeral' } }] }),
  },
  {
    name: 'a multi-turn conversation keeps its order',
    request: request({
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello! How can I help?' },
        { role: 'user', content: 'Tell me a joke.' },
      ],
    }),
    body: body({
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello! How can I help?' },
        { role: 'user', content: 'Tell me a joke.' },
      ],
    }),
  },
  {
    name: 'consecutive same-role messages are merged into one turn',
    request: request({
      messages: [
        { role: 'user', content: 'First.' },
        { role: 'user', content: [{ type: 'text', text: 'Second.' }] },
        { role: 'assistant', content: 'A' },
        { role: 'assistant', content: 'B' },
      ],
    }),
    body: body({
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'First.' }, { type: 'text', text: 'Second.' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'A' }, { type: 'text', text: 'B' }] },
      ],
    }),
  },
  {
    name: 'empty text content yields no block and no empty turn',
    request: request({ messages: [...HELLO, { role: 'assistant', content: '' }, { role: 'user', content: 'Still there?' }] }),
    body: body({ messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }, { type: 'text', text: 'Still there?' }] }] }),
  },
  {
    name: 'assistant tool calls become tool_use blocks with ids unchanged, tool results a grouped user turn',
    request: request({
      messages: [
        { role: 'user', content: 'Weather in Paris and Rome?' },
        {
          role: 'assistant',
          content: 'Checking.',
          tool_calls: [
            { id: 'call_abc123', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
            { id: 'toolu_01XYZ', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_abc123', content: '18°C, cloudy' },
        { role: 'tool', tool_call_id: 'toolu_01XYZ', content: [{ type: 'text', text: '24°C, sunny' }] },
        { role: 'user', content: 'Which is warmer?' },
      ],
    }),
    body: body({
      messages: [
        { role: 'user', content: 'Weather in Paris and Rome?' },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Checking.' },
            { type: 'tool_use', id: 'call_abc123', name: 'get_weather', input: { city: 'Paris' } },
            { type: 'tool_use', id: 'toolu_01XYZ', name: 'get_weather', input: { city: 'Rome' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'call_abc123', content: '18°C, cloudy' },
            { type: 'tool_result', tool_use_id: 'toolu_01XYZ', content: [{ type: 'text', text: '24°C, sunny' }] },
            { type: 'text', text: 'Which is warmer?' },
          ],
        },
      ],
    }),
  },
  {
    name: 'a tool call with null content and empty arguments becomes a tool_use with empty input',
    request: request({
      messages: [
        ...HELLO,
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'list_alerts', arguments: '' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: '' },
      ],
    }),
    body: body({
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'call_1', name: 'list_alerts', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_1' }] },
      ],
    }),
  },
  {
    name: 'images: data URLs become base64 sources, http(s) URLs url sources',
    request: request({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare these.' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_BASE64}` } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg', detail: 'high' } },
          ],
        },
      ],
    }),
    body: body({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare these.' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_BASE64 } },
            { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
          ],
        },
      ],
    }),
  },
  {
    name: 'a base64 PDF file part becomes a document block',
    request: request({
      messages: [{ role: 'user', content: [{ type: 'file', file: { filename: 'a.pdf', file_data: 'data:application/pdf;base64,JVBERi0=' } }] }],
    }),
    body: body({
      messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' }, title: 'a.pdf' }] }],
    }),
  },
  {
    name: 'tools become input_schema tools; missing parameters get an empty object schema',
    request: request({ tools: [WEATHER_TOOL, { type: 'function', function: { name: 'list_alerts' } }] }),
    body: body({ tools: [ANTHROPIC_WEATHER_TOOL, { name: 'list_alerts', input_schema: { type: 'object', properties: {} } }] }),
  },
  { name: "tool_choice 'auto'", request: request({ tools: [WEATHER_TOOL], tool_choice: 'auto' }), body: body({ tools: [ANTHROPIC_WEATHER_TOOL], tool_choice: { type: 'auto' } }) },
  { name: "tool_choice 'required'", request: request({ tools: [WEATHER_TOOL], tool_choice: 'required' }), body: body({ tools: [ANTHROPIC_WEATHER_TOOL], tool_choice: { type: 'any' } }) },
  { name: "tool_choice 'none'", request: request({ tools: [WEATHER_TOOL], tool_choice: 'none' }), body: body({ tools: [ANTHROPIC_WEATHER_TOOL], tool_choice: { type: 'none' } }) },
  {
    name: 'tool_choice naming a function',
    request: request({ tools: [WEATHER_TOOL], tool_choice: { type: 'function', function: { name: 'get_weather' } } }),
    body: body({ tools: [ANTHROPIC_WEATHER_TOOL], tool_choice: { type: 'tool', name: 'get_weather' } }),
  },
  {
    name: 'parallel_tool_calls false disables parallel use on the tool choice',
    request: request({ tools: [WEATHER_TOOL], tool_choice: 'required', parallel_tool_calls: false }),
    body: body({ tools: [ANTHROPIC_WEATHER_TOOL], tool_choice: { type: 'any', disable_parallel_tool_use: true } }),
  },
  {
    name: 'parallel_tool_calls false without a tool_choice implies auto',
    request: request({ tools: [WEATHER_TOOL], parallel_tool_calls: false }),
    body: body({ tools: [ANTHROPIC_WEATHER_TOOL], tool_choice: { type: 'auto', disable_parallel_tool_use: true } }),
  },
  {
    name: 'strict tool schemas cannot be enforced and say so',
    request: request({ tools: [{ type: 'function', function: { ...WEATHER_TOOL.function, strict: true } }] }),
    body: body({ tools: [ANTHROPIC_WEATHER_TOOL] }),
    warnings: [ignored('tools[].function.strict')],
  },
  { name: 'max_tokens', request: request({ max_tokens: 256 }), body: body({ max_tokens: 256 }) },
  { name: 'max_completion_tokens wins over max_tokens', request: request({ max_tokens: 256, max_completion_tokens: 512 }), body: body({ max_tokens: 512 }) },
  { name: 'null max tokens fall back to the default', request: request({ max_tokens: null }), body: body({ max_tokens: DEFAULT_ANTHROPIC_MAX_TOKENS }) },
  { name: 'temperature and top_p within range', request: request({ temperature: 0.7, top_p: 0.9 }), body: body({ temperature: 0.7, top_p: 0.9 }) },
  {
    name: 'temperature above 1 is clamped with a warning',
    request: request({ temperature: 1.6 }),
    body: body({ temperature: 1 }),
    warnings: ["parameter 'temperature' was 1.6, above anthropic's maximum of 1, and was clamped to 1"],
  },
  { name: 'stop as a string', request: request({ stop: 'END' }), body: body({ stop_sequences: ['END'] }) },
  { name: 'stop as an array', request: request({ stop: ['END', '###'] }), body: body({ stop_sequences: ['END', '###'] }) },
  { name: 'stream true', request: request({ stream: true, stream_options: { include_usage: true } }), body: body({ stream: true }) },
  { name: 'stream false is the default', request: request({ stream: false }), body: body({}) },
  { name: 'user becomes metadata.user_id', request: request({ user: 'user-42' }), body: body({ metadata: { user_id: 'user-42' } }) },
  {
    name: 'json_object mode appends an instruction to the system prompt',
    request: request({ messages: [{ role: 'system', content: 'Extract fields.' }, ...HELLO], response_format: { type: 'json_object' } }),
    body: body({ system: `Extract fields.\n\n${JSON_INSTRUCTION}` }),
  },
  {
    name: 'json_object mode without a system message makes the instruction the system prompt',
    request: request({ response_format: { type: 'json_object' } }),
    body: body({ system: JSON_INSTRUCTION }),
  },
  {
    name: 'json_schema mode includes the schema',
    request: request({ response_format: { type: 'json_schema', json_schema: { name: 'weather', schema: WEATHER_SCHEMA, strict: true } } }),
    body: body({ system: `${JSON_INSTRUCTION} The object must conform to this JSON Schema:\n${JSON.stringify(WEATHER_SCHEMA)}` }),
  },
  {
    name: 'json mode on a cached block system prompt appends a text block',
    request: request({
      messages: [{ role: 'system', content: [{ type: 'text', text: 'Policy.', cache_control: { type: 'ephemeral' } }] }, ...HELLO],
      response_format: { type: 'json_object' },
    }),
    body: body({ system: [{ type: 'text', text: 'Policy.', cache_control: { type: 'ephemeral' } }, { type: 'text', text: JSON_INSTRUCTION }] }),
  },
  { name: "response_format 'text' is the default", request: request({ response_format: { type: 'text' } }), body: body({}) },
  {
    name: 'parameters anthropic cannot take are left out and named',
    request: request({
      n: 2,
      logprobs: true,
      top_logprobs: 3,
      presence_penalty: 0.5,
      frequency_penalty: 0.4,
      logit_bias: { '50256': -100 },
      seed: 7,
      service_tier: 'flex',
    }),
    body: body({}),
    warnings: ['n', 'logprobs', 'top_logprobs', 'presence_penalty', 'frequency_penalty', 'logit_bias', 'seed', 'service_tier'].map(ignored),
  },
  {
    name: 'n 1, null values, default-valued penalties and stream_options give no warning',
    request: request({ n: 1, seed: null, logit_bias: null, logprobs: false, presence_penalty: 0, frequency_penalty: 0, stream_options: { include_usage: true } }),
    body: body({}),
  },
  {
    name: 'an unknown response_format type is left out and named',
    request: request({ response_format: { type: 'xml' } as unknown as ChatRequest['response_format'] }),
    body: body({}),
    warnings: [ignored('response_format')],
  },
  {
    name: 'message names are left out and named once',
    request: request({ messages: [{ role: 'user', content: 'Hi', name: 'alice' }, { role: 'assistant', content: 'Yo', name: 'bot' }] }),
    body: body({ messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Yo' }] }),
    warnings: [ignored('messages[].name')],
  },
  {
    name: 'anthropic-only top_k and thinking are forwarded',
    request: request({ top_k: 40, thinking: { type: 'enabled', budget_tokens: 2048 } }),
    body: body({ top_k: 40, thinking: { type: 'enabled', budget_tokens: 2048 } }),
  },
  { name: 'the upstream model replaces the client model', request: request({ model: 'my-alias' }), body: body({ model: MODEL }) },
];

describe('openAIToAnthropicRequest', () => {
  it.each(cases)('$name', ({ request: chatRequest, body: expectedBody, warnings = [] }) => {
    const translation = openAIToAnthropicRequest(chatRequest, MODEL);
    expect(translation.body).toEqual(expectedBody);
    expect(translation.warnings).toEqual(warnings);
  });

  it('does not modify the client request', () => {
    const chatRequest = request({ messages: [{ role: 'user', content: 'A' }, { role: 'user', content: 'B' }], stop: 'X', tools: [WEATHER_TOOL] });
    const snapshot = structuredClone(chatRequest);
    openAIToAnthropicRequest(chatRequest, MODEL);
    expect(chatRequest).toEqual(snapshot);
  });

  it('serialises to the exact Anthropic field names', () => {
    const { body: anthropicBody } = openAIToAnthropicRequest(request({ stop: 'END', user: 'u', tools: [WEATHER_TOOL], tool_choice: 'required' }), MODEL);
    expect(Object.keys(JSON.parse(JSON.stringify(anthropicBody))).sort()).toEqual(
      ['max_tokens', 'messages', 'metadata', 'model', 'stop_sequences', 'tool_choice', 'tools'].sort(),
    );
  });
});

interface RejectionCase {
  name: string;
  request: ChatRequest;
  param: string;
  message: RegExp;
}

const rejections: RejectionCase[] = [
  {
    name: 'tool-call arguments that are not JSON',
    request: request({
      messages: [...HELLO, { role: 'user', content: 'x' }, { role: 'assistant', content: null }, { role: 'assistant', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{"city": "Par' } }] }],
    }),
    param: 'messages[3].tool_calls[0].function.arguments',
    message: /not valid JSON/,
  },
  {
    name: 'tool-call arguments that are JSON but not an object',
    request: request({ messages: [...HELLO, { role: 'assistant', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '[1,2]' } }] }] }),
    param: 'messages[1].tool_calls[0].function.arguments',
    message: /JSON object/,
  },
  {
    name: 'a tool message without tool_call_id',
    request: request({ messages: [...HELLO, { role: 'tool', content: 'result' }] }),
    param: 'messages[1].tool_call_id',
    message: /tool_call_id/,
  },
  {
    name: 'an image URL that is neither http(s) nor a data URL',
    request: request({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'ftp://example.com/a.png' } }] }] }),
    param: 'messages[0].content[0].image_url.url',
    message: /http\(s\) URL or a base64 data URL/,
  },
  {
    name: 'an audio content part',
    request: request({ messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AAA', format: 'wav' } }] }] }),
    param: 'messages[0].content[0].type',
    message: /'input_audio' is not supported/,
  },
  {
    name: 'a non-PDF file part',
    request: request({ messages: [{ role: 'user', content: [{ type: 'file', file: { file_id: 'file-abc' } }] }] }),
    param: 'messages[0].content[0].file',
    message: /PDF/,
  },
  {
    name: 'a legacy function message',
    request: request({ messages: [...HELLO, { role: 'function', name: 'f', content: '{}' }] }),
    param: 'messages[1].role',
    message: /legacy 'function' messages/,
  },
];

describe('openAIToAnthropicRequest rejections', () => {
  it.each(rejections)('$name → TranslationError with param', ({ request: chatRequest, param, message }) => {
    let thrown: unknown;
    try {
      openAIToAnthropicRequest(chatRequest, MODEL);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TranslationError);
    expect(thrown).toMatchObject({ name: 'TranslationError', param });
    expect((thrown as TranslationError).message).toMatch(message);
  });
});
