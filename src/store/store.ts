/**
 * The gateway's persistent store: virtual keys, teams, customers and per-request usage.
 *
 * Two implementations share one SQL schema and one ordered migration set: SQLite (the embedded
 * default, `sqlite:./data/switchyard.db`) and PostgreSQL (`postgres://…`). Every method is
 * async, and none is ever awaited on the request path: the gateway reads keys from an in-memory
 * snapshot and writes usage in batches from a background queue.
 *
 * Times are epoch milliseconds. Money is integer nano-USD (1e-9 USD), so sums are exact.
 * Ids are chosen by the caller (the admin API generates them), never by the database.
 */

export const BUDGET_PERIODS = ['1m', '1h', '1d', '1w', '1M'] as const;
/** Calendar periods in UTC: minute, hour, day, ISO week (from Monday), month. */
export type BudgetPeriod = (typeof BUDGET_PERIODS)[number];

/** Limits and budget; every field null when not set. A budget with a null period is a lifetime budget. */
export interface Allowance {
  rpm: number | null;
  tpm: number | null;
  budgetUsd: number | null;
  budgetPeriod: BudgetPeriod | null;
}

/** A team or a customer: both carry a name, limits, a budget and free-form metadata. */
export interface OwnerRecord extends Allowance {
  id: string;
  name: string;
  metadata: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
}

export type OwnerKind = 'team' | 'customer';

export interface VirtualKeyRecord extends Allowance {
  id: string;
  name: string;
  /** Hex SHA-256 of the full key; the key itself is never stored. */
  keyHash: string;
  /** The key's first characters (`sk-sy-AbCd`), to recognise it in lists. */
  prefix: string;
  /** Model names it may use (public names, `provider/model`, or `prefix*`); null = any. */
  models: string[] | null;
  /** Provider ids it may be served by; null = any. */
  providers: string[] | null;
  teamId: string | null;
  customerId: string | null;
  expiresAt: number | null;
  disabled: boolean;
  metadata: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
}

/**
 * Usage and cost of requests: the gateway writes per-minute totals per key, team, customer,
 * provider and model (see UsageRecorder); a row may as well hold a single request.
 */
export interface UsageRecord {
  /** Unique per row; a row already stored with this id is left as it is (batches may be retried). */
  requestId: string;
  /** When the request ended, or the start of the minute a total covers. */
  at: number;
  virtualKeyId: string | null;
  teamId: string | null;
  customerId: string | null;
  provider: string;
  model: string;
  /** Requests the row counts. */
  requests: number;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  costNanoUsd: number;
  /** False when no price was known for the model: the row is counted, its cost is 0. */
  priced: boolean;
}

export const USAGE_GROUPS = ['virtual_key', 'team', 'customer', 'model', 'provider'] as const;
export type UsageGroup = (typeof USAGE_GROUPS)[number];

/** Usage summed over a group; `key` is the group's value (null for rows without one, e.g. no team). */
export interface UsageTotals {
  key: string | null;
  requests: number;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  costNanoUsd: number;
}

export interface SpendTotal {
  requests: number;
  costNanoUsd: number;
}

/** One upstream attempt of a logged request. */
export interface LoggedAttempt {
  provider: string;
  model: string;
  key: string;
  /** 0 for the primary route, n for the n-th fallback. */
  fallback: number;
  status: number | null;
  /** ok | http_error | network_error | timeout | stream_error | invalid_response */
  outcome: string;
  /** Why the attempt ended the way it did, in words. */
  reason: string;
  durationMs: number;
}

/** One data-plane request, as the request log keeps it. */
export interface RequestLogRecord {
  /** The request id (`x-request-id`); unique. A row already stored with this id is left as it is. */
  id: string;
  /** When the request arrived, epoch milliseconds. */
  at: number;
  virtualKeyId: string | null;
  teamId: string | null;
  customerId: string | null;
  /** openai | anthropic | genai | bedrock */
  surface: string;
  /** The model name the client sent (truncated to 200 characters). */
  requestedModel: string;
  /** The provider, upstream model and key of the last attempt; null when no attempt was made. */
  provider: string | null;
  model: string | null;
  keyId: string | null;
  attempts: LoggedAttempt[];
  /** HTTP status sent to the client. */
  status: number;
  /** Error code when it failed, or when its stream ended with an error event; null on success. */
  errorCode: string | null;
  latencyMs: number;
  /** Time to the first content byte of a stream; null for non-stream requests. */
  ttftMs: number | null;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  costNanoUsd: number;
  stream: boolean;
  /** Request and response bodies when content logging is on (capped, secrets redacted); null otherwise. */
  content: { request: string; response: string } | null;
}

