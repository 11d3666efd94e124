import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeUpstream, openAIChunk, sleep } from '../helpers/fake-upstream.js';
import type { TestGateway } from '../helpers/test-gateway.js';
import { startTestGateway } from '../helpers/test-gateway.js';

const CHUNKS = 24_000;
const CHUNK = openAIChunk({ content: 'x'.repeat(900) });
let upstreamWritten = 0;
let upstreamFinished = false;
let upstream: FakeUpstream;
let gateway: TestGateway;

beforeAll(async () => {
  upstream = await FakeUpstream.start(async (_request, response) => {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    for (let index = 0; index < CHUNKS && !response.destroyed; index++) {
      upstreamWritten += CHUNK.length;
      if (!response.write(CHUNK)) await once(response, 'drain');
    }
    response.end('data: [DONE]\n\n');
    upstreamFinished = true;
  });
  gateway = await startTestGateway({ providers: [{ id: 'flood', type: 'openai', base_url: `${upstream.url}/v1`, keys: [{ id: 'k', secret: 's' }] }] });
});

afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

describe('backpressure', () => {
  it('a client that stops reading stops the upstream read; the stream completes once it reads again', async () => {
    const total = CHUNKS * CHUNK.length;
    const url = new URL(`${gateway.url}/v1/chat/completions`);
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const request = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, resolve);
      request.on('error', reject);
      request.end(JSON.stringify({ model: 'flood/m', stream: true, messages: [{ role: 'user', content: 'go' }] }));
    });
    response.pause();
    await sleep(1_000);
    // Kernel socket buffers on both hops hold a few MB; without backpressure all ~22 MB would be gone.
    expect(upstreamFinished).toBe(false);
    expect(upstreamWritten).toBeLessThan(total / 2);

    let received = 0;
    let tail = '';
    response.on('data', (chunk: Buffer) => {
      received += chunk.length;
      tail = (tail + chunk.toString('latin1')).slice(-64);
    });
    response.resume();
    await once(response, 'end');
    expect(upstreamFinished).toBe(true);
    expect(received).toBeGreaterThanOrEqual(total);
    expect(tail.endsWith('data: [DONE]\n\n')).toBe(true);
  });
});
