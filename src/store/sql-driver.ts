/**
 * The little a SQL store needs from a database, so one store implementation serves SQLite and
 * PostgreSQL. SQL is written once with `?` placeholders; a driver translates them when its
 * database wants another form.
 */
export type SqlDialect = 'sqlite' | 'postgres';

export interface SqlDriver {
  readonly dialect: SqlDialect;
  /** Rows of a statement that returns rows, with columns as the database names them. */
  query<T>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Executes a statement that returns no rows; resolves with the number of rows it changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
  /**
   * Runs `work` in one transaction: committed when it resolves, rolled back when it rejects.
   * Every statement of the transaction must go through the driver `work` receives; calling
   * `transaction` on that driver runs the inner work inside the same transaction.
   */
  transaction<T>(work: (session: SqlDriver) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** The code a driver's error carries: `SQLITE_…` from SQLite, a SQLSTATE such as `23505` from PostgreSQL. */
export function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}
