import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Abortable, AbortRegistry } from '../upstream/buffered-exchange.js';
import type { TimeLimit } from '../upstream/transport.js';

/**
 * Cancellation for one request. One object per request, no AbortController, no linked
 * signals, no timer: this runs on every request. An attempt is aborted when the client goes
 * away, when the gateway's drain time runs out, or when one of the provider's time limits
 * passes — the gateway's deadline sweep calls `checkDeadlines` for every request in flight.
 *
 * Buffered calls register their exchange (`attach`) and are aborted directly; streamed calls
 * hand this object to undici as their `signal` (undici takes an EventEmitter with `aborted`
 * and an `abort` event).
 */
export class RequestSignals extends EventEmitter implements AbortRegistry {
  clientGone = false;
  shuttingDown = false;
  /** Which time limit cut the current attempt, if one did. */
  timedOut: TimeLimit | undefined = undefined;
  /** Whether the current attempt is aborted (read by undici). */
  aborted = false;
  /** When the current attempt's total time limit passes (performance.now() time); Infinity when none runs. */
  deadline = Number.POSITIVE_INFINITY;
  /** When the current attempt must have its response headers; Infinity once they have arrived. */
  firstByteDeadline = Number.POSITIVE_INFINITY;
  /** The whole request's deadline (performance.now() time): no attempt's limits run past it. */
  requestDeadline = Number.POSITIVE_INFINITY;
  /** The exchange running now, when it is one that takes a direct abort (buffered calls). */
  private exchange: Abortable | undefined = undefined;

  attach(exchange: Abortable | undefined): void {
    this.exchange = exchange;
  }

  /** Treats the response closing before it has finished as the client going away. */
  watch(response: ServerResponse): void {
    (response as WatchedResponse)[REQUEST_SIGNALS] = this;
    response.on('close', onResponseClose);
  }

  /** Arms the next attempt with its time limits; returns the signal to pass to undici. */
  beginAttempt(timeouts: { first_byte_ms: number; total_ms: number }): this {
    const now = performance.now();
    this.timedOut = undefined;
    this.aborted = this.clientGone || this.shuttingDown;
    this.deadline = Math.min(now + timeouts.total_ms, this.requestDeadline);
    this.firstByteDeadline = Math.min(now + timeouts.first_byte_ms, this.requestDeadline);
    return this;
  }

  /** The upstream's response headers arrived: the first-byte limit is met. */
  headersReceived(): void {
    this.firstByteDeadline = Number.POSITIVE_INFINITY;
  }

  /** The attempt is over (its response or stream has ended). */
  endAttempt(): void {
    this.deadline = Number.POSITIVE_INFINITY;
    this.firstByteDeadline = Number.POSITIVE_INFINITY;
  }

  /** Called by the gateway's sweep: cuts the attempt if one of its limits has passed. */
  checkDeadlines(now: number): void {
    if (this.aborted) return;
    if (now >= this.requestDeadline) this.timeout('total');
    else if (now >= this.firstByteDeadline) this.timeout('first_byte');
    else if (now >= this.deadline) this.timeout('total');
  }

  /** Sleeps `ms` (a backoff, a queue wait), waking early when the client leaves or the gateway stops. */
  wait(ms: number): Promise<void> {
    if (this.clientGone || this.shuttingDown) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }

  private wake: (() => void) | undefined = undefined;

  clientClosed(): void {
    this.clientGone = true;
    this.abortAttempt();
    this.wake?.();
  }

  shutdown(): void {
    this.shuttingDown = true;
    this.abortAttempt();
    this.wake?.();
  }

  timeout(limit: TimeLimit): void {
    this.timedOut = limit;
    this.abortAttempt();
  }

  private abortAttempt(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.exchange?.abort(new Error('request aborted'));
    this.emit('abort');
  }
}

const REQUEST_SIGNALS = Symbol('switchyard.requestSignals');
type WatchedResponse = ServerResponse & { [REQUEST_SIGNALS]?: RequestSignals };

/** Shared by every response (no closure per request). */
function onResponseClose(this: WatchedResponse): void {
  if (!this.writableFinished) this[REQUEST_SIGNALS]?.clientClosed();
}
