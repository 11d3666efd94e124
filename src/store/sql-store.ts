import {
  deleteRequestLogsChunkStatement,
  insertRequestLogsSql,
  REQUEST_LOG_ROWS_PER_INSERT,
  requestLogFromRow,
  requestLogParams,
  searchRequestLogsStatement,
  type RequestLogRow,
} from './request-log-sql.js';
import { runMigrations } from './run-migrations.js';
import { errorCode, type SqlDriver } from './sql-driver.js';
import {
  BUDGET_PERIODS,
  StoreConflictError,
  type Allowance,
  type BudgetPeriod,
  type MigrationReport,
  type OwnerKind,
  type OwnerRecord,
  type RequestLogCursor,
  type RequestLogFilter,
  type RequestLogPage,
  type RequestLogRecord,
  type SpendTotal,
  type Store,
  type UsageGroup,
  type UsageRecord,
  type UsageTotals,
  type VirtualKeyRecord,
} from './store.js';

/**
 * Rows per INSERT of a usage batch, largest first: 500 rows of 12 values stay far below SQLite's
 * 32,766 and Postgres's 65,535 bound parameters, and a few fixed sizes keep the drivers'
 * statement caches small (a prepared 500-row INSERT costs SQLite about half a megabyte).
 */
const USAGE_ROWS_PER_INSERT = [500, 100, 10, 1] as const;

/**
 * Request-log rows one retention DELETE removes at most: each chunk is its own short statement,
 * so dropping millions of old rows never holds one giant transaction or the SQLite write lock
 * for long.
 */
const REQUEST_LOG_DELETE_CHUNK = 10_000;

const OWNER_COLUMNS = 'id, name, rpm, tpm, budget_usd, budget_period, metadata, created_at, updated_at';
const VIRTUAL_KEY_COLUMNS =
  'id, name, key_hash, prefix, models, providers, rpm, tpm, budget_usd, budget_period, team_id, customer_id, expires_at, disabled, metadata, created_at, updated_at';
const USAGE_COLUMNS =
  'request_id, at, virtual_key_id, team_id, customer_id, provider, model, requests, input_tokens, output_tokens, cached_input_tokens, cost_nano_usd, priced';
const USAGE_ROW_PLACEHOLDERS = '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';

interface AllowanceRow {
  rpm: number | null;
  tpm: number | null;
  budget_usd: number | null;
  budget_period: string | null;
}

interface OwnerRow extends AllowanceRow {
  id: string;
  name: string;
  metadata: string;
  created_at: number;
  updated_at: number;
}

interface VirtualKeyRow extends AllowanceRow {
  id: string;
  name: string;
  key_hash: string;
  prefix: string;
  models: string | null;
  providers: string | null;
  team_id: string | null;
  customer_id: string | null;
  expires_at: number | null;
  disabled: number;
  metadata: string;
  created_at: number;
  updated_at: number;
}

interface UsageTotalsRow {
  group_key: string | null;
  requests: number;
  input_tokens: number;
  output_tokens: number;
  cached_input_tokens: number;
  cost_nano_usd: number;
}

/** The one Store implementation; the driver hides which database is underneath. */
export class SqlStore implements Store {
  readonly kind: 'sqlite' | 'postgres';

  constructor(
    private readonly driver: SqlDriver,
    readonly location: string,
  ) {
    this.kind = driver.dialect;
  }

  migrate(): Promise<MigrationReport> {
    return runMigrations(this.driver);
  }

  async ping(): Promise<void> {
    await this.driver.query('SELECT 1 AS one');
  }

  close(): Promise<void> {
    return this.driver.close();
  }

