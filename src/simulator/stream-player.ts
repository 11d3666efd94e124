import type { ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { StreamFrames } from './wire-format.js';

export interface StreamTiming {
  /** Delay before the first content frame. */
  ttftMs: number;
  /** Gap between content frames (0: as fast as possible). */
  intervalMs: number;
  /** A pause of `stallMs` before content frame number `stallAfter` (0-based). */
  stallAfter: number;
  stallMs: number;
}

/** How the stream ends: cleanly, cut off (socket closed, no terminator), or with the format's error event. */
export type StreamEnding =
  | { kind: 'complete' }
  | { kind: 'cut'; afterChunks: number }
  | { kind: 'error'; afterChunks: number; frame: string };

/**
 * Writes a stream's frames to the response on schedule: each content frame has a due time
 * from the stream start, and frames already due are written at once, so an unpaced stream is
 * written synchronously without a timer.
 */
export class StreamPlayer {
  private index = 0;
  private startedAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly stopIndex: number;

  constructor(
    private readonly response: ServerResponse,
    private readonly frames: StreamFrames,
    private readonly timing: StreamTiming,
    private readonly ending: StreamEnding,
  ) {
    const contentCount = frames.content.length;
    this.stopIndex = ending.kind === 'complete' ? contentCount : Math.min(ending.afterChunks, contentCount);
  }

  start(): void {
    this.startedAt = performance.now();
    this.response.once('close', this.cancel);
    for (const frame of this.frames.preamble) this.response.write(frame);
    this.pump();
  }

  private readonly pump = (): void => {
    this.timer = undefined;
    if (this.response.destroyed) return;
    const elapsed = performance.now() - this.startedAt;
    while (this.index < this.stopIndex) {
      const wait = this.dueAt(this.index) - elapsed;
      if (wait > 0) {
        this.timer = setTimeout(this.pump, wait);
        return;
      }
      this.response.write(this.frames.content[this.index] ?? '');
      this.index++;
    }
    this.finish();
  };

  private dueAt(index: number): number {
    const stall = index >= this.timing.stallAfter ? this.timing.stallMs : 0;
    return this.timing.ttftMs + index * this.timing.intervalMs + stall;
  }

  private finish(): void {
    const ending = this.ending;
    switch (ending.kind) {
      case 'complete':
        for (const frame of this.frames.epilogue) this.response.write(frame);
        this.response.end();
        return;
      case 'error':
        this.response.end(ending.frame);
        return;
      case 'cut':
        // End the socket after what was written is flushed: the client gets the chunks, then no terminator.
        this.response.socket?.destroySoon();
        return;
    }
  }

  private readonly cancel = (): void => {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  };
}
