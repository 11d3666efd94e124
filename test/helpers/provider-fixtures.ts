import { readFileSync } from 'node:fs';
import type { SseEvent } from '../../src/providers/spec.js';

const FIXTURES = new URL('../fixtures/', import.meta.url);

/** A recorded or handwritten provider fixture, e.g. `anthropic/stream-text.sse`. */
export function fixtureText(path: string): string {
  return readFileSync(new URL(path, FIXTURES), 'utf8');
}

export function fixtureJson(path: string): unknown {
  return JSON.parse(fixtureText(path));
}

/**
 * Splits an `.sse` fixture into events: blank lines separate events, `event:` and `data:` lines
 * fill them. Deliberately simpler than the gateway's own parser, so each checks the other.
 */
export function parseSseFixture(text: string): SseEvent[] {
  const events: SseEvent[] = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    let event: string | undefined;
    const data: string[] = [];
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith('event:')) event = line.slice('event:'.length).trim();
      else if (line.startsWith('data:')) data.push(line.slice('data:'.length).replace(/^ /, ''));
    }
    if (event !== undefined || data.length > 0) events.push({ event, data: data.join('\n') });
  }
  return events;
}
