import type { Logger } from '../telemetry/logger.js';
import type { Store, UsageRecord } from '../store/store.js';

export interface UsageRecorderOptions {
  /** Rows wait at most this long before they are written. */
  intervalMs?: number;
  /** A batch this big is written at once, without waiting for the interval. */
  batchSize?: number;
  /**
   * Rows kept while the store cannot be written. Beyond it, new rows are folded into one row per
   * key, team, customer, provider, model and minute: spend and token totals stay exact, only the
   * per-request detail of the overflow is lost.
   */
  maxQueued?: number;
}

/**
 * Writes usage rows to the store in batches, off the request path: `record` only appends to a
 * queue. A failed write keeps the rows and retries on the next tick; nothing is lost while the
 * process lives, and `close` writes what is left.
 */
export class UsageRecorder {
  private queue: UsageRecord[] = [];
  private readonly folded = new Map<string, UsageRecord>();
  private readonly intervalMs: number;
  private readonly batchSize: number;
  private readonly maxQueued: number;
  private readonly timer: NodeJS.Timeout;
  private writing: Promise<void> | undefined;
  private storeFailing = false;
  private immediate: NodeJS.Immediate | undefined;
  foldedRows = 0;

  constructor(
    private readonly store: Store,
    private readonly logger: Logger | undefined,
    options: UsageRecorderOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 1_000;
    this.batchSize = options.batchSize ?? 1_000;
    this.maxQueued = options.maxQueued ?? 100_000;
    this.timer = setInterval(() => void this.flush(), this.intervalMs);
    this.timer.unref();
  }

  /** Rows waiting to be written (folded rows count once). */
  get pending(): number {
    return this.queue.length + this.folded.size;
  }

  record(row: UsageRecord): void {
    if (this.queue.length >= this.maxQueued) {
      this.fold(row);
      return;
    }
    this.queue.push(row);
    if (this.queue.length === this.batchSize && this.immediate === undefined && !this.storeFailing) {
      this.immediate = setImmediate(() => {
        this.immediate = undefined;
        void this.flush();
      });
    }
  }

  private fold(row: UsageRecord): void {
    this.foldedRows++;
    const minute = row.at - (row.at % 60_000);
    const group = `${minute}\u0000${row.virtualKeyId}\u0000${row.teamId}\u0000${row.customerId}\u0000${row.provider}\u0000${row.model}\u0000${row.priced}`;
    const total = this.folded.get(group);
    if (total === undefined) {
      this.folded.set(group, { ...row, requestId: `folded-${minute}-${this.folded.size}-${row.requestId}` });
      return;
    }
    total.requests += row.requests;
    total.inputTokens += row.inputTokens;
    total.outputTokens += row.outputTokens;
    total.cachedInputTokens += row.cachedInputTokens;
    total.costNanoUsd += row.costNanoUsd;
  }

  /** Writes everything queued so far; concurrent calls share one write. */
  async flush(): Promise<void> {
    while (this.writing !== undefined) await this.writing;
    if (this.pending === 0) return;
    this.writing = this.writeQueued().finally(() => {
      this.writing = undefined;
    });
    await this.writing;
  }

  private async writeQueued(): Promise<void> {
    const rows = this.queue;
    this.queue = [];
    if (this.folded.size > 0) {
      rows.push(...this.folded.values());
      this.folded.clear();
    }
    try {
      for (let start = 0; start < rows.length; start += this.batchSize) await this.store.insertUsage(rows.slice(start, start + this.batchSize));
      if (this.storeFailing) this.logger?.info({ store: this.store.location }, 'usage store writable again; queued usage written');
      this.storeFailing = false;
    } catch (error) {
      // Rows already written are skipped on retry (the store ignores known request ids).
      this.queue = rows.concat(this.queue);
      if (!this.storeFailing) this.logger?.error({ err: error, store: this.store.location, queued: this.queue.length }, 'cannot write usage to the store; keeping it queued and retrying every second');
      this.storeFailing = true;
    }
  }

  /** Stops the timer and writes what is left, retrying until `deadlineMs` has passed. */
  async close(deadlineMs = 5_000): Promise<void> {
    clearInterval(this.timer);
    if (this.immediate !== undefined) clearImmediate(this.immediate);
    const giveUpAt = Date.now() + deadlineMs;
    await this.flush();
    while (this.pending > 0 && Date.now() < giveUpAt) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      await this.flush();
    }
    if (this.pending > 0) this.logger?.error({ rows: this.pending }, 'usage rows could not be written before shutdown and are lost');
  }
}
