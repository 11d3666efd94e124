import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeUpstream, openAICompletion, sendJson } from '../helpers/fake-upstream.js';
import type { TestGateway } from '../helpers/test-gateway.js';
import { startTestGateway } from '../helpers/test-gateway.js';

let upstream: FakeUpstream;
let gateway: TestGateway;

beforeAll(async () => {
  upstream = await FakeUpstream.start((request, response) => {
    const body = JSON.parse(request.body || '{}');
    if (body.model === 'rejects') return sendJson(response, 422, { error: { message: "Unsupported value: 'temperature' does not support 7", type: 'invalid_request_error' } });
    if (body.model === 'missing') return sendJson(response, 404, { error: { message: 'The model `missing` does not exist', type: 'invalid_request_error' } });
    sendJson(response, 200, openAICompletion('ok'));
  });
  gateway = await startTestGateway({
    server: { max_body_bytes: 4096 },
    providers: [
      { id: 'up', type: 'openai', base_url: `${upstream.url}/v1`, keys: [{ id: 'k1', secret: 'sk-upstream-secret' }], models: ['good'] },
      { id: 'other', type: 'groq', base_url: `${upstream.url}/v1`, keys: [{ id: 'k1', secret: 's' }], models: ['good'] },
    ],
  });
});

afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

interface Case {
  name: string;
  method?: string;
  path?: string;
  contentType?: string | null;
  body: string | Buffer;
  status: number;
  code: string;
  message: RegExp;
}

const chat = (fields: Record<string, unknown>) => JSON.stringify({ model: 'up/good', messages: [{ role: 'user', content: 'hi' }], ...fields });

const CASES: Case[] = [
  { name: 'malformed JSON', body: '{"model": "up/good", ', status: 400, code: 'invalid_request', message: /not valid JSON/ },
  { name: 'garbage bytes', body: Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0x7b]), status: 400, code: 'invalid_request', message: /not valid UTF-8/ },
  { name: 'invalid UTF-8 inside a string', body: Buffer.concat([Buffer.from('{"model":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]), status: 400, code: 'invalid_request', message: /UTF-8/ },
  { name: 'empty body', body: '', status: 400, code: 'invalid_request', message: /empty/ },
  { name: 'JSON array body', body: '[1,2]', status: 400, code: 'invalid_request', message: /must be a JSON object, got array/ },
  { name: 'missing model', body: JSON.stringify({ messages: [] }), status: 400, code: 'invalid_request', message: /^model: is required/ },
  { name: 'model of wrong type', body: JSON.stringify({ model: 5, messages: [] }), status: 400, code: 'invalid_request', message: /^model: must be a non-empty string, got number/ },
  { name: 'missing messages', body: JSON.stringify({ model: 'up/good' }), status: 400, code: 'invalid_request', message: /^messages: is required/ },
  { name: 'messages not an array', body: JSON.stringify({ model: 'up/good', messages: 'hi' }), status: 400, code: 'invalid_request', message: /^messages: must be an array, got string/ },
  { name: 'empty messages', body: JSON.stringify({ model: 'up/good', messages: [] }), status: 400, code: 'invalid_request', message: /at least one message/ },
  { name: 'bad role', body: chat({ messages: [{ role: 'wizard', content: 'x' }] }), status: 400, code: 'invalid_request', message: /^messages\[0\]\.role: must be one of/ },
  { name: 'content of wrong type', body: chat({ messages: [{ role: 'user', content: 42 }] }), status: 400, code: 'invalid_request', message: /^messages\[0\]\.content:/ },
  { name: 'tool message without id', body: chat({ messages: [{ role: 'tool', content: 'x' }] }), status: 400, code: 'invalid_request', message: /tool_call_id: is required/ },
  { name: 'stream not boolean', body: chat({ stream: 'yes' }), status: 400, code: 'invalid_request', message: /^stream: must be a boolean/ },
  { name: 'max_tokens negative', body: chat({ max_tokens: -3 }), status: 400, code: 'invalid_request', message: /^max_tokens: must be ≥ 1/ },
  { name: 'temperature out of range', body: chat({ temperature: 9 }), status: 400, code: 'invalid_request', message: /^temperature: must be ≤ 2/ },
  { name: 'fallbacks not strings', body: chat({ fallbacks: [1] }), status: 400, code: 'invalid_request', message: /^fallbacks: must be an array of non-empty strings/ },
  { name: 'unknown fallback', body: chat({ fallbacks: ['nope'] }), status: 404, code: 'model_not_found', message: /^fallbacks\[0\]: model 'nope' has no route/ },
  { name: 'unknown model', body: chat({ model: 'no-such-model' }), status: 404, code: 'model_not_found', message: /'no-such-model' has no route/ },
  { name: 'ambiguous bare model', body: chat({ model: 'good' }), status: 404, code: 'model_not_found', message: /served by several providers \(up, other\)/ },
  { name: 'oversize body', body: chat({ padding: 'x'.repeat(5000) }), status: 413, code: 'payload_too_large', message: /larger than the limit of 4096 bytes/ },
  { name: 'wrong content type', contentType: 'text/plain', body: chat({}), status: 415, code: 'unsupported_media_type', message: /application\/json/ },
  { name: 'no content type', contentType: null, body: chat({}), status: 415, code: 'unsupported_media_type', message: /application\/json/ },
  { name: 'unknown path', path: '/v1/nothing-here', body: chat({}), status: 404, code: 'not_found', message: /no endpoint at POST \/v1\/nothing-here/ },
  { name: 'wrong method', method: 'PUT', body: chat({}), status: 405, code: 'method_not_allowed', message: /PUT is not allowed on \/v1\/chat\/completions; use POST/ },
  { name: 'upstream 422 passes through, not retried', body: chat({ model: 'up/rejects' }), status: 422, code: 'invalid_request', message: /does not support 7/ },
  { name: 'upstream 404 passes through', body: chat({ model: 'up/missing' }), status: 404, code: 'model_not_found', message: /does not exist/ },
];

describe('bad input gets a clear error in the OpenAI envelope', () => {
  it.each(CASES)('$name → $status $code', async (testCase) => {
    const headers: Record<string, string> = {};
    if (testCase.contentType !== null) headers['content-type'] = testCase.contentType ?? 'application/json';
    const response = await fetch(`${gateway.url}${testCase.path ?? '/v1/chat/completions'}`, { method: testCase.method ?? 'POST', headers, body: testCase.body });
    const text = await response.text();
    expect(response.status, text).toBe(testCase.status);
    const body = JSON.parse(text);
    expect(body.error.code).toBe(testCase.code);
    expect(body.error.message).toMatch(testCase.message);
    expect(typeof body.error.type).toBe('string');
    expect(text).not.toContain('sk-upstream-secret');
    expect(response.headers.get('x-request-id')).toBeTruthy();
  });

  it('a client error reported by the upstream is not retried', async () => {
    const before = upstream.requests.length;
    await fetch(`${gateway.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: chat({ model: 'up/rejects' }) });
    expect(upstream.requests.length - before).toBe(1);
  });

  it('the gateway is still healthy after all of it', async () => {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: chat({}) });
    expect(response.status).toBe(200);
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
  });
});
