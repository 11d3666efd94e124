import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { dropTestSchema, postgresTestUrl } from '../../test/helpers/store-services.js';
import { openStore, parseStoreUrl } from './open-store.js';
import type { OwnerRecord } from './store.js';

const TEAM: OwnerRecord = { id: 't1', name: 'Team', rpm: null, tpm: null, budgetUsd: null, budgetPeriod: null, metadata: {}, createdAt: 1, updatedAt: 1 };
const CLOSED_PORT_URL = 'postgres://postgres:secret@127.0.0.1:1/test';

describe('parseStoreUrl', () => {
  it.each([
    ['sqlite:./data/switchyard.db', resolve('data/switchyard.db')],
    ['sqlite:data/switchyard.db', resolve('data/switchyard.db')],
    ['sqlite://./data/switchyard.db', resolve('data/switchyard.db')],
    ['sqlite:///var/lib/switchyard/store.db', '/var/lib/switchyard/store.db'],
    ['sqlite:/var/lib/switchyard/store.db', '/var/lib/switchyard/store.db'],
  ])('%s is a file relative to the working directory unless absolute', (url, path) => {
    expect(parseStoreUrl(url)).toEqual({ kind: 'sqlite', path, location: `sqlite:${path}` });
  });

  it.each(['sqlite::memory:', 'sqlite://:memory:'])('%s is an in-memory database', (url) => {
    expect(parseStoreUrl(url)).toEqual({ kind: 'sqlite', path: ':memory:', location: 'sqlite::memory:' });
  });

  it('refuses a sqlite URL without a path', () => {
    expect(() => parseStoreUrl('sqlite:')).toThrow(/sqlite store URL has no path; use sqlite:PATH/);
  });

  it('takes the schema out of a postgres URL and keeps the rest', () => {
    expect(parseStoreUrl('postgres://user:secret@db.example:6543/switchyard?schema=tenant_a&sslmode=disable')).toEqual({
      kind: 'postgres',
      connectionString: 'postgres://user:secret@db.example:6543/switchyard?sslmode=disable',
      schema: 'tenant_a',
      location: 'postgres://user:***@db.example:6543/switchyard?schema=tenant_a&sslmode=disable',
    });
  });

  it('accepts postgresql:// and URLs without a password or schema', () => {
    expect(parseStoreUrl('postgresql://switchyard@localhost/gateway')).toEqual({
      kind: 'postgres',
      connectionString: 'postgresql://switchyard@localhost/gateway',
      schema: undefined,
      location: 'postgresql://switchyard@localhost/gateway',
    });
  });

  it('names the accepted forms for an unknown scheme, without repeating the URL', () => {
    const parse = (): unknown => parseStoreUrl('mysql://root:hunter2@db/gateway');
    expect(parse).toThrow("unsupported store URL scheme 'mysql:'");
    expect(parse).toThrow(/sqlite:PATH.*sqlite::memory:.*postgres:\/\//);
    expect(parse).not.toThrow(/hunter2/);
  });

  it('names the accepted forms for a URL without a scheme', () => {
    expect(() => parseStoreUrl('./data/switchyard.db')).toThrow(/has no scheme; use sqlite:PATH/);
  });

  it('does not repeat the password of an unparsable postgres URL', () => {
    const parse = (): unknown => parseStoreUrl('postgres://user:hunter2@db:99999999/gateway');
    expect(parse).toThrow(/not a valid URL/);
    expect(parse).not.toThrow(/hunter2/);
  });
});

describe('openStore with SQLite', () => {
  const directory = mkdtempSync(join(tmpdir(), 'switchyard-open-store-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('opens an in-memory database', async () => {
    const store = await openStore('sqlite::memory:');
    try {
      expect(store.kind).toBe('sqlite');
      expect(store.location).toBe('sqlite::memory:');
      await store.migrate();
      await store.createOwner('team', TEAM);
      expect(await store.getOwner('team', 't1')).toEqual(TEAM);
    } finally {
      await store.close();
    }
  });

  it('creates the directories of a file that does not exist yet', async () => {
    const path = join(directory, 'nested', 'deeper', 'store.db');
    const store = await openStore(`sqlite:${path}`);
    try {
      expect(store.location).toBe(`sqlite:${path}`);
      await store.migrate();
      expect(existsSync(path)).toBe(true);
    } finally {
      await store.close();
    }
  });
});

describe('openStore with Postgres, without a server', () => {
  it('says which server could not be reached, without the password', async () => {
    const opening = openStore(CLOSED_PORT_URL);
    await expect(opening).rejects.toThrow(/^cannot connect to PostgreSQL at 127\.0\.0\.1:1, database 'test' \(.*ECONNREFUSED.*\); check store: in the config$/);
    await expect(openStore(CLOSED_PORT_URL)).rejects.not.toThrow(/secret/);
  });

  it('refuses two different schemas', async () => {
    await expect(openStore(`${CLOSED_PORT_URL}?schema=one`, { schema: 'two' })).rejects.toThrow(
      "two Postgres schemas given: 'one' in the store URL and 'two' in the options",
    );
  });

  it('refuses a schema name it would have to quote', async () => {
    await expect(openStore(CLOSED_PORT_URL, { schema: 'Mixed-Case' })).rejects.toThrow(/invalid Postgres schema name 'Mixed-Case'/);
  });
});

const postgresAvailable = (await postgresTestUrl()) !== undefined;

describe.skipIf(!postgresAvailable)('openStore with Postgres', () => {
  const urls: string[] = [];

  async function testUrl(): Promise<string> {
    const url = await postgresTestUrl();
    if (url === undefined) throw new Error('Postgres went away during the run');
    urls.push(url);
    return url;
  }

  afterAll(async () => {
    for (const url of urls) await dropTestSchema(url);
  });

  it('keeps every schema apart, from the URL or from the options', async () => {
    const inUrl = await testUrl();
    const fromOptions = new URL(await testUrl());
    const schema = fromOptions.searchParams.get('schema') ?? '';
    fromOptions.searchParams.delete('schema');
    const first = await openStore(inUrl);
    const second = await openStore(fromOptions.toString(), { schema });
    try {
      expect(first.kind).toBe('postgres');
      await first.migrate();
      await second.migrate();
      await first.createOwner('team', TEAM);
      expect(await first.listOwners('team')).toEqual([TEAM]);
      expect(await second.listOwners('team')).toEqual([]);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });

  it('reports the error of a dropped idle connection and keeps working', async () => {
    const applicationName = `sy_test_dropped_${randomBytes(4).toString('hex')}`;
    const url = new URL(await testUrl());
    url.searchParams.set('application_name', applicationName);
    const onError = vi.fn<(error: Error) => void>();
    const store = await openStore(url.toString(), { onError });
    try {
      await store.ping();
      await terminateConnections(url, applicationName);
      await vi.waitFor(() => expect(onError).toHaveBeenCalled());
      expect(onError.mock.calls[0]?.[0]).toBeInstanceOf(Error);
      await expect(store.ping()).resolves.toBeUndefined();
    } finally {
      await store.close();
    }
  });
});

async function terminateConnections(url: URL, applicationName: string): Promise<void> {
  const administration = new URL(url);
  administration.search = '';
  const client = new pg.Client({ connectionString: administration.toString() });
  await client.connect();
  try {
    await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [applicationName]);
  } finally {
    await client.end();
  }
}
