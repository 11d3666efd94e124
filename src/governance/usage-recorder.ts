import { randomBytes } from 'node:crypto';
import type { Logger } from '../telemetry/logger.js';
import type { Store, UsageRecord } from '../store/store.js';

export interface UsageRecorderOptions {
  /** Usage waits at most this long before it is written. */
  intervalMs?: number;
}

const MINUTE_MS = 60_000;

/**
 * Writes usage to the store off the request path. `record` only adds a finished request into an
 * in-memory total for its minute, key, team, customer, provider and model; every interval those
 * totals are written in one transaction, as one row each. Spend, tokens and request counts stay
 * exact (budget periods start on minute boundaries), and the store sees a handful of rows per
 * second however busy the gateway is. Per-request detail belongs to the request log.
 *
 * A failed write keeps its rows, with their ids, and retries on the next tick: the store skips
 * ids it already has, so a write that committed but reported failure is not counted twice.
 */
export class UsageRecorder {
  private totals = new Map<string, UsageRecord>();
  private unwritten: UsageRecord[] = [];
  private readonly idPrefix = `usage-${randomBytes(6).toString('hex')}`;
  private sequence = 0;
  private readonly timer: NodeJS.Timeout;
  private writing: Promise<void> | undefined;
  private storeFailing = false;

  constructor(
    private readonly store: Store,
    private readonly logger: Logger | undefined,
    options: UsageRecorderOptions = {},
  ) {
    this.timer = setInterval(() => void this.flush(), options.intervalMs ?? 1_000);
    this.timer.unref();
  }

  /** Rows waiting to be written. */
  get pending(): number {
    return this.totals.size + this.unwritten.length;
  }

  /** Adds one request's usage; `requestId` is not kept (rows are per-minute totals). */
  record(usage: UsageRecord): void {
    const minute = usage.at - (usage.at % MINUTE_MS);
    const group = `${minute}|${usage.provider}|${usage.model}|${usage.virtualKeyId}|${usage.teamId}|${usage.customerId}|${usage.priced}`;
    const total = this.totals.get(group);
    if (total === undefined) {
      this.totals.set(group, { ...usage, at: minute, requestId: `${this.idPrefix}-${(++this.sequence).toString(36)}` });
      return;
    }
    total.requests += usage.requests;
    total.inputTokens += usage.inputTokens;
    total.outputTokens += usage.outputTokens;
    total.cachedInputTokens += usage.cachedInputTokens;
    total.costNanoUsd += usage.costNanoUsd;
  }

  /** Writes everything recorded so far; concurrent calls share one write. */
  async flush(): Promise<void> {
    while (this.writing !== undefined) await this.writing;
    if (this.pending === 0) return;
    this.writing = this.writeRecorded().finally(() => {
      this.writing = undefined;
    });
    await this.writing;
  }

  private async writeRecorded(): Promise<void> {
    const rows = this.unwritten;
    for (const total of this.totals.values()) rows.push(total);
    this.unwritten = [];
    this.totals = new Map();
    try {
      await this.store.insertUsage(rows);
      if (this.storeFailing) this.logger?.info({ store: this.store.location }, 'usage store writable again; queued usage written');
      this.storeFailing = false;
    } catch (error) {
      this.unwritten = rows.concat(this.unwritten);
      if (!this.storeFailing) this.logger?.error({ err: error, store: this.store.location, rows: this.unwritten.length }, 'cannot write usage to the store; keeping it and retrying every second');
      this.storeFailing = true;
    }
  }

  /** Stops the timer and writes what is left, retrying until `deadlineMs` has passed. */
  async close(deadlineMs = 5_000): Promise<void> {
    clearInterval(this.timer);
    const giveUpAt = Date.now() + deadlineMs;
    await this.flush();
    while (this.pending > 0 && Date.now() < giveUpAt) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      await this.flush();
    }
    if (this.pending > 0) this.logger?.error({ rows: this.pending }, 'usage could not be written before shutdown and is lost');
  }
}
