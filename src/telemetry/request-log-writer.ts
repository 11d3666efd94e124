import type { RequestLogConfig } from '../config/schema.js';
import type { RequestContext } from '../pipeline/request-context.js';
import { hundredths, loggedAttempt } from '../pipeline/request-context.js';
import type { RequestLogRecord, Store } from '../store/store.js';
import type { Logger } from './logger.js';
import type { GatewayMetrics } from './metrics.js';

const FLUSH_INTERVAL_MS = 1_000;
const CLEANUP_INTERVAL_MS = 60 * 60 * 1_000;
const DAY_MS = 24 * 60 * 60 * 1_000;
const MAX_MODEL_NAME = 200;

/** The request log's row for a finished request. */
export function requestLogRecord(context: RequestContext, now: number): RequestLogRecord {
  const usage = context.usage;
  const principal = context.principal;
  return {
    id: context.id,
    at: Math.round(now - context.durationMs),
    virtualKeyId: principal?.keyId ?? null,
    teamId: principal?.teamId ?? null,
    customerId: principal?.customerId ?? null,
    surface: context.surface,
    requestedModel: context.requestedModel.slice(0, MAX_MODEL_NAME),
    provider: context.provider === '' ? null : context.provider,
    model: context.model === '' ? null : context.model,
    keyId: context.keyId === '' ? null : context.keyId,
    attempts: context.attempts.map(loggedAttempt),
    status: context.status,
    errorCode: context.errorCode ?? null,
    latencyMs: hundredths(context.durationMs),
    ttftMs: context.ttftMs === undefined ? null : hundredths(context.ttftMs),
    inputTokens: usage?.input_tokens ?? 0,
    outputTokens: usage?.output_tokens ?? 0,
    cachedInputTokens: usage?.cached_input_tokens ?? 0,
    costNanoUsd: context.costNanoUsd,
    stream: context.stream,
    content: context.content,
  };
}

/**
 * Writes one row per data-plane request to the store, off the request path: `record` appends
 * to a bounded queue (a full queue drops the row and counts it — a request never waits for its
 * log), a timer writes the queue every second, and an hourly job deletes rows past retention.
 */
export class RequestLogWriter {
  private queue: RequestLogRecord[] = [];
  private readonly flushTimer: NodeJS.Timeout;
  private readonly cleanupTimer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private storeFailing = false;

  constructor(
    private readonly store: Store,
    private readonly settings: RequestLogConfig,
    private readonly metrics: GatewayMetrics,
    private readonly logger: Logger | undefined,
  ) {
    this.flushTimer = setInterval(() => void this.flush(), FLUSH_INTERVAL_MS);
    this.flushTimer.unref();
    if (settings.retention_days > 0) {
      this.cleanupTimer = setInterval(() => void this.deleteExpired(), CLEANUP_INTERVAL_MS);
      this.cleanupTimer.unref();
    }
  }

  get pending(): number {
    return this.queue.length;
  }

  record(context: RequestContext): void {
    if (this.queue.length >= this.settings.queue_size) {
      this.metrics.requestLogDropped.inc();
      return;
    }
    this.queue.push(requestLogRecord(context, Date.now()));
  }

  /** Writes everything queued so far; concurrent calls share one write. */
  async flush(): Promise<void> {
    while (this.writing !== undefined) await this.writing;
    if (this.queue.length === 0) return;
    this.writing = this.writeQueued().finally(() => {
      this.writing = undefined;
    });
    await this.writing;
  }

  private async writeQueued(): Promise<void> {
    const rows = this.queue;
    this.queue = [];
    try {
      await this.store.insertRequestLogs(rows);
      if (this.storeFailing) this.logger?.info({ store: this.store.location }, 'request log writable again');
      this.storeFailing = false;
    } catch (error) {
      // Keep what fits for the next try; the store skips ids it already has.
      const room = Math.max(0, this.settings.queue_size - this.queue.length);
      const kept = rows.slice(rows.length - room);
      if (rows.length > kept.length) this.metrics.requestLogDropped.inc(rows.length - kept.length);
      this.queue = kept.concat(this.queue);
      if (!this.storeFailing) this.logger?.error({ err: error, store: this.store.location }, 'cannot write the request log to the store; retrying every second');
      this.storeFailing = true;
    }
  }

  /** Deletes rows older than the retention period; returns how many. */
  async deleteExpired(now = Date.now()): Promise<number> {
    if (this.settings.retention_days === 0) return 0;
    try {
      const deleted = await this.store.deleteRequestLogsBefore(now - this.settings.retention_days * DAY_MS);
      if (deleted > 0) this.logger?.info({ deleted, retention_days: this.settings.retention_days }, `request log: deleted ${deleted} rows older than ${this.settings.retention_days} days`);
      return deleted;
    } catch (error) {
      this.logger?.error({ err: error }, 'request log cleanup failed; it runs again in an hour');
      return 0;
    }
  }

  async close(): Promise<void> {
    clearInterval(this.flushTimer);
    if (this.cleanupTimer !== undefined) clearInterval(this.cleanupTimer);
    await this.flush();
    if (this.queue.length > 0) this.logger?.error({ rows: this.queue.length }, 'request-log rows could not be written before shutdown and are lost');
  }
}
