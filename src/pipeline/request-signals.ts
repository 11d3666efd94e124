import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';

/**
 * Cancellation for one request, handed to undici as the `signal` of each attempt (undici takes an
 * EventEmitter with `aborted` and an `abort` event). One object per request, no AbortController,
 * no linked signals, no timer: this runs on every request. An attempt is aborted when the client
 * goes away, when the gateway's drain time runs out, or when the provider's total time limit
 * passes — the gateway's deadline sweep checks `deadline` for every request in flight.
 */
export class RequestSignals extends EventEmitter {
  clientGone = false;
  shuttingDown = false;
  timedOut = false;
  /** Whether the current attempt is aborted (read by undici). */
  aborted = false;
  /** When the current attempt's total time limit passes (performance.now() time); Infinity when none is running. */
  deadline = Number.POSITIVE_INFINITY;

  /** Treats the response closing before it has finished as the client going away. */
  watch(response: ServerResponse): void {
    response.once('close', () => {
      if (!response.writableFinished) this.clientClosed();
    });
  }

  /** Arms the next attempt, with its total time limit; returns the signal to pass to undici. */
  beginAttempt(totalMs: number): this {
    this.timedOut = false;
    this.aborted = this.clientGone || this.shuttingDown;
    this.deadline = performance.now() + totalMs;
    return this;
  }

  /** The attempt is over (its response or stream has ended). */
  endAttempt(): void {
    this.deadline = Number.POSITIVE_INFINITY;
  }

  clientClosed(): void {
    this.clientGone = true;
    this.abortAttempt();
  }

  shutdown(): void {
    this.shuttingDown = true;
    this.abortAttempt();
  }

  timeout(): void {
    this.timedOut = true;
    this.abortAttempt();
  }

  private abortAttempt(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.emit('abort');
  }
}