/** Filters of a request-log search; every field optional, all given ones must match. */
export interface RequestLogFilter {
  /** Inclusive lower bound of `at`. */
  from?: number | undefined;
  /** Exclusive upper bound of `at`. */
  to?: number | undefined;
  virtualKeyId?: string | undefined;
  teamId?: string | undefined;
  customerId?: string | undefined;
  /** The upstream model that served it. */
  model?: string | undefined;
  /** The model name the client sent. */
  requestedModel?: string | undefined;
  provider?: string | undefined;
  status?: number | undefined;
  errorCode?: string | undefined;
}

/** Where a page of results ends: the last row's `at` and `id` (results are newest first). */
export interface RequestLogCursor {
  at: number;
  id: string;
}

export interface RequestLogPage {
  rows: RequestLogRecord[];
  /** Pass to the next search for the following page; null when this was the last page. */
  next: RequestLogCursor | null;
}

export interface MigrationReport {
  /** Names of the migrations this call applied, in order. */
  applied: string[];
  /** The schema version now in place. */
  version: number;
}

/** Thrown for a duplicate id or key hash, or a delete/update that would break a reference. */
export class StoreConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreConflictError';
  }
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /** Where it lives, for startup output; never contains a password. */
  readonly location: string;

  /** Applies pending migrations in order, each in its own transaction; safe to run concurrently from several processes. */
  migrate(): Promise<MigrationReport>;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;

  /** Throws StoreConflictError when the id exists. */
  createOwner(kind: OwnerKind, record: OwnerRecord): Promise<void>;
  getOwner(kind: OwnerKind, id: string): Promise<OwnerRecord | undefined>;
  listOwners(kind: OwnerKind): Promise<OwnerRecord[]>;
  /** Replaces every field but `id` and `createdAt`; false when there is no such id. */
  updateOwner(kind: OwnerKind, record: OwnerRecord): Promise<boolean>;
  /** False when there is no such id; StoreConflictError while virtual keys still reference it. */
  deleteOwner(kind: OwnerKind, id: string): Promise<boolean>;

  /** Throws StoreConflictError for a duplicate id or key hash, or an unknown team/customer id. */
  createVirtualKey(record: VirtualKeyRecord): Promise<void>;
  getVirtualKey(id: string): Promise<VirtualKeyRecord | undefined>;
  listVirtualKeys(): Promise<VirtualKeyRecord[]>;
  /** Replaces every field but `id`, `keyHash`, `prefix` and `createdAt`; false when there is no such id. */
  updateVirtualKey(record: VirtualKeyRecord): Promise<boolean>;
  deleteVirtualKey(id: string): Promise<boolean>;

  /** Writes a batch in one transaction; rows whose requestId is already stored are skipped. */
  insertUsage(records: readonly UsageRecord[]): Promise<void>;
  /** Usage with `from <= at < to`, summed per group, ordered by cost descending then key. */
  usageTotals(groupBy: UsageGroup, from: number, to: number): Promise<UsageTotals[]>;
  /** Requests and cost of one key, team or customer with `at >= since`. */
  spendSince(owner: 'virtual_key' | OwnerKind, id: string, since: number): Promise<SpendTotal>;

  /** Writes a batch of request-log rows in one transaction; ids already stored are skipped. */
  insertRequestLogs(records: readonly RequestLogRecord[]): Promise<void>;
  /**
   * Rows matching `filter`, newest first (by `at`, then `id`, both descending), at most `limit`,
   * starting after `cursor`. Each filter column has an index led by it and followed by `at`, so a
   * filtered page stays fast on millions of rows.
   */
  searchRequestLogs(filter: RequestLogFilter, limit: number, cursor?: RequestLogCursor): Promise<RequestLogPage>;
  /** Deletes rows with `at < before` (retention); returns how many. */
  deleteRequestLogsBefore(before: number): Promise<number>;
}
