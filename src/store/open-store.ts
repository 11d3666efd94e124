import { resolve } from 'node:path';
import { openPostgresDriver } from './postgres-driver.js';
import type { SqlDriver } from './sql-driver.js';
import { withOffThreadRequestLog } from './off-thread-request-log.js';
import { SqlStore } from './sql-store.js';
import { openSqliteDriver, SQLITE_MEMORY } from './sqlite-driver.js';
import type { Store } from './store.js';

export interface OpenStoreOptions {
  /** Postgres only: the schema to work in, created when missing; also `?schema=` in the URL. */
  schema?: string;
  /** Postgres only: errors of idle pooled connections, which must not crash the process. */
  onError?: (error: Error) => void;
}

export type StoreAddress =
  | { kind: 'sqlite'; path: string; location: string }
  | { kind: 'postgres'; connectionString: string; schema: string | undefined; location: string };

const ACCEPTED_FORMS =
  'use sqlite:PATH (relative to the working directory), sqlite://PATH, sqlite::memory:, or postgres://user:password@host:5432/database (postgresql:// too, ?schema=NAME optional)';
const REDACTED = '***';

/** Opens the store a URL names, without migrating it: the caller runs migrate(). */
export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<Store> {
  const address = parseStoreUrl(url);
  const store = new SqlStore(await openDriver(address, options), address.location);
  // A second connection cannot see an in-memory database, so only files log off-thread.
  return address.kind === 'sqlite' && address.path !== SQLITE_MEMORY ? withOffThreadRequestLog(store, address.path) : store;
}

/** The driver openStore would build on, for tools and tests that need plain SQL. */
export async function openSqlDriver(url: string, options: OpenStoreOptions = {}): Promise<SqlDriver> {
  return openDriver(parseStoreUrl(url), options);
}

export function parseStoreUrl(url: string): StoreAddress {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  switch (scheme) {
    case 'sqlite':
      return sqliteAddress(url.slice('sqlite:'.length));
    case 'postgres':
    case 'postgresql':
      return postgresAddress(url);
    case undefined:
      throw new Error(`the store URL has no scheme; ${ACCEPTED_FORMS}`);
    default:
      throw new Error(`unsupported store URL scheme '${scheme}:'; ${ACCEPTED_FORMS}`);
  }
}

function sqliteAddress(afterScheme: string): StoreAddress {
  const path = afterScheme.startsWith('//') ? afterScheme.slice(2) : afterScheme;
  if (path === '') throw new Error(`the sqlite store URL has no path; ${ACCEPTED_FORMS}`);
  if (path === SQLITE_MEMORY) return { kind: 'sqlite', path, location: `sqlite:${SQLITE_MEMORY}` };
  const absolute = resolve(path);
  return { kind: 'sqlite', path: absolute, location: `sqlite:${absolute}` };
}

function postgresAddress(url: string): StoreAddress {
  const parsed = parsedUrl(url);
  const schema = parsed.searchParams.get('schema') ?? undefined;
  const location = withoutPassword(parsed);
  parsed.searchParams.delete('schema');
  return { kind: 'postgres', connectionString: parsed.toString(), schema, location };
}

/** The URL may hold a password, so an error never repeats it. */
function parsedUrl(url: string): URL {
  try {
    return new URL(url);
  } catch {
    throw new Error(`the Postgres store URL is not a valid URL (special characters in the password must be %-encoded); ${ACCEPTED_FORMS}`);
  }
}

function withoutPassword(url: URL): string {
  if (url.password === '') return url.toString();
  const redacted = new URL(url);
  redacted.password = REDACTED;
  return redacted.toString();
}

async function openDriver(address: StoreAddress, options: OpenStoreOptions): Promise<SqlDriver> {
  switch (address.kind) {
    case 'sqlite':
      return openSqliteDriver(address.path);
    case 'postgres':
      return openPostgresDriver({
        connectionString: address.connectionString,
        schema: chosenSchema(address.schema, options.schema),
        onError: options.onError,
      });
  }
}

function chosenSchema(inUrl: string | undefined, inOptions: string | undefined): string | undefined {
  if (inUrl !== undefined && inOptions !== undefined && inUrl !== inOptions) {
    throw new Error(`two Postgres schemas given: '${inUrl}' in the store URL and '${inOptions}' in the options`);
  }
  return inUrl ?? inOptions;
}