  async createOwner(kind: OwnerKind, record: OwnerRecord): Promise<void> {
    try {
      await this.driver.run(`INSERT INTO ${ownerTable(kind)} (${OWNER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
        record.id,
        record.name,
        ...allowanceParams(record),
        JSON.stringify(record.metadata),
        record.createdAt,
        record.updatedAt,
      ]);
    } catch (error) {
      if (constraintViolation(error) === 'unique') throw new StoreConflictError(`a ${kind} with id '${record.id}' already exists`);
      throw error;
    }
  }

  async getOwner(kind: OwnerKind, id: string): Promise<OwnerRecord | undefined> {
    const rows = await this.driver.query<OwnerRow>(`SELECT ${OWNER_COLUMNS} FROM ${ownerTable(kind)} WHERE id = ?`, [id]);
    return rows[0] && ownerFromRow(rows[0]);
  }

  async listOwners(kind: OwnerKind): Promise<OwnerRecord[]> {
    const rows = await this.driver.query<OwnerRow>(`SELECT ${OWNER_COLUMNS} FROM ${ownerTable(kind)} ORDER BY created_at, ${this.inByteOrder('id')}`);
    return rows.map(ownerFromRow);
  }

  async updateOwner(kind: OwnerKind, record: OwnerRecord): Promise<boolean> {
    const changed = await this.driver.run(
      `UPDATE ${ownerTable(kind)} SET name = ?, rpm = ?, tpm = ?, budget_usd = ?, budget_period = ?, metadata = ?, updated_at = ? WHERE id = ?`,
      [record.name, ...allowanceParams(record), JSON.stringify(record.metadata), record.updatedAt, record.id],
    );
    return changed > 0;
  }

  async deleteOwner(kind: OwnerKind, id: string): Promise<boolean> {
    const users = await this.countKeysOf(kind, id);
    if (users > 0) throw ownerInUse(kind, id, users);
    try {
      return (await this.driver.run(`DELETE FROM ${ownerTable(kind)} WHERE id = ?`, [id])) > 0;
    } catch (error) {
      // A key created for the owner between the count and the delete.
      if (constraintViolation(error) === 'foreign_key') throw ownerInUse(kind, id, await this.countKeysOf(kind, id));
      throw error;
    }
  }

  async createVirtualKey(record: VirtualKeyRecord): Promise<void> {
    try {
      await this.driver.run(`INSERT INTO virtual_keys (${VIRTUAL_KEY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
        record.id,
        record.name,
        record.keyHash,
        record.prefix,
        ...virtualKeyMutableParams(record),
        record.createdAt,
        record.updatedAt,
      ]);
    } catch (error) {
      switch (constraintViolation(error)) {
        case 'unique':
          throw await this.duplicateVirtualKey(record);
        case 'foreign_key':
          throw await this.missingOwners(record);
        case undefined:
          throw error;
      }
    }
  }

  async getVirtualKey(id: string): Promise<VirtualKeyRecord | undefined> {
    const rows = await this.driver.query<VirtualKeyRow>(`SELECT ${VIRTUAL_KEY_COLUMNS} FROM virtual_keys WHERE id = ?`, [id]);
    return rows[0] && virtualKeyFromRow(rows[0]);
  }

  async listVirtualKeys(): Promise<VirtualKeyRecord[]> {
    const rows = await this.driver.query<VirtualKeyRow>(`SELECT ${VIRTUAL_KEY_COLUMNS} FROM virtual_keys ORDER BY created_at, ${this.inByteOrder('id')}`);
    return rows.map(virtualKeyFromRow);
  }

  async updateVirtualKey(record: VirtualKeyRecord): Promise<boolean> {
    try {
      const changed = await this.driver.run(
        `UPDATE virtual_keys SET models = ?, providers = ?, rpm = ?, tpm = ?, budget_usd = ?, budget_period = ?, team_id = ?, customer_id = ?,
          expires_at = ?, disabled = ?, metadata = ?, name = ?, updated_at = ? WHERE id = ?`,
        [...virtualKeyMutableParams(record), record.name, record.updatedAt, record.id],
      );
      return changed > 0;
    } catch (error) {
      if (constraintViolation(error) === 'foreign_key') throw await this.missingOwners(record);
      throw error;
    }
  }

  async deleteVirtualKey(id: string): Promise<boolean> {
    return (await this.driver.run('DELETE FROM virtual_keys WHERE id = ?', [id])) > 0;
  }

  async insertUsage(records: readonly UsageRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.driver.transaction(async (session) => {
      for (const chunk of fixedSizeChunks(records, USAGE_ROWS_PER_INSERT)) await session.run(insertUsageSql(chunk.length), chunk.flatMap(usageParams));
    });
  }

  async usageTotals(groupBy: UsageGroup, from: number, to: number): Promise<UsageTotals[]> {
    const column = usageColumn(groupBy);
    const rows = await this.driver.query<UsageTotalsRow>(
      `SELECT ${column} AS group_key, SUM(requests) AS requests, SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens,
          SUM(cached_input_tokens) AS cached_input_tokens, SUM(cost_nano_usd) AS cost_nano_usd
        FROM usage_records WHERE at >= ? AND at < ?
        GROUP BY ${column}
        ORDER BY SUM(cost_nano_usd) DESC, ${column} IS NULL, ${this.inByteOrder(column)}`,
      [from, to],
    );
    return rows.map((row) => ({
      key: row.group_key,
      requests: row.requests,
      inputTokens: row.input_tokens,
      outputTokens: row.output_tokens,
      cachedInputTokens: row.cached_input_tokens,
      costNanoUsd: row.cost_nano_usd,
    }));
  }

  async spendSince(owner: 'virtual_key' | OwnerKind, id: string, since: number): Promise<SpendTotal> {
    const rows = await this.driver.query<{ requests: number; cost_nano_usd: number }>(
      `SELECT COALESCE(SUM(requests), 0) AS requests, COALESCE(SUM(cost_nano_usd), 0) AS cost_nano_usd FROM usage_records WHERE ${usageColumn(owner)} = ? AND at >= ?`,
      [id, since],
    );
    return { requests: rows[0]?.requests ?? 0, costNanoUsd: rows[0]?.cost_nano_usd ?? 0 };
  }

  async insertRequestLogs(records: readonly RequestLogRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.driver.transaction(async (session) => {
      for (const chunk of fixedSizeChunks(records, REQUEST_LOG_ROWS_PER_INSERT)) {
        await session.run(insertRequestLogsSql(chunk.length), chunk.flatMap(requestLogParams));
      }
    });
  }

  async searchRequestLogs(filter: RequestLogFilter, limit: number, cursor?: RequestLogCursor): Promise<RequestLogPage> {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`a request-log page limit must be a positive integer, not ${limit}`);
    const statement = searchRequestLogsStatement(filter, limit, cursor, this.inByteOrder('id'));
    const found = await this.driver.query<RequestLogRow>(statement.sql, statement.params);
    const rows = found.slice(0, limit).map(requestLogFromRow);
    const last = rows.at(-1);
    const more = found.length > limit;
    return { rows, next: more && last !== undefined ? { at: last.at, id: last.id } : null };
  }

