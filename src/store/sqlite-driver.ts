import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import type { SqlDriver } from './sql-driver.js';

export const SQLITE_MEMORY = ':memory:';

const BUSY_TIMEOUT_MS = 5_000;
/**
 * SQLite gathers no table statistics by itself, and without them a filtered request-log search
 * can pick a whole-table index walk; `PRAGMA optimize` refreshes them where they are stale (cheap
 * when nothing changed). Run at open, then hourly, as SQLite's documentation advises for
 * long-lived connections.
 */
const OPTIMIZE_INTERVAL_MS = 60 * 60 * 1_000;
const LONGEST_BEGIN_RETRY_DELAY_MS = 50;

/** Opens (creating it and its directory when missing) a SQLite database file, or `:memory:`. */
export function openSqliteDriver(path: string): SqlDriver {
  if (path !== SQLITE_MEMORY) mkdirSync(dirname(path), { recursive: true });
  const database = new Database(path, { timeout: BUSY_TIMEOUT_MS });
  try {
    database.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
  } catch (error) {
    database.close();
    throw error;
  }
  return new SqliteDriver(database);
}

type Statement = Database.Statement<unknown[], unknown>;

/**
 * Every prepared statement stays reachable for the life of the process, also after its database
 * is closed. On Node 24, better-sqlite3 12's statement destructor can abort the process when the
 * garbage collector runs it at a moment with no JavaScript context entered (`Assertion failed:
 * (env) != nullptr` in RemoveEnvironmentCleanupHook). Statements are cached per SQL text and a
 * process opens few databases, so keeping them costs little; for the same reason nothing here
 * uses `pragma()`, which prepares a throwaway statement per call.
 */
const retainedStatements: Statement[] = [];

/** Executes at once on the connection; the driver decides when that is safe. */
class SqliteSession implements SqlDriver {
  readonly dialect = 'sqlite';
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly database: Database.Database) {}

  async query<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return this.prepared(sql).all(...params) as T[];
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    return this.prepared(sql).run(...params).changes;
  }

  async transaction<T>(work: (session: SqlDriver) => Promise<T>): Promise<T> {
    return work(this);
  }

  async close(): Promise<void> {
    throw new Error('a transaction session cannot close the database');
  }

  private prepared(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.database.prepare<unknown[], unknown>(sql);
      this.statements.set(sql, statement);
      retainedStatements.push(statement);
    }
    return statement;
  }
}

/**
 * One connection serves the whole process, so a transaction that awaits between statements
 * must keep every other caller out until it ends: all work runs one piece at a time, in order.
 */
class SqliteDriver implements SqlDriver {
  readonly dialect = 'sqlite';
  private readonly session: SqliteSession;
  private queue: Promise<unknown> = Promise.resolve();

  private readonly optimizeTimer: NodeJS.Timeout;

  constructor(private readonly database: Database.Database) {
    this.session = new SqliteSession(database);
    this.optimize();
    this.optimizeTimer = setInterval(() => void this.exclusive(async () => this.optimize()), OPTIMIZE_INTERVAL_MS);
    this.optimizeTimer.unref();
  }

  private optimize(): void {
    if (this.database.open) this.database.exec('PRAGMA optimize=0x10002');
  }

  query<T>(sql: string, params?: readonly unknown[]): Promise<T[]> {
    return this.exclusive(() => this.session.query<T>(sql, params));
  }

  run(sql: string, params?: readonly unknown[]): Promise<number> {
    return this.exclusive(() => this.session.run(sql, params));
  }

  transaction<T>(work: (session: SqlDriver) => Promise<T>): Promise<T> {
    return this.exclusive(async () => {
      await this.beginImmediate();
      try {
        const result = await work(this.session);
        this.database.exec('COMMIT');
        return result;
      } catch (error) {
        if (this.database.inTransaction) this.database.exec('ROLLBACK');
        throw error;
      }
    });
  }

  close(): Promise<void> {
    clearInterval(this.optimizeTimer);
    return this.exclusive(async () => {
      this.database.exec('PRAGMA optimize');
      this.database.close();
    });
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(work);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /**
   * SQLite's own busy handler waits by blocking the thread, and then a connection of this very
   * process that holds the lock (tests open several) could never finish. So the wait for the
   * write lock happens here, between event-loop turns.
   */
  private async beginImmediate(): Promise<void> {
    const deadline = Date.now() + BUSY_TIMEOUT_MS;
    for (let attempt = 0; ; attempt++) {
      try {
        this.beginImmediateWithoutWaiting();
        return;
      } catch (error) {
        if (!isBusy(error) || Date.now() >= deadline) throw error;
        await sleep(Math.min(2 ** attempt, LONGEST_BEGIN_RETRY_DELAY_MS));
      }
    }
  }

  private beginImmediateWithoutWaiting(): void {
    this.database.exec('PRAGMA busy_timeout = 0');
    try {
      this.database.exec('BEGIN IMMEDIATE');
    } finally {
      this.database.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    }
  }
}

function isBusy(error: unknown): boolean {
  return error instanceof Database.SqliteError && error.code.startsWith('SQLITE_BUSY');
}
