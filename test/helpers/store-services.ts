import { randomBytes } from 'node:crypto';
import pg from 'pg';

const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';
const REACHABILITY_TIMEOUT_MS = 2_000;
const TEST_SCHEMA = /^sy_test_[a-z0-9_]+$/;

let reachability: Promise<string | undefined> | undefined;

/**
 * A Postgres URL (DATABASE_URL, or the local default) with a schema of its own, so test runs
 * never see each other's rows; undefined, after a loud warning, when no server answers, unless
 * SWITCHYARD_REQUIRE_SERVICES=1 makes that a failure.
 */
export async function postgresTestUrl(): Promise<string | undefined> {
  const baseUrl = process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
  reachability ??= unreachableReason(baseUrl);
  const reason = await reachability;
  if (reason !== undefined) {
    const message = `Postgres at ${redacted(baseUrl)} is not reachable (${reason}); set DATABASE_URL or start a server`;
    if (process.env.SWITCHYARD_REQUIRE_SERVICES === '1') throw new Error(`${message} (SWITCHYARD_REQUIRE_SERVICES=1)`);
    console.warn(`SKIPPING Postgres tests: ${message}`);
    return undefined;
  }
  const url = new URL(baseUrl);
  url.searchParams.set('schema', `sy_test_${process.pid}_${randomBytes(4).toString('hex')}`);
  return url.toString();
}

/** Drops the schema of a URL from postgresTestUrl, with everything in it. */
export async function dropTestSchema(url: string): Promise<void> {
  const withSchema = new URL(url);
  const schema = withSchema.searchParams.get('schema');
  if (schema === null || !TEST_SCHEMA.test(schema)) throw new Error(`not a test schema URL: ${redacted(url)}`);
  withSchema.searchParams.delete('schema');
  const client = new pg.Client({ connectionString: withSchema.toString() });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

async function unreachableReason(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: REACHABILITY_TIMEOUT_MS });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message || error.name : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function redacted(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}
