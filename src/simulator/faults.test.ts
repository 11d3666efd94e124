import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Behaviour, type SimulatorHandle } from './index.js';

let simulator: SimulatorHandle;
let openai: OpenAI;
let anthropic: Anthropic;

const KEY = 'fault-key';
const chatRequest = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'hello' }] };
const messageRequest = { model: 'claude', max_tokens: 100, messages: [{ role: 'user' as const, content: 'hello' }] };

beforeAll(async () => {
  simulator = await startSimulator();
  openai = new OpenAI({ apiKey: KEY, baseURL: `${simulator.url}/v1`, maxRetries: 0 });
  anthropic = new Anthropic({ apiKey: KEY, baseURL: simulator.url, maxRetries: 0 });
});

afterAll(async () => {
  await simulator.close();
});

beforeEach(() => simulator.reset());

function withFaults(faults: Behaviour['faults'], extra: Behaviour = {}): void {
  simulator.setBehaviour(KEY, { ...extra, faults });
}

function postChat(body: Record<string, unknown>): Promise<Response> {
  return fetch(`${simulator.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ...chatRequest, ...body }),
  });
}

/** Reads a streamed body to its end (or its failure), noting when each piece of text arrived. */
async function readTimed(response: Response, startedAt: number): Promise<{ pieces: { text: string; at: number }[]; error: unknown }> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const pieces: { text: string; at: number }[] = [];
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { pieces, error: undefined };
      pieces.push({ text: decoder.decode(value), at: performance.now() - startedAt });
    }
  } catch (error) {
    return { pieces, error };
  }
}

function contentChunkCount(text: string): number {
  return (text.match(/"delta":\{"content":/g) ?? []).length;
}

/** When the `count`-th content chunk arrived. */
function contentChunkArrival(pieces: { text: string; at: number }[], count: number): number {
  let seen = 0;
  for (const piece of pieces) {
    seen += contentChunkCount(piece.text);
    if (seen >= count) return piece.at;
  }
  return Number.NaN;
}

function catchError(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('status faults', () => {
  it('answers 429 in the OpenAI envelope with retry-after headers, for count requests only', async () => {
    withFaults([{ type: 'status', status: 429, retry_after_s: 2, retry_after_ms: 1500, count: 1 }]);

    const error = await catchError(openai.chat.completions.create(chatRequest));
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    const rateLimitError = error as InstanceType<typeof OpenAI.RateLimitError>;
    expect(rateLimitError.code).toBe('rate_limit_exceeded');
    expect(rateLimitError.headers.get('retry-after')).toBe('2');
    expect(rateLimitError.headers.get('retry-after-ms')).toBe('1500');

    await expect(openai.chat.completions.create(chatRequest)).resolves.toHaveProperty('object', 'chat.completion');
    expect(simulator.stats().keys[KEY]).toMatchObject({ requests: 2, by_status: { '429': 1, '200': 1 }, faults: { status: 1 } });
  });

  it('uses the Anthropic envelope and error types by status', async () => {
    withFaults([{ type: 'status', status: 529, message: 'Overloaded right now' }]);
    const error = await catchError(anthropic.messages.create(messageRequest));
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect(error).toMatchObject({ status: 529, error: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded right now' } } });

    withFaults([{ type: 'status', status: 401 }]);
    await expect(catchError(anthropic.messages.create(messageRequest))).resolves.toBeInstanceOf(Anthropic.AuthenticationError);
  });

  it('answers a stream request with the error status instead of a stream', async () => {
    withFaults([{ type: 'status', status: 500 }]);
    const error = await catchError(openai.chat.completions.create({ ...chatRequest, stream: true }));
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect(error).toMatchObject({ type: 'server_error' });
  });
});

describe('connection faults', () => {
  it('resets the connection before answering', async () => {
    withFaults([{ type: 'reset', count: 1 }]);
    await expect(catchError(openai.chat.completions.create(chatRequest))).resolves.toBeInstanceOf(OpenAI.APIConnectionError);
    await expect(openai.chat.completions.create(chatRequest)).resolves.toHaveProperty('object', 'chat.completion');
    expect(simulator.stats().keys[KEY]?.faults).toEqual({ reset: 1 });
  });

  it('hangs until the client gives up', async () => {
    withFaults([{ type: 'hang' }]);
    const startedAt = performance.now();
    const error = await catchError(openai.chat.completions.create(chatRequest, { timeout: 150 }));
    expect(error).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(140);
  });

  it('delays the response headers by slow_first_byte', async () => {
    withFaults([{ type: 'slow_first_byte', delay_ms: 120 }]);
    const startedAt = performance.now();
    const response = await postChat({ stream: true });
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(115);
    const { error, pieces } = await readTimed(response, startedAt);
    expect(error).toBeUndefined();
    expect(pieces.map((piece) => piece.text).join('')).toContain('data: [DONE]');
  });
});

describe('stream faults', () => {
  it('cuts the stream after N content chunks without a terminator', async () => {
    withFaults([{ type: 'cut_stream', after_chunks: 3 }]);
    const { pieces, error } = await readTimed(await postChat({ stream: true }), performance.now());
    const text = pieces.map((piece) => piece.text).join('');
    expect(error).toBeInstanceOf(Error);
    expect(contentChunkCount(text)).toBe(3);
    expect(text).not.toContain('[DONE]');
    expect(text).not.toContain('finish_reason":"stop"');
  });

  it('makes the OpenAI SDK fail mid-stream on a cut', async () => {
    withFaults([{ type: 'cut_stream', after_chunks: 2 }]);
    const stream = await openai.chat.completions.create({ ...chatRequest, stream: true });
    const contents: string[] = [];
    const error = await catchError(
      (async () => {
        for await (const chunk of stream) contents.push(chunk.choices[0]?.delta.content ?? '');
      })(),
    );
    expect(error).toBeInstanceOf(Error);
    expect(contents.filter(Boolean)).toEqual(['Simulated', ' reply']);
  });

  it('sends an OpenAI in-stream error object after N chunks, then ends without [DONE]', async () => {
    withFaults([{ type: 'error_event', after_chunks: 2, message: 'upstream exploded' }]);
    const response = await postChat({ stream: true });
    const text = await response.text();
    expect(contentChunkCount(text)).toBe(2);
    expect(text).toContain('data: {"error":{"message":"upstream exploded","type":"server_error","param":null,"code":null}}');
    expect(text).not.toContain('[DONE]');

    const stream = await openai.chat.completions.create({ ...chatRequest, stream: true });
    const error = await catchError(
      (async () => {
        for await (const _chunk of stream) continue;
      })(),
    );
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as Error).message).toContain('upstream exploded');
  });

  it('sends an Anthropic error event after N chunks, then ends without message_stop', async () => {
    withFaults([{ type: 'error_event', after_chunks: 1 }]);
    const stream = anthropic.messages.stream(messageRequest);
    const eventTypes: string[] = [];
    const error = await catchError(
      (async () => {
        for await (const event of stream) eventTypes.push(event.type);
      })(),
    );
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect(error).toMatchObject({ error: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } });
    expect(eventTypes).toEqual(['message_start', 'content_block_start', 'content_block_delta']);
  });

  it('stalls after N chunks and then continues to a clean end', async () => {
    withFaults([{ type: 'stall', after_chunks: 2, ms: 150 }], { output_tokens: 4 });
    const startedAt = performance.now();
    const { pieces, error } = await readTimed(await postChat({ stream: true }), startedAt);
    expect(error).toBeUndefined();
    const text = pieces.map((piece) => piece.text).join('');
    expect(contentChunkCount(text)).toBe(4);
    expect(text).toContain('[DONE]');
    expect(contentChunkArrival(pieces, 3) - contentChunkArrival(pieces, 2)).toBeGreaterThanOrEqual(100);
    expect(contentChunkArrival(pieces, 4) - contentChunkArrival(pieces, 3)).toBeLessThan(100);
  });

  it('ignores stream-only faults on non-stream requests without using up their count', async () => {
    withFaults([{ type: 'cut_stream', after_chunks: 1, count: 1 }]);
    expect((await postChat({})).status).toBe(200);
    const { error } = await readTimed(await postChat({ stream: true }), performance.now());
    expect(error).toBeInstanceOf(Error);
    const { error: secondError } = await readTimed(await postChat({ stream: true }), performance.now());
    expect(secondError).toBeUndefined();
  });
});

describe('fault selection', () => {
  it('applies a fault to the next `count` requests only', async () => {
    withFaults([{ type: 'status', status: 503, count: 2 }]);
    const statuses = [];
    for (let index = 0; index < 4; index++) statuses.push((await postChat({})).status);
    expect(statuses).toEqual([503, 503, 200, 200]);
  });

  it('evaluates faults in order; one that does not fire lets the next one apply', async () => {
    withFaults([
      { type: 'status', status: 500, probability: 0 },
      { type: 'status', status: 502, count: 1 },
      { type: 'status', status: 504, count: 1 },
    ]);
    const statuses = [];
    for (let index = 0; index < 3; index++) statuses.push((await postChat({})).status);
    expect(statuses).toEqual([502, 504, 200]);
  });

  it('fires a fault with probability p on about p of the requests', async () => {
    withFaults([{ type: 'status', status: 500, probability: 0.5 }]);
    let failures = 0;
    for (let index = 0; index < 100; index++) if ((await postChat({})).status === 500) failures++;
    expect(failures).toBeGreaterThan(20);
    expect(failures).toBeLessThan(80);
  });
});

describe('pacing', () => {
  it('waits latency_ms before a non-stream answer', async () => {
    simulator.setBehaviour(KEY, { latency_ms: 100 });
    const startedAt = performance.now();
    expect((await postChat({})).status).toBe(200);
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(95);
  });

  it('sends the first content chunk after ttft_ms and paces the rest by tokens_per_second', async () => {
    simulator.setBehaviour(KEY, { ttft_ms: 100, tokens_per_second: 50, output_tokens: 5 });
    const startedAt = performance.now();
    const response = await postChat({ stream: true });
    const { pieces } = await readTimed(response, startedAt);
    expect(pieces[0]?.text).toContain('"role":"assistant"');
    expect(contentChunkCount(pieces[0]?.text ?? '')).toBe(0);
    expect(contentChunkArrival(pieces, 1) - (pieces[0]?.at ?? 0)).toBeGreaterThanOrEqual(60);
    expect(contentChunkArrival(pieces, 5) - contentChunkArrival(pieces, 1)).toBeGreaterThanOrEqual(50);
  });
});
