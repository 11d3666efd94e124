import pg from 'pg';
import type { CustomTypesConfig, QueryResult } from 'pg';
import { errorCode, type SqlDriver } from './sql-driver.js';

export interface PostgresDriverOptions {
  /** A `postgres://` URL as pg understands it. */
  connectionString: string;
  /** Every connection works in this schema, created at open when missing. */
  schema?: string;
  /** Errors of idle pooled connections (server restart, network loss); they never crash the process. */
  onError?: (error: Error) => void;
}

const POOL_SIZE = 10;
const CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_PORT = '5432';
/** Lowercase only: search_path and a quoted CREATE SCHEMA must name the same schema. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const UNIQUE_VIOLATION = '23505';
const DUPLICATE_SCHEMA = '42P06';

/** Opens a pool, checks that the server answers, and creates the schema when one is asked for. */
export async function openPostgresDriver(options: PostgresDriverOptions): Promise<SqlDriver> {
  const schema = options.schema === undefined ? undefined : checkedSchemaName(options.schema);
  const pool = new pg.Pool({
    connectionString: schema === undefined ? options.connectionString : withSearchPath(options.connectionString, schema),
    max: POOL_SIZE,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    types: NUMBERS_AS_JS_NUMBERS,
  });
  pool.on('error', (error) => options.onError?.(error));
  try {
    await ping(pool, options.connectionString);
    if (schema !== undefined) await createSchema(pool, schema);
  } catch (error) {
    await pool.end();
    throw error;
  }
  return new PostgresDriver(pool);
}

/** Rewrites `?` placeholders to `$1, $2, …`, leaving quoted strings and identifiers alone. */
export function toNumberedPlaceholders(sql: string): string {
  let result = '';
  let count = 0;
  let openQuote: string | undefined;
  for (const character of sql) {
    if (openQuote !== undefined) {
      if (character === openQuote) openQuote = undefined;
    } else if (character === "'" || character === '"') {
      openQuote = character;
    } else if (character === '?') {
      count += 1;
      result += `$${count}`;
      continue;
    }
    result += character;
  }
  return result;
}

/**
 * COUNT and SUM over BIGINT come back as int8 and NUMERIC, which pg returns as strings. Sums of
 * nano-USD stay far below 2^53, so numbers are exact; this pool alone parses them, pg's global
 * parsers stay as they are.
 */
const NUMBERS_AS_JS_NUMBERS: CustomTypesConfig = {
  getTypeParser: (id, format): unknown => {
    const isNumber = id === pg.types.builtins.INT8 || id === pg.types.builtins.NUMERIC;
    if (isNumber && (format ?? 'text') === 'text') return Number;
    return pg.types.getTypeParser(id, format);
  },
};

const numberedSqlCache = new Map<string, string>();

function numberedSql(sql: string): string {
  let numbered = numberedSqlCache.get(sql);
  if (numbered === undefined) {
    numbered = toNumberedPlaceholders(sql);
    numberedSqlCache.set(sql, numbered);
  }
  return numbered;
}

function checkedSchemaName(schema: string): string {
  if (SCHEMA_NAME.test(schema)) return schema;
  throw new Error(`invalid Postgres schema name '${schema}': use lowercase letters, digits and _, not starting with a digit`);
}

/** The server sets the search_path at connection start, so no query ever runs in another schema. */
function withSearchPath(connectionString: string, schema: string): string {
  const url = new URL(connectionString);
  const existing = url.searchParams.get('options');
  const searchPath = `-c search_path=${schema}`;
  url.searchParams.set('options', existing ? `${existing} ${searchPath}` : searchPath);
  return url.toString();
}

async function ping(pool: pg.Pool, connectionString: string): Promise<void> {
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    throw new Error(`cannot connect to PostgreSQL at ${describeServer(connectionString)} (${reasonOf(error)}); check store: in the config`, {
      cause: error,
    });
  }
}

function describeServer(connectionString: string): string {
  const url = new URL(connectionString);
  const database = decodeURIComponent(url.pathname.slice(1)) || decodeURIComponent(url.username) || '(default)';
  return `${url.hostname || 'localhost'}:${url.port || DEFAULT_PORT}, database '${database}'`;
}

/** Connection failures to a name with several addresses are AggregateErrors with an empty message. */
function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.message || errorCode(error) || error.name;
}

async function createSchema(pool: pg.Pool, schema: string): Promise<void> {
  try {
    await pool.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  } catch (error) {
    // Two processes creating it at the same moment: the loser sees the winner's schema as a duplicate.
    const code = errorCode(error);
    if (code !== UNIQUE_VIOLATION && code !== DUPLICATE_SCHEMA) throw error;
  }
}

interface Queryable {
  query(text: string, values: unknown[]): Promise<QueryResult>;
}

class PostgresSession implements SqlDriver {
  readonly dialect = 'postgres';

  constructor(private readonly connection: Queryable) {}

  async query<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    const result = await this.connection.query(numberedSql(sql), [...params]);
    return result.rows as T[];
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    const result = await this.connection.query(numberedSql(sql), [...params]);
    return result.rowCount ?? 0;
  }

  async transaction<T>(work: (session: SqlDriver) => Promise<T>): Promise<T> {
    return work(this);
  }

  async close(): Promise<void> {
    throw new Error('a transaction session cannot close the pool');
  }
}

class PostgresDriver implements SqlDriver {
  readonly dialect = 'postgres';
  private readonly session: PostgresSession;

  constructor(private readonly pool: pg.Pool) {
    this.session = new PostgresSession(pool);
  }

  query<T>(sql: string, params?: readonly unknown[]): Promise<T[]> {
    return this.session.query<T>(sql, params);
  }

  run(sql: string, params?: readonly unknown[]): Promise<number> {
    return this.session.run(sql, params);
  }

  async transaction<T>(work: (session: SqlDriver) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let brokenConnection: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await work(new PostgresSession(client));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: unknown) => {
        brokenConnection = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
      });
      throw error;
    } finally {
      client.release(brokenConnection);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
