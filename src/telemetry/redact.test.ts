import { describe, expect, it } from 'vitest';
import { REDACTED, redactedBody, truncateBytes } from './redact.js';

describe('redactedBody', () => {
  it('replaces secret fields and secret-looking strings, and keeps the rest', () => {
    const body = {
      model: 'gpt-4o-mini',
      max_tokens: 200,
      api_key: 'anything',
      metadata: { session_token: 'abc', note: 'my key is sk-proj-abcdefghijklmnop and my header Bearer eyJhbGciOiJIUzI1NiJ9.x' },
      messages: [{ role: 'user', content: 'aws AKIAABCDEFGHIJKLMNOP and google AIzaSyA1234567890abcdefghijkl' }],
    };
    const text = redactedBody(body, 10_000);
    expect(JSON.parse(text)).toEqual({
      model: 'gpt-4o-mini',
      max_tokens: 200,
      api_key: REDACTED,
      metadata: { session_token: REDACTED, note: `my key is ${REDACTED} and my header ${REDACTED}` },
      messages: [{ role: 'user', content: `aws ${REDACTED} and google ${REDACTED}` }],
    });
    expect(redactedBody('virtual key sk-sy-0123456789abcdef in a stream', 100)).toBe(`virtual key ${REDACTED} in a stream`);
  });

  it('caps the size at a character boundary', () => {
    expect(truncateBytes('héllo wörld', 2)).toBe('h…');
    expect(truncateBytes('héllo wörld', 3)).toBe('hé…');
    expect(truncateBytes('short', 10)).toBe('short');
    expect(Buffer.byteLength(redactedBody({ text: 'x'.repeat(10_000) }, 100))).toBeLessThanOrEqual(103);
  });
});
