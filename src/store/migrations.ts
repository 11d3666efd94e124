/**
 * The store's schema, as an ordered list of migrations shared by SQLite and PostgreSQL: only
 * the SQL both understand (TEXT, INTEGER, BIGINT, DOUBLE PRECISION, plain constraints and
 * indexes). A released migration is never edited; a change is a new migration at the end.
 *
 * JSON lives in TEXT columns, booleans in INTEGER 0/1, times in BIGINT epoch milliseconds and
 * money in BIGINT nano-USD.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string[];
}

/** Also run before the first migration, so the runner can read which versions are applied. */
export const CREATE_SCHEMA_MIGRATIONS = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at BIGINT NOT NULL
)`;

function ownerTable(table: string): string {
  return `CREATE TABLE ${table} (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  rpm INTEGER,
  tpm INTEGER,
  budget_usd DOUBLE PRECISION,
  budget_period TEXT,
  metadata TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
)`;
}

function requestLogFilterIndexes(columns: readonly string[]): string[] {
  return columns.map((column) => `CREATE INDEX IF NOT EXISTS request_logs_${column}_at_id ON request_logs (${column}, at, id)`);
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: '0001_initial',
    sql: [
      CREATE_SCHEMA_MIGRATIONS,
      ownerTable('teams'),
      ownerTable('customers'),
      `CREATE TABLE virtual_keys (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  key_hash TEXT NOT NULL UNIQUE,
  prefix TEXT NOT NULL,
  models TEXT,
  providers TEXT,
  rpm INTEGER,
  tpm INTEGER,
  budget_usd DOUBLE PRECISION,
  budget_period TEXT,
  team_id TEXT REFERENCES teams (id),
  customer_id TEXT REFERENCES customers (id),
  expires_at BIGINT,
  disabled INTEGER NOT NULL DEFAULT 0,
  metadata TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
)`,
      'CREATE INDEX IF NOT EXISTS virtual_keys_team_id ON virtual_keys (team_id)',
      'CREATE INDEX IF NOT EXISTS virtual_keys_customer_id ON virtual_keys (customer_id)',
      // No foreign keys: keys declared in the config file are not in virtual_keys, and usage outlives deleted keys.
      `CREATE TABLE usage_records (
  request_id TEXT PRIMARY KEY,
  at BIGINT NOT NULL,
  virtual_key_id TEXT,
  team_id TEXT,
  customer_id TEXT,
  provider TEXT NOT NULL,
  model TEXT NOT NULL,
  requests BIGINT NOT NULL,
  input_tokens BIGINT NOT NULL,
  output_tokens BIGINT NOT NULL,
  cached_input_tokens BIGINT NOT NULL,
  cost_nano_usd BIGINT NOT NULL,
  priced INTEGER NOT NULL
)`,
      'CREATE INDEX IF NOT EXISTS usage_records_at ON usage_records (at)',
      'CREATE INDEX IF NOT EXISTS usage_records_virtual_key_at ON usage_records (virtual_key_id, at)',
      'CREATE INDEX IF NOT EXISTS usage_records_team_at ON usage_records (team_id, at)',
      'CREATE INDEX IF NOT EXISTS usage_records_customer_at ON usage_records (customer_id, at)',
    ],
  },
  {
    version: 2,
    name: '0002_request_log',
    sql: [
      // No foreign keys, as for usage: rows outlive deleted keys, teams and customers.
      `CREATE TABLE request_logs (
  id TEXT PRIMARY KEY,
  at BIGINT NOT NULL,
  virtual_key_id TEXT,
  team_id TEXT,
  customer_id TEXT,
  surface TEXT NOT NULL,
  requested_model TEXT NOT NULL,
  provider TEXT,
  model TEXT,
  key_id TEXT,
  attempts TEXT NOT NULL,
  status INTEGER NOT NULL,
  error_code TEXT,
  latency_ms DOUBLE PRECISION NOT NULL,
  ttft_ms DOUBLE PRECISION,
  input_tokens BIGINT NOT NULL,
  output_tokens BIGINT NOT NULL,
  cached_input_tokens BIGINT NOT NULL,
  cost_nano_usd BIGINT NOT NULL,
  stream INTEGER NOT NULL,
  content TEXT
)`,
      // A search pages newest first by (at, id): an index led by each filter column and followed by
      // (at, id) hands a filtered page over in order, without sorting every matching row.
      'CREATE INDEX IF NOT EXISTS request_logs_at_id ON request_logs (at, id)',
      ...requestLogFilterIndexes(['virtual_key_id', 'team_id', 'customer_id', 'model', 'requested_model', 'provider', 'status', 'error_code']),
    ],
  },
];

export const LATEST_SCHEMA_VERSION = Math.max(0, ...MIGRATIONS.map((migration) => migration.version));