  async deleteRequestLogsBefore(before: number): Promise<number> {
    let deleted = 0;
    for (;;) {
      const statement = deleteRequestLogsChunkStatement(before, REQUEST_LOG_DELETE_CHUNK);
      const chunk = await this.driver.run(statement.sql, statement.params);
      deleted += chunk;
      if (chunk < REQUEST_LOG_DELETE_CHUNK) return deleted;
    }
  }

  /** Postgres sorts text by the database's locale; SQLite compares bytes. Both compare bytes here. */
  private inByteOrder(column: string): string {
    switch (this.driver.dialect) {
      case 'postgres':
        return `${column} COLLATE "C"`;
      case 'sqlite':
        return column;
    }
  }

  private async countKeysOf(kind: OwnerKind, id: string): Promise<number> {
    const rows = await this.driver.query<{ key_count: number }>(`SELECT COUNT(*) AS key_count FROM virtual_keys WHERE ${ownerColumn(kind)} = ?`, [id]);
    return rows[0]?.key_count ?? 0;
  }

  private async duplicateVirtualKey(record: VirtualKeyRecord): Promise<StoreConflictError> {
    if (await this.getVirtualKey(record.id)) return new StoreConflictError(`a virtual key with id '${record.id}' already exists`);
    return new StoreConflictError(`a virtual key with the same key hash already exists (new key's prefix '${record.prefix}')`);
  }

  private async missingOwners(record: VirtualKeyRecord): Promise<StoreConflictError> {
    const missing: string[] = [];
    if (record.teamId !== null && !(await this.getOwner('team', record.teamId))) missing.push(`team '${record.teamId}' does not exist`);
    if (record.customerId !== null && !(await this.getOwner('customer', record.customerId))) {
      missing.push(`customer '${record.customerId}' does not exist`);
    }
    if (missing.length === 0) missing.push(`the team or customer of virtual key '${record.id}' does not exist`);
    return new StoreConflictError(missing.join('; '));
  }
}

type ConstraintViolation = 'unique' | 'foreign_key';

