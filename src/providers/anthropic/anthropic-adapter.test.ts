import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../chat-types.js';
import type { AdapterTarget, StreamOutput } from '../spec.js';
import { ANTHROPIC_API_VERSION, anthropicAdapter } from './anthropic-adapter.js';
import { TranslationError, openAIToAnthropicRequest } from './openai-to-anthropic.js';

const SECRET = 'sk-ant-api03-SECRET-never-leak';
const TARGET: AdapterTarget = {
  model: 'claude-3-5-haiku-20241022',
  baseUrl: 'https://api.anthropic.com/v1',
  key: { id: 'k1', secret: SECRET },
};
const FIXTURES = new URL('../../../test/fixtures/anthropic/', import.meta.url);

function chat(fields: Partial<ChatRequest> = {}): ChatRequest {
  return { model: 'chat', messages: [{ role: 'user', content: 'Hi' }], ...fields };
}

describe('anthropicAdapter', () => {
  it('describes itself', () => {
    expect(anthropicAdapter).toMatchObject({
      type: 'anthropic',
      format: 'anthropic',
      defaultBaseUrl: 'https://api.anthropic.com/v1',
      keyOptional: false,
      capabilities: { chat: true, stream: true, embeddings: false, tools: true, images: true, jsonMode: true },
    });
    expect('embeddingsRequest' in anthropicAdapter).toBe(false);
  });

  it('builds POST {baseUrl}/messages with the Anthropic headers and the translated body', () => {
    const request = chat({ stream: true, max_tokens: 100, seed: 3 });
    const call = anthropicAdapter.chatRequest(request, TARGET);
    expect(call.method).toBe('POST');
    expect(call.url).toBe('https://api.anthropic.com/v1/messages');
    expect(call.headers).toEqual({ 'x-api-key': SECRET, 'anthropic-version': ANTHROPIC_API_VERSION, 'content-type': 'application/json' });
    expect(ANTHROPIC_API_VERSION).toBe('2023-06-01');
    expect(JSON.parse(call.body)).toEqual(openAIToAnthropicRequest(request, TARGET.model).body);
    expect(JSON.parse(call.body)).toMatchObject({ model: TARGET.model, stream: true, max_tokens: 100 });
    expect(call.warnings).toEqual(["parameter 'seed' is not supported by anthropic and was ignored"]);
  });

  it('merges configured headers on top, whatever their letter case', () => {
    const target = { ...TARGET, baseUrl: 'http://127.0.0.1:9999/v1', headers: { 'Anthropic-Version': '2024-01-01', 'anthropic-beta': 'prompt-caching-2024-07-31' } };
    const call = anthropicAdapter.chatRequest(chat(), target);
    expect(call.url).toBe('http://127.0.0.1:9999/v1/messages');
    expect(call.headers).toEqual({
      'x-api-key': SECRET,
      'content-type': 'application/json',
      'Anthropic-Version': '2024-01-01',
      'anthropic-beta': 'prompt-caching-2024-07-31',
    });
  });

  it('puts the secret only in the headers', () => {
    const call = anthropicAdapter.chatRequest(chat({ temperature: 2, logprobs: true, user: 'u1' }), TARGET);
    expect(call.body).not.toContain(SECRET);
    expect(call.url).not.toContain(SECRET);
    expect(call.warnings.join('\n')).not.toContain(SECRET);
    expect(call.warnings).toHaveLength(2);
  });

  it('lets a TranslationError through for the pipeline to answer 400', () => {
    const request = chat({
      messages: [{ role: 'assistant', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{oops' } }] }],
    });
    expect(() => anthropicAdapter.chatRequest(request, TARGET)).toThrow(TranslationError);
  });

  it('translates a non-stream response, stamping the current time', () => {
    const before = Math.floor(Date.now() / 1000);
    const body: unknown = JSON.parse(readFileSync(new URL('response-text.json', FIXTURES), 'utf8'));
    const { response, usage } = anthropicAdapter.chatResponse(body, TARGET);
    expect(response.created).toBeGreaterThanOrEqual(before);
    expect(response.created).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    expect(response.choices[0]!.message.content).toBe('Hello! How can I help you today?');
    expect(usage?.input_tokens).toBe(12);
  });

  it('names the target model when the upstream body has none', () => {
    expect(anthropicAdapter.chatResponse({ content: [] }, TARGET).response.model).toBe(TARGET.model);
  });

  it('creates a fresh stream translator per attempt', () => {
    const first = anthropicAdapter.chatStream(TARGET);
    const second = anthropicAdapter.chatStream(TARGET);
    expect(first).not.toBe(second);
    const out: StreamOutput[] = [];
    first.push({ event: 'message_stop', data: '{"type":"message_stop"}' }, out);
    second.push({ event: 'ping', data: '{"type":"ping"}' }, out);
    expect(out.map((output) => output.type)).toEqual(['chunk', 'usage', 'done']);
  });

  it('reads Anthropic error envelopes', () => {
    const body = readFileSync(new URL('error-overloaded.json', FIXTURES), 'utf8');
    expect(anthropicAdapter.parseError(529, body)).toEqual({ message: 'Overloaded', type: 'overloaded_error' });
    expect(anthropicAdapter.parseError(502, 'Bad Gateway')).toEqual({ message: 'anthropic returned HTTP 502 without an error message', type: undefined });
  });
});
