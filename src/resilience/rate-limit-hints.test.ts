import { describe, expect, it } from 'vitest';
import { MAX_RETRY_AFTER_MS, parseResetDuration, readRateLimitHints, type HeaderBag, type RateLimitHints } from './rate-limit-hints.js';

const NOW = Date.parse('2024-05-01T12:00:00Z');

const NOTHING: RateLimitHints = {
  retryAfterMs: undefined,
  remainingRequests: undefined,
  remainingTokens: undefined,
  limitRequests: undefined,
  limitTokens: undefined,
  resetRequestsMs: undefined,
  resetTokensMs: undefined,
};

function hints(fields: Partial<RateLimitHints>): RateLimitHints {
  return { ...NOTHING, ...fields };
}

describe('parseResetDuration', () => {
  it.each<[string, number | undefined]>([
    // Go durations, as OpenAI prints them.
    ['1s', 1_000],
    ['6m0s', 360_000],
    ['20ms', 20],
    ['1h2m3.5s', 3_723_500],
    ['0.5s', 500],
    ['2m59.56s', 179_560],
    ['17.28s', 17_280],
    ['1.1s', 1_100],
    ['1.001s', 1_001],
    ['.5s', 500],
    ['1.5h', 5_400_000],
    ['0s', 0],
    ['1500us', 2],
    ['250µs', 1],
    ['999999ns', 1],
    ['1000000ns', 1],
    ['  3s ', 3_000],
    // Plain seconds, as some OpenAI-compatible hosts send.
    ['2', 2_000],
    ['2.5', 2_500],
    ['0', 0],
    ['0.0005', 1],
    // Garbage.
    ['', undefined],
    ['   ', undefined],
    ['abc', undefined],
    ['s', undefined],
    ['-1s', undefined],
    ['-2', undefined],
    ['1x', undefined],
    ['1s2', undefined],
    ['1 s', undefined],
    ['1..5s', undefined],
    ['1e3', undefined],
    ['NaN', undefined],
    ['Infinity', undefined],
    ['1u', undefined],
  ])('%j → %s', (text, expected) => {
    expect(parseResetDuration(text)).toBe(expected);
  });
});