function constraintViolation(error: unknown): ConstraintViolation | undefined {
  switch (errorCode(error)) {
    case 'SQLITE_CONSTRAINT_PRIMARYKEY':
    case 'SQLITE_CONSTRAINT_UNIQUE':
    case '23505':
      return 'unique';
    case 'SQLITE_CONSTRAINT_FOREIGNKEY':
    case '23503':
      return 'foreign_key';
    default:
      return undefined;
  }
}

function ownerInUse(kind: OwnerKind, id: string, keys: number): StoreConflictError {
  return new StoreConflictError(`${kind} '${id}' is still used by ${keys} virtual key(s)`);
}

function ownerTable(kind: OwnerKind): string {
  switch (kind) {
    case 'team':
      return 'teams';
    case 'customer':
      return 'customers';
  }
}

function ownerColumn(kind: OwnerKind): string {
  switch (kind) {
    case 'team':
      return 'team_id';
    case 'customer':
      return 'customer_id';
  }
}

function usageColumn(group: UsageGroup): string {
  switch (group) {
    case 'virtual_key':
      return 'virtual_key_id';
    case 'team':
      return 'team_id';
    case 'customer':
      return 'customer_id';
    case 'model':
      return 'model';
    case 'provider':
      return 'provider';
  }
}

function allowanceParams(allowance: Allowance): unknown[] {
  return [allowance.rpm, allowance.tpm, allowance.budgetUsd, allowance.budgetPeriod];
}

/** In the column order of UPDATE virtual_keys and of VIRTUAL_KEY_COLUMNS from `models` to `metadata`. */
function virtualKeyMutableParams(record: VirtualKeyRecord): unknown[] {
  return [
    jsonOrNull(record.models),
    jsonOrNull(record.providers),
    ...allowanceParams(record),
    record.teamId,
    record.customerId,
    record.expiresAt,
    record.disabled ? 1 : 0,
    JSON.stringify(record.metadata),
  ];
}

function usageParams(record: UsageRecord): unknown[] {
  return [
    record.requestId,
    record.at,
    record.virtualKeyId,
    record.teamId,
    record.customerId,
    record.provider,
    record.model,
    record.requests,
    record.inputTokens,
    record.outputTokens,
    record.cachedInputTokens,
    record.costNanoUsd,
    record.priced ? 1 : 0,
  ];
}

/**
 * With sizes 500, 100, 10 and 1, a 1,234-row batch is written as 500, 500, 100, 100, 10, 10, 10,
 * 1, 1, 1 and 1 rows. The last size must be 1, or a remainder would be left out.
 */
function fixedSizeChunks<T>(records: readonly T[], sizes: readonly number[]): (readonly T[])[] {
  const chunks: (readonly T[])[] = [];
  let start = 0;
  for (const size of sizes) {
    for (; records.length - start >= size; start += size) chunks.push(records.slice(start, start + size));
  }
  return chunks;
}

function insertUsageSql(rows: number): string {
  const values = Array.from({ length: rows }, () => USAGE_ROW_PLACEHOLDERS).join(', ');
  return `INSERT INTO usage_records (${USAGE_COLUMNS}) VALUES ${values} ON CONFLICT (request_id) DO NOTHING`;
}

function jsonOrNull(value: unknown): string | null {
  return value === null ? null : JSON.stringify(value);
}

function allowanceFromRow(row: AllowanceRow): Allowance {
  return { rpm: row.rpm, tpm: row.tpm, budgetUsd: row.budget_usd, budgetPeriod: budgetPeriodFromColumn(row.budget_period) };
}

function budgetPeriodFromColumn(value: string | null): BudgetPeriod | null {
  if (value === null) return null;
  const period = BUDGET_PERIODS.find((known) => known === value);
  if (period === undefined) throw new Error(`the store holds an unknown budget period '${value}'`);
  return period;
}

function ownerFromRow(row: OwnerRow): OwnerRecord {
  return {
    id: row.id,
    name: row.name,
    ...allowanceFromRow(row),
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function virtualKeyFromRow(row: VirtualKeyRow): VirtualKeyRecord {
  return {
    id: row.id,
    name: row.name,
    keyHash: row.key_hash,
    prefix: row.prefix,
    models: row.models === null ? null : (JSON.parse(row.models) as string[]),
    providers: row.providers === null ? null : (JSON.parse(row.providers) as string[]),
    ...allowanceFromRow(row),
    teamId: row.team_id,
    customerId: row.customer_id,
    expiresAt: row.expires_at,
    disabled: row.disabled !== 0,
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
