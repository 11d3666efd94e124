import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type SimulatorHandle } from './index.js';
import { formatGoDuration, formatResetTime, KeyRateLimiter, RATE_LIMIT_WINDOW_MS, SlidingWindow } from './rate-limiter.js';

describe('sliding window', () => {
  it('forgets entries older than the window', () => {
    const window = new SlidingWindow();
    window.add(0, 5);
    window.add(30_000, 3);
    expect(window.used(59_999)).toBe(8);
    expect(window.used(60_000)).toBe(3);
    expect(window.used(90_000)).toBe(0);
  });

  it('says how long until an amount fits and when it is back to full', () => {
    const window = new SlidingWindow();
    window.add(0, 5);
    window.add(10_000, 5);
    expect(window.waitFor(20_000, 10, 1)).toBe(40_000);
    expect(window.waitFor(20_000, 10, 6)).toBe(50_000);
    expect(window.waitFor(20_000, 10, 11)).toBe(RATE_LIMIT_WINDOW_MS);
    expect(window.waitFor(20_000, 20, 5)).toBe(0);
    expect(window.fullResetIn(20_000)).toBe(50_000);
  });

  it('admits requests against both limits and refuses without counting the refused one', () => {
    const limiter = new KeyRateLimiter();
    const limits = { requests_per_minute: 2, tokens_per_minute: 100 };
    expect(limiter.admit(limits, 60, 0)).toMatchObject({ allowed: true, snapshot: { requests: { remaining: 1 }, tokens: { remaining: 40 } } });
    expect(limiter.admit(limits, 60, 1000)).toMatchObject({ allowed: false, limitedBy: 'tokens', retryAfterMs: 59_000 });
    expect(limiter.admit(limits, 40, 2000)).toMatchObject({ allowed: true, snapshot: { requests: { remaining: 0 }, tokens: { remaining: 0 } } });
    expect(limiter.admit(limits, 1, 3000)).toMatchObject({ allowed: false, limitedBy: 'requests', retryAfterMs: 57_000 });
    expect(limiter.admit(limits, 1, 60_000)).toMatchObject({ allowed: true });
  });
});

describe('rate-limit header formats', () => {
  it('prints durations the way Go (and OpenAI) does', () => {
    expect(formatGoDuration(0)).toBe('0s');
    expect(formatGoDuration(120)).toBe('120ms');
    expect(formatGoDuration(1000)).toBe('1s');
    expect(formatGoDuration(1500)).toBe('1.5s');
    expect(formatGoDuration(59_999)).toBe('59.999s');
    expect(formatGoDuration(360_000)).toBe('6m0s');
    expect(formatGoDuration(90_500)).toBe('1m30.5s');
    expect(formatGoDuration(7_200_000)).toBe('2h0m0s');
  });

  it('prints reset times as RFC 3339, rounded up to the second', () => {
    expect(formatResetTime(Date.UTC(2025, 0, 1, 0, 0, 0, 200), 1000)).toBe('2025-01-01T00:00:02Z');
  });
});

describe('rate limits over HTTP', () => {
  let simulator: SimulatorHandle;

  beforeAll(async () => {
    simulator = await startSimulator({
      keys: {
        limited: { rate_limit: { requests_per_minute: 3, tokens_per_minute: 100_000 } },
        'ant-limited': { rate_limit: { requests_per_minute: 2, tokens_per_minute: 1000 } },
      },
    });
  });

  afterAll(async () => {
    await simulator.close();
  });

  beforeEach(() => simulator.reset());

  it('counts remaining requests down in OpenAI headers and answers 429 with retry-after past the limit', async () => {
    const client = new OpenAI({ apiKey: 'limited', baseURL: `${simulator.url}/v1`, maxRetries: 0 });
    const request = { model: 'm', messages: [{ role: 'user' as const, content: 'abcd' }] };
    const remaining = [];
    for (let index = 0; index < 3; index++) {
      const { response } = await client.chat.completions.create(request).withResponse();
      remaining.push(response.headers.get('x-ratelimit-remaining-requests'));
      expect(response.headers.get('x-ratelimit-limit-requests')).toBe('3');
      expect(response.headers.get('x-ratelimit-reset-requests')).toMatch(/^(59\.\d+s|1m0s)$/);
      expect(response.headers.get('x-ratelimit-limit-tokens')).toBe('100000');
    }
    expect(remaining).toEqual(['2', '1', '0']);

    const error = await client.chat.completions.create(request).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    const rateLimitError = error as InstanceType<typeof OpenAI.RateLimitError>;
    expect(rateLimitError.code).toBe('rate_limit_exceeded');
    expect(rateLimitError.type).toBe('requests');
    expect(Number(rateLimitError.headers.get('retry-after'))).toBeGreaterThanOrEqual(59);
    expect(rateLimitError.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(simulator.stats().keys.limited).toMatchObject({ requests: 4, rate_limited: 1, by_status: { '200': 3, '429': 1 } });
  });

  it('counts tokens and sends Anthropic rate-limit headers', async () => {
    const client = new Anthropic({ apiKey: 'ant-limited', baseURL: simulator.url, maxRetries: 0 });
    const request = { model: 'c', max_tokens: 50, messages: [{ role: 'user' as const, content: 'abcdefgh' }] };
    const { response } = await client.messages.create(request).withResponse();
    expect(response.headers.get('anthropic-ratelimit-requests-limit')).toBe('2');
    expect(response.headers.get('anthropic-ratelimit-requests-remaining')).toBe('1');
    expect(response.headers.get('anthropic-ratelimit-tokens-remaining')).toBe(String(1000 - 2 - 16));
    const reset = Date.parse(response.headers.get('anthropic-ratelimit-requests-reset') ?? '');
    expect(reset - Date.now()).toBeGreaterThan(55_000);
    expect(response.headers.get('anthropic-ratelimit-requests-reset')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    await client.messages.create(request);
    const error = await client.messages.create(request).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    expect(error).toMatchObject({ error: { error: { type: 'rate_limit_error' } } });
    expect((error as InstanceType<typeof Anthropic.RateLimitError>).headers.get('retry-after')).toMatch(/^\d+$/);
  });

  it('keeps separate windows per key and starts over after reset', async () => {
    const client = new OpenAI({ apiKey: 'limited', baseURL: `${simulator.url}/v1`, maxRetries: 0 });
    const request = { model: 'm', messages: [{ role: 'user' as const, content: 'x' }] };
    for (let index = 0; index < 3; index++) await client.chat.completions.create(request);
    const unlimited = new OpenAI({ apiKey: 'other', baseURL: `${simulator.url}/v1`, maxRetries: 0 });
    const { response } = await unlimited.chat.completions.create(request).withResponse();
    expect(response.headers.get('x-ratelimit-limit-requests')).toBeNull();

    simulator.reset();
    const { response: afterReset } = await client.chat.completions.create(request).withResponse();
    expect(afterReset.headers.get('x-ratelimit-remaining-requests')).toBe('2');
  });
});
