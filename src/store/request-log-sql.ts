import type { LoggedAttempt, RequestLogCursor, RequestLogFilter, RequestLogRecord } from './store.js';

/**
 * The SQL of the request log and the mapping between its rows and RequestLogRecords, apart from
 * SqlStore so the store class stays about which statement runs when.
 */

/**
 * Rows per INSERT of a request-log batch, largest first, as for usage: 250 rows of 21 values
 * stay far below both databases' bound-parameter limits, and four fixed sizes keep the prepared
 * statements few and their size near that of the usage INSERTs.
 */
export const REQUEST_LOG_ROWS_PER_INSERT = [250, 50, 10, 1] as const;

const REQUEST_LOG_COLUMNS =
  'id, at, virtual_key_id, team_id, customer_id, surface, requested_model, provider, model, key_id, attempts, status, error_code, latency_ms, ttft_ms, input_tokens, output_tokens, cached_input_tokens, cost_nano_usd, stream, content';
const REQUEST_LOG_ROW_PLACEHOLDERS = `(${REQUEST_LOG_COLUMNS.split(', ')
  .map(() => '?')
  .join(', ')})`;

/**
 * The equality filters and the columns they compare, in a fixed order: one set of filters always
 * gives the same SQL text, so the statement caches hold one statement per combination in use.
 */
const EQUALITY_FILTERS = [
  ['virtualKeyId', 'virtual_key_id'],
  ['teamId', 'team_id'],
  ['customerId', 'customer_id'],
  ['model', 'model'],
  ['requestedModel', 'requested_model'],
  ['provider', 'provider'],
  ['status', 'status'],
  ['errorCode', 'error_code'],
] as const satisfies readonly (readonly [keyof RequestLogFilter, string])[];

export interface RequestLogRow {
  id: string;
  at: number;
  virtual_key_id: string | null;
  team_id: string | null;
  customer_id: string | null;
  surface: string;
  requested_model: string;
  provider: string | null;
  model: string | null;
  key_id: string | null;
  attempts: string;
  status: number;
  error_code: string | null;
  latency_ms: number;
  ttft_ms: number | null;
  input_tokens: number;
  output_tokens: number;
  cached_input_tokens: number;
  cost_nano_usd: number;
  stream: number;
  content: string | null;
}

/** An attempt as the `attempts` JSON column holds it: snake_case, like the columns around it. */
interface StoredAttempt {
  provider: string;
  model: string;
  key: string;
  fallback: number;
  status: number | null;
  outcome: string;
  reason: string;
  duration_ms: number;
}

interface StoredContent {
  request: string;
  response: string;
}

export interface SqlStatement {
  sql: string;
  params: unknown[];
}

export function insertRequestLogsSql(rows: number): string {
  const values = Array.from({ length: rows }, () => REQUEST_LOG_ROW_PLACEHOLDERS).join(', ');
  return `INSERT INTO request_logs (${REQUEST_LOG_COLUMNS}) VALUES ${values} ON CONFLICT (id) DO NOTHING`;
}

/** In the order of REQUEST_LOG_COLUMNS. */
export function requestLogParams(record: RequestLogRecord): unknown[] {
  return [
    record.id,
    record.at,
    record.virtualKeyId,
    record.teamId,
    record.customerId,
    record.surface,
    record.requestedModel,
    record.provider,
    record.model,
    record.keyId,
    JSON.stringify(record.attempts.map(storedAttempt)),
    record.status,
    record.errorCode,
    record.latencyMs,
    record.ttftMs,
    record.inputTokens,
    record.outputTokens,
    record.cachedInputTokens,
    record.costNanoUsd,
    record.stream ? 1 : 0,
    record.content === null ? null : JSON.stringify(storedContent(record.content)),
  ];
}

/**
 * One page of a search, plus one row to tell whether another page follows.
 *
 * `idInOrder` is the id column as the database must compare it, so that the ORDER BY and the
 * cursor's comparison agree on one order of ids.
 */
export function searchRequestLogsStatement(
  filter: RequestLogFilter,
  limit: number,
  cursor: RequestLogCursor | undefined,
  idInOrder: string,
): SqlStatement {
  const conditions: string[] = [];
  const params: unknown[] = [];
  if (filter.from !== undefined) {
    conditions.push('at >= ?');
    params.push(filter.from);
  }
  if (filter.to !== undefined) {
    conditions.push('at < ?');
    params.push(filter.to);
  }
  for (const [field, column] of EQUALITY_FILTERS) {
    const value = filter[field];
    if (value === undefined) continue;
    conditions.push(`${column} = ?`);
    params.push(value);
  }
  if (cursor !== undefined) {
    // `at <= ?` repeats what the OR implies: alone it is a plain range both planners use as the
    // bound of an index scan, so a deep page starts at the cursor instead of filtering up to it.
    conditions.push(`at <= ? AND (at < ? OR (at = ? AND ${idInOrder} < ?))`);
    params.push(cursor.at, cursor.at, cursor.at, cursor.id);
  }
  const where = conditions.length === 0 ? '' : ` WHERE ${conditions.join(' AND ')}`;
  params.push(limit + 1);
  return { sql: `SELECT ${REQUEST_LOG_COLUMNS} FROM request_logs${where} ORDER BY at DESC, ${idInOrder} DESC LIMIT ?`, params };
}

/**
 * Deletes up to `chunk` of the oldest rows before a time. Deleting in chunks keeps each statement,
 * and so each transaction, small on a table with millions of rows to drop.
 */
export function deleteRequestLogsChunkStatement(before: number, chunk: number): SqlStatement {
  return {
    sql: 'DELETE FROM request_logs WHERE id IN (SELECT id FROM request_logs WHERE at < ? ORDER BY at LIMIT ?)',
    params: [before, chunk],
  };
}

export function requestLogFromRow(row: RequestLogRow): RequestLogRecord {
  return {
    id: row.id,
    at: row.at,
    virtualKeyId: row.virtual_key_id,
    teamId: row.team_id,
    customerId: row.customer_id,
    surface: row.surface,
    requestedModel: row.requested_model,
    provider: row.provider,
    model: row.model,
    keyId: row.key_id,
    attempts: (JSON.parse(row.attempts) as StoredAttempt[]).map(loggedAttempt),
    status: row.status,
    errorCode: row.error_code,
    latencyMs: row.latency_ms,
    ttftMs: row.ttft_ms,
    inputTokens: row.input_tokens,
    outputTokens: row.output_tokens,
    cachedInputTokens: row.cached_input_tokens,
    costNanoUsd: row.cost_nano_usd,
    stream: row.stream !== 0,
    content: row.content === null ? null : storedContent(JSON.parse(row.content) as StoredContent),
  };
}

/** Named fields only, so nothing but the attempt's own fields ever reaches the column. */
function storedAttempt(attempt: LoggedAttempt): StoredAttempt {
  return {
    provider: attempt.provider,
    model: attempt.model,
    key: attempt.key,
    fallback: attempt.fallback,
    status: attempt.status,
    outcome: attempt.outcome,
    reason: attempt.reason,
    duration_ms: attempt.durationMs,
  };
}

function loggedAttempt(stored: StoredAttempt): LoggedAttempt {
  return {
    provider: stored.provider,
    model: stored.model,
    key: stored.key,
    fallback: stored.fallback,
    status: stored.status,
    outcome: stored.outcome,
    reason: stored.reason,
    durationMs: stored.duration_ms,
  };
}

function storedContent(content: StoredContent): StoredContent {
  return { request: content.request, response: content.response };
}
