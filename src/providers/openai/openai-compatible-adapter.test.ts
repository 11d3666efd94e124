import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../chat-types.js';
import { findAdapter } from '../registry.js';
import type { AdapterTarget, StreamOutput } from '../spec.js';

const target: AdapterTarget = { model: 'upstream-model', baseUrl: 'https://example.test/v1', key: { id: 'k1', secret: 'sk-secret' } };

function adapter(type: string) {
  const found = findAdapter(type);
  if (!found) throw new Error(`no adapter ${type}`);
  return found;
}

describe('OpenAI-compatible adapters', () => {
  it('forwards unknown fields untouched, swaps the model, and asks for stream usage', () => {
    const request: ChatRequest = { model: 'chat', messages: [{ role: 'user', content: 'hi' }], stream: true, logit_bias: { '1': 2 }, vendor_field: { x: 1 } };
    const call = adapter('openai').chatRequest(request, target);
    expect(call.url).toBe('https://example.test/v1/chat/completions');
    expect(call.headers.authorization).toBe('Bearer sk-secret');
    expect(JSON.parse(call.body)).toEqual({ ...request, model: 'upstream-model', stream_options: { include_usage: true } });
    expect(call.warnings).toEqual([]);
    expect(request.model).toBe('chat');
  });

  it('drops parameters a provider rejects, with a warning for each, and renames others', () => {
    const request: ChatRequest = { model: 'm', messages: [{ role: 'user', content: 'hi' }], logit_bias: { '1': 1 }, user: 'u1', seed: 7, max_completion_tokens: 50, stream: true };
    const call = adapter('mistral').chatRequest(request, target);
    const body = JSON.parse(call.body);
    expect(body).not.toHaveProperty('logit_bias');
    expect(body).not.toHaveProperty('user');
    expect(body).not.toHaveProperty('stream_options');
    expect(body.random_seed).toBe(7);
    expect(body.max_tokens).toBe(50);
    expect(call.warnings).toEqual(["parameter 'logit_bias' is not supported by mistral and was ignored", "parameter 'user' is not supported by mistral and was ignored"]);
  });

  it('has the published default base URLs', () => {
    expect(adapter('groq').defaultBaseUrl).toBe('https://api.groq.com/openai/v1');
    expect(adapter('perplexity').defaultBaseUrl).toBe('https://api.perplexity.ai');
    expect(adapter('fireworks').defaultBaseUrl).toBe('https://api.fireworks.ai/inference/v1');
    expect(adapter('ollama').keyOptional).toBe(true);
  });

  it('omits the authorization header for keyless local servers', () => {
    const call = adapter('ollama').chatRequest({ model: 'm', messages: [] }, { ...target, key: { id: 'default', secret: '' } });
    expect(call.headers).not.toHaveProperty('authorization');
  });

  it('stream translator passes raw chunks, reads usage (also Groq x_groq), ends on [DONE], surfaces error events', () => {
    const translator = adapter('groq').chatStream(target);
    const out: StreamOutput[] = [];
    const chunk = '{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}';
    translator.push({ event: undefined, data: chunk }, out);
    translator.push({ event: undefined, data: '{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"x_groq":{"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}}' }, out);
    translator.push({ event: undefined, data: '{"error":{"message":"boom","type":"server_error"}}' }, out);
    translator.push({ event: undefined, data: '[DONE]' }, out);
    expect(out[0]).toEqual({ type: 'chunk', chunk: JSON.parse(chunk), raw: chunk });
    expect(out[2]).toEqual({ type: 'usage', usage: { input_tokens: 3, output_tokens: 1, cached_input_tokens: 0, cache_write_input_tokens: 0 } });
    expect(out[3]).toEqual({ type: 'error', message: 'boom', errorType: 'server_error' });
    expect(out[4]).toEqual({ type: 'done' });
  });

  it('reads error bodies leniently', () => {
    const openai = adapter('openai');
    expect(openai.parseError(400, '{"error":{"message":"bad model","type":"invalid_request_error"}}')).toEqual({ message: 'bad model', type: 'invalid_request_error' });
    expect(openai.parseError(502, '<html>Bad gateway</html>').message).toBe('upstream returned HTTP 502: <html>Bad gateway</html>');
    expect(openai.parseError(500, '').message).toBe('upstream returned HTTP 500');
  });
});