describe('readRateLimitHints', () => {
  const in7s = '2024-05-01T12:00:07Z';
  const in20s = '2024-05-01T12:00:20Z';

  it.each<[string, HeaderBag, RateLimitHints]>([
    ['no rate-limit headers', { 'content-type': 'application/json' }, NOTHING],
    [
      'OpenAI on a success',
      {
        'x-ratelimit-limit-requests': '5000',
        'x-ratelimit-remaining-requests': '4999',
        'x-ratelimit-reset-requests': '12ms',
        'x-ratelimit-limit-tokens': '160000',
        'x-ratelimit-remaining-tokens': '159976',
        'x-ratelimit-reset-tokens': '9ms',
      },
      hints({ limitRequests: 5000, remainingRequests: 4999, resetRequestsMs: 12, limitTokens: 160000, remainingTokens: 159976, resetTokensMs: 9 }),
    ],
    [
      'OpenAI requests exhausted: wait for the requests reset',
      { 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '6m0s', 'x-ratelimit-remaining-tokens': '100', 'x-ratelimit-reset-tokens': '1s' },
      hints({ remainingRequests: 0, resetRequestsMs: 360_000, remainingTokens: 100, resetTokensMs: 1_000, retryAfterMs: 360_000 }),
    ],
    [
      'OpenAI tokens exhausted: wait for the tokens reset',
      { 'x-ratelimit-remaining-requests': '10', 'x-ratelimit-reset-requests': '6m0s', 'x-ratelimit-remaining-tokens': '0', 'x-ratelimit-reset-tokens': '1.5s' },
      hints({ remainingRequests: 10, resetRequestsMs: 360_000, remainingTokens: 0, resetTokensMs: 1_500, retryAfterMs: 1_500 }),
    ],
    [
      'both exhausted: the later reset',
      { 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '1s', 'x-ratelimit-remaining-tokens': '0', 'x-ratelimit-reset-tokens': '6m0s' },
      hints({ remainingRequests: 0, resetRequestsMs: 1_000, remainingTokens: 0, resetTokensMs: 360_000, retryAfterMs: 360_000 }),
    ],
    [
      'exhausted window without a reset: no derived wait',
      { 'x-ratelimit-remaining-requests': '0' },
      hints({ remainingRequests: 0 }),
    ],
    [
      'Groq-style plain-second resets',
      { 'x-ratelimit-remaining-requests': '3', 'x-ratelimit-reset-requests': '2', 'x-ratelimit-remaining-tokens': '0', 'x-ratelimit-reset-tokens': '2.5' },
      hints({ remainingRequests: 3, resetRequestsMs: 2_000, remainingTokens: 0, resetTokensMs: 2_500, retryAfterMs: 2_500 }),
    ],
    [
      'Azure sends -1 for windows it does not track',
      { 'x-ratelimit-limit-tokens': '-1', 'x-ratelimit-remaining-tokens': '-1', 'x-ratelimit-reset-tokens': '0' },
      hints({ resetTokensMs: 0 }),
    ],
    ['retry-after-ms wins over retry-after', { 'retry-after-ms': '1500', 'retry-after': '30' }, hints({ retryAfterMs: 1_500 })],
    ['fractional retry-after-ms rounds up', { 'retry-after-ms': '250.4' }, hints({ retryAfterMs: 251 })],
    ['garbage retry-after-ms falls back to retry-after', { 'retry-after-ms': 'abc', 'retry-after': '3' }, hints({ retryAfterMs: 3_000 })],
    ['retry-after in seconds', { 'retry-after': '2' }, hints({ retryAfterMs: 2_000 })],
    ['fractional retry-after', { 'retry-after': '0.5' }, hints({ retryAfterMs: 500 })],
    ['retry-after 0', { 'retry-after': '0' }, hints({ retryAfterMs: 0 })],
    ['retry-after IMF-fixdate', { 'retry-after': 'Wed, 01 May 2024 12:00:30 GMT' }, hints({ retryAfterMs: 30_000 })],
    ['retry-after RFC 850 date', { 'retry-after': 'Wednesday, 01-May-24 12:00:45 GMT' }, hints({ retryAfterMs: 45_000 })],
    ['retry-after asctime date is GMT', { 'retry-after': 'Wed May  1 12:01:00 2024' }, hints({ retryAfterMs: 60_000 })],
    ['retry-after date in the past: now', { 'retry-after': 'Wed, 01 May 2024 11:59:00 GMT' }, hints({ retryAfterMs: 0 })],
    ['retry-after capped at 24 h', { 'retry-after': '999999999' }, hints({ retryAfterMs: MAX_RETRY_AFTER_MS })],
    ['retry-after-ms capped at 24 h', { 'retry-after-ms': '90000000' }, hints({ retryAfterMs: MAX_RETRY_AFTER_MS })],
    ['negative retry-after ignored', { 'retry-after': '-5' }, NOTHING],
    ['retry-after that V8 would misread as a date', { 'retry-after': '2 seconds' }, NOTHING],
    [
      'garbage retry-after falls back to the exhausted window',
      { 'retry-after': 'soon', 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '20ms' },
      hints({ remainingRequests: 0, resetRequestsMs: 20, retryAfterMs: 20 }),
    ],
    [
      'retry-after beats the exhausted window',
      { 'retry-after': '1', 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '6m0s' },
      hints({ remainingRequests: 0, resetRequestsMs: 360_000, retryAfterMs: 1_000 }),
    ],
    ['repeated header: the first counts', { 'retry-after': ['3', '5'] }, hints({ retryAfterMs: 3_000 })],
    [
      'Anthropic requests and tokens',
      {
        'anthropic-ratelimit-requests-limit': '50',
        'anthropic-ratelimit-requests-remaining': '0',
        'anthropic-ratelimit-requests-reset': in7s,
        'anthropic-ratelimit-tokens-limit': '40000',
        'anthropic-ratelimit-tokens-remaining': '39000',
        'anthropic-ratelimit-tokens-reset': '2024-05-01T12:00:01Z',
      },
      hints({ limitRequests: 50, remainingRequests: 0, resetRequestsMs: 7_000, limitTokens: 40000, remainingTokens: 39000, resetTokensMs: 1_000, retryAfterMs: 7_000 }),
    ],
    [
      'Anthropic input/output only: the window with less room',
      {
        'anthropic-ratelimit-input-tokens-limit': '40000',
        'anthropic-ratelimit-input-tokens-remaining': '500',
        'anthropic-ratelimit-input-tokens-reset': in7s,
        'anthropic-ratelimit-output-tokens-limit': '8000',
        'anthropic-ratelimit-output-tokens-remaining': '0',
        'anthropic-ratelimit-output-tokens-reset': in20s,
      },
      hints({ limitTokens: 8000, remainingTokens: 0, resetTokensMs: 20_000, retryAfterMs: 20_000 }),
    ],
    [
      'Anthropic input/output both empty: the later reset',
      {
        'anthropic-ratelimit-input-tokens-limit': '40000',
        'anthropic-ratelimit-input-tokens-remaining': '0',
        'anthropic-ratelimit-input-tokens-reset': in20s,
        'anthropic-ratelimit-output-tokens-limit': '8000',
        'anthropic-ratelimit-output-tokens-remaining': '0',
        'anthropic-ratelimit-output-tokens-reset': in7s,
      },
      hints({ limitTokens: 40000, remainingTokens: 0, resetTokensMs: 20_000, retryAfterMs: 20_000 }),
    ],
    [
      'Anthropic input window only',
      { 'anthropic-ratelimit-input-tokens-remaining': '1200', 'anthropic-ratelimit-input-tokens-reset': in7s },
      hints({ remainingTokens: 1200, resetTokensMs: 7_000 }),
    ],
    [
      'Anthropic tokens-* wins over input/output',
      {
        'anthropic-ratelimit-tokens-remaining': '9000',
        'anthropic-ratelimit-tokens-reset': in7s,
        'anthropic-ratelimit-output-tokens-remaining': '0',
        'anthropic-ratelimit-output-tokens-reset': in20s,
      },
      hints({ remainingTokens: 9000, resetTokensMs: 7_000 }),
    ],
    [
      'Anthropic 429 with retry-after',
      { 'retry-after': '12', 'anthropic-ratelimit-requests-remaining': '0', 'anthropic-ratelimit-requests-reset': in20s },
      hints({ remainingRequests: 0, resetRequestsMs: 20_000, retryAfterMs: 12_000 }),
    ],
    [
      'RFC 3339 with fraction and offset',
      { 'anthropic-ratelimit-requests-reset': '2024-05-01T14:00:05.250+02:00' },
      hints({ resetRequestsMs: 5_250 }),
    ],
    ['RFC 3339 reset in the past: now', { 'anthropic-ratelimit-requests-reset': '2024-05-01T11:00:00Z' }, hints({ resetRequestsMs: 0 })],
    ['epoch seconds are not RFC 3339', { 'anthropic-ratelimit-requests-reset': '1714564807' }, NOTHING],
    ['a bare date is not RFC 3339', { 'anthropic-ratelimit-requests-reset': '2024-05-02' }, NOTHING],
    ['impossible RFC 3339 time', { 'anthropic-ratelimit-requests-reset': '2024-05-01T25:61:00Z' }, NOTHING],
    [
      'garbage counts',
      { 'x-ratelimit-remaining-requests': '12abc', 'x-ratelimit-limit-requests': '', 'x-ratelimit-remaining-tokens': '1e3', 'x-ratelimit-limit-tokens': 'NaN' },
      NOTHING,
    ],
  ])('%s', (_description, headers, expected) => {
    expect(readRateLimitHints(headers, NOW)).toEqual(expected);
  });

  it('reads an asctime retry-after as GMT whatever the local time zone', () => {
    const original = process.env.TZ;
    process.env.TZ = 'America/New_York';
    try {
      expect(readRateLimitHints({ 'retry-after': 'Wed May  1 12:01:00 2024' }, NOW).retryAfterMs).toBe(60_000);
    } finally {
      if (original === undefined) delete process.env.TZ;
      else process.env.TZ = original;
    }
  });

  it('never yields NaN, Infinity or a negative number, whatever the headers say', () => {
    const names = [
      'retry-after',
      'retry-after-ms',
      'x-ratelimit-limit-requests',
      'x-ratelimit-remaining-requests',
      'x-ratelimit-reset-requests',
      'x-ratelimit-limit-tokens',
      'x-ratelimit-remaining-tokens',
      'x-ratelimit-reset-tokens',
      'anthropic-ratelimit-requests-reset',
      'anthropic-ratelimit-tokens-remaining',
      'anthropic-ratelimit-input-tokens-remaining',
      'anthropic-ratelimit-output-tokens-reset',
    ];
    const garbage = ['', ' ', '-1', '-0.5', 'NaN', 'Infinity', '1e999', '9'.repeat(400), '0x10', '1,000', 'null', '∞', '2024-13-45T99:99:99Z', 'Mon, 99 Foo 2024 99:99:99 GMT'];
    for (const value of garbage) {
      const headers: HeaderBag = {};
      for (const name of names) headers[name] = value;
      for (const field of Object.values(readRateLimitHints(headers, NOW))) {
        if (field === undefined) continue;
        expect(Number.isFinite(field), `${value} gave ${field}`).toBe(true);
        expect(field).toBeGreaterThanOrEqual(0);
      }
    }
  });
});
