import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatorHandle } from '../../src/simulator/index.js';
import { startSimulator } from '../../src/simulator/index.js';
import type { TestGateway } from '../helpers/test-gateway.js';
import { startTestGateway } from '../helpers/test-gateway.js';

let simulator: SimulatorHandle;
let gateway: TestGateway;

beforeAll(async () => {
  // Key "quota" has 20 requests a minute, told only through x-ratelimit-* headers until it answers 429.
  simulator = await startSimulator({ defaults: { latency_ms: 10 }, keys: { 'sk-quota': { latency_ms: 10, rate_limit: { requests_per_minute: 20 } } } });
  gateway = await startTestGateway({
    providers: [{ id: 'p', type: 'openai', base_url: `${simulator.url}/v1`, strategy: 'round-robin', keys: [{ id: 'quota', secret: 'sk-quota' }, { id: 'plenty', secret: 'sk-plenty' }] }],
  });
});

afterAll(async () => {
  await gateway.close();
  await simulator.close();
});

describe('quota awareness', () => {
  it('stops sending to a key whose headers say its quota is spent: no 429 ever comes back from it', async () => {
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const errors: unknown[] = [];
    let next = 0;
    const worker = async () => {
      while (next < 120) {
        next++;
        await client.chat.completions.create({ model: 'p/m', messages: [{ role: 'user', content: 'hi' }] }).catch((error: unknown) => errors.push(error));
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    const quotaKey = simulator.stats().keys['sk-quota'];
    process.stdout.write(`[scenario] header-only quota: requests=120 client_errors=${errors.length} sent_to_quota_key=${quotaKey?.requests} rate_limited_by_it=${quotaKey?.rate_limited}\n`);
    expect(errors).toEqual([]);
    expect(quotaKey?.requests).toBe(20);
    expect(quotaKey?.rate_limited).toBe(0);
  });
});
