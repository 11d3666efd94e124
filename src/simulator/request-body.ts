import type { IncomingMessage } from 'node:http';

export const MAX_BODY_BYTES = 32 * 1024 * 1024;

/**
 * Reads the whole body as UTF-8 and calls `done` once: with the text, or with `undefined` when
 * the body is larger than `limit` (the rest is left unread).
 */
export function readBody(request: IncomingMessage, done: (text: string | undefined) => void, limit = MAX_BODY_BYTES): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  request.on('error', ignoreError);
  request.on('data', (chunk: Buffer) => {
    if (tooLarge) return;
    size += chunk.length;
    if (size > limit) {
      tooLarge = true;
      request.pause();
      done(undefined);
      return;
    }
    chunks.push(chunk);
  });
  request.on('end', () => {
    if (!tooLarge) done(chunks.length === 1 ? (chunks[0] ?? Buffer.alloc(0)).toString('utf8') : Buffer.concat(chunks).toString('utf8'));
  });
}

/** A client that goes away mid-request is not an error worth anything here. */
export function ignoreError(): void {}
