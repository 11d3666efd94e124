import { describe, expect, it } from 'vitest';
import type { SseEvent } from '../providers/spec.js';
import { SseParser } from './sse-parser.js';

function parseInPieces(text: string, pieceSize: number): SseEvent[] {
  const parser = new SseParser();
  const out: SseEvent[] = [];
  const bytes = Buffer.from(text, 'utf8');
  for (let offset = 0; offset < bytes.length; offset += pieceSize) parser.push(bytes.subarray(offset, offset + pieceSize), out);
  parser.end(out);
  return out;
}

const STREAM = 'event: message_start\ndata: {"a":1}\n\n: a comment\n\ndata: line one\ndata: line two\n\ndata: ünïcødé ✓\r\n\r\ndata:[DONE]\n\n';
const EXPECTED: SseEvent[] = [
  { event: 'message_start', data: '{"a":1}' },
  { event: undefined, data: 'line one\nline two' },
  { event: undefined, data: 'ünïcødé ✓' },
  { event: undefined, data: '[DONE]' },
];

describe('SseParser', () => {
  it.each([1, 2, 3, 7, 1000])('yields the same events whatever the piece size (%i bytes)', (size) => {
    expect(parseInPieces(STREAM, size)).toEqual(EXPECTED);
  });

  it('handles CR-only line endings and a final event without a blank line', () => {
    expect(parseInPieces('data: a\r\rdata: b', 1)).toEqual([
      { event: undefined, data: 'a' },
      { event: undefined, data: 'b' },
    ]);
  });
});
