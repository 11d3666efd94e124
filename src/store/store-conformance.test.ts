import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropTestSchema, postgresTestUrl } from '../../test/helpers/store-services.js';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from './migrations.js';
import { openSqlDriver, openStore } from './open-store.js';
import { runMigrations } from './run-migrations.js';
import {
  StoreConflictError,
  type OwnerKind,
  type OwnerRecord,
  type RequestLogCursor,
  type RequestLogFilter,
  type RequestLogRecord,
  type Store,
  type UsageRecord,
  type VirtualKeyRecord,
} from './store.js';

/** Where a conformance suite gets its databases: every URL names a new, empty one. */
interface ConformanceTarget {
  freshDatabaseUrl(): Promise<string>;
  dispose(urls: readonly string[]): Promise<void>;
}

function sqliteTarget(): ConformanceTarget {
  let directory: string | undefined;
  let count = 0;
  return {
    async freshDatabaseUrl() {
      directory ??= mkdtempSync(join(tmpdir(), 'switchyard-store-'));
      count += 1;
      return `sqlite:${join(directory, `store-${count}.db`)}`;
    },
    async dispose() {
      if (directory) rmSync(directory, { recursive: true, force: true });
    },
  };
}

function postgresTarget(): ConformanceTarget {
  return {
    async freshDatabaseUrl() {
      const url = await postgresTestUrl();
      if (url === undefined) throw new Error('Postgres went away during the run');
      return url;
    },
    async dispose(urls) {
      for (const url of urls) await dropTestSchema(url);
    },
  };
}

const postgresAvailable = (await postgresTestUrl()) !== undefined;

describeStoreConformance('sqlite', sqliteTarget(), true);
describeStoreConformance('postgres', postgresTarget(), postgresAvailable);

const T0 = 1_700_000_000_000;
const INITIAL = MIGRATIONS.map((migration) => migration.name);

function owner(id: string, overrides: Partial<OwnerRecord> = {}): OwnerRecord {
  return { id, name: `Owner ${id}`, rpm: null, tpm: null, budgetUsd: null, budgetPeriod: null, metadata: {}, createdAt: T0, updatedAt: T0, ...overrides };
}

function virtualKey(id: string, overrides: Partial<VirtualKeyRecord> = {}): VirtualKeyRecord {
  return {
    id,
    name: `Key ${id}`,
    keyHash: `hash-of-${id}`,
    prefix: `sk-sy-${id.slice(0, 4)}`,
    models: null,
    providers: null,
    rpm: null,
    tpm: null,
    budgetUsd: null,
    budgetPeriod: null,
    teamId: null,
    customerId: null,
    expiresAt: null,
    disabled: false,
    metadata: {},
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

let usageCount = 0;

function usage(overrides: Partial<UsageRecord> = {}): UsageRecord {
  usageCount += 1;
  return {
    requestId: `request-${usageCount}`,
    at: T0,
    virtualKeyId: null,
    teamId: null,
    customerId: null,
    provider: 'openai',
    model: 'gpt-4o',
    requests: 1,
    inputTokens: 0,
    outputTokens: 0,
    cachedInputTokens: 0,
    costNanoUsd: 0,
    priced: true,
    ...overrides,
  };
}

let requestLogCount = 0;

function requestLog(overrides: Partial<RequestLogRecord> = {}): RequestLogRecord {
  requestLogCount += 1;
  return {
    id: `log-${String(requestLogCount).padStart(6, '0')}`,
    at: T0,
    virtualKeyId: null,
    teamId: null,
    customerId: null,
    surface: 'openai',
    requestedModel: 'chat',
    provider: 'openai',
    model: 'gpt-4o',
    keyId: 'primary',
    attempts: [],
    status: 200,
    errorCode: null,
    latencyMs: 100,
    ttftMs: null,
    inputTokens: 0,
    outputTokens: 0,
    cachedInputTokens: 0,
    costNanoUsd: 0,
    stream: false,
    content: null,
    ...overrides,
  };
}

/** What a search must return, worked out in plain code: every match, newest first, ids in byte order. */
function expectedSearch(records: readonly RequestLogRecord[], filter: RequestLogFilter): string[] {
  return records
    .filter((record) => matchesFilter(record, filter))
    .sort(newestFirst)
    .map((record) => record.id);
}

function matchesFilter(record: RequestLogRecord, filter: RequestLogFilter): boolean {
  const equalities: [unknown, unknown][] = [
    [filter.virtualKeyId, record.virtualKeyId],
    [filter.teamId, record.teamId],
    [filter.customerId, record.customerId],
    [filter.model, record.model],
    [filter.requestedModel, record.requestedModel],
    [filter.provider, record.provider],
    [filter.status, record.status],
    [filter.errorCode, record.errorCode],
  ];
  if (filter.from !== undefined && record.at < filter.from) return false;
  if (filter.to !== undefined && record.at >= filter.to) return false;
  return equalities.every(([wanted, actual]) => wanted === undefined || wanted === actual);
}

function newestFirst(a: { at: number; id: string }, b: { at: number; id: string }): number {
  return b.at - a.at || Buffer.compare(Buffer.from(b.id), Buffer.from(a.id));
}

function hasEveryFilterColumn(record: RequestLogRecord): boolean {
  return [record.virtualKeyId, record.teamId, record.customerId, record.model, record.provider].every((value) => value !== null);
}

/** A filter on every column, matched by this record (and whichever others share its values). */
function everyFilterMatching(record: RequestLogRecord): RequestLogFilter {
  return {
    from: record.at - 1,
    to: record.at + 20,
    virtualKeyId: record.virtualKeyId ?? undefined,
    teamId: record.teamId ?? undefined,
    customerId: record.customerId ?? undefined,
    model: record.model ?? undefined,
    requestedModel: record.requestedModel,
    provider: record.provider ?? undefined,
    status: record.status,
    errorCode: record.errorCode ?? undefined,
  };
}

/** Follows `next` from the first page to the last, checking every page's size and cursor on the way. */
async function allPages(store: Store, filter: RequestLogFilter, limit: number): Promise<string[][]> {
  const pages: string[][] = [];
  let cursor: RequestLogCursor | undefined;
  for (;;) {
    const page = await store.searchRequestLogs(filter, limit, cursor);
    pages.push(page.rows.map((row) => row.id));
    if (page.next === null) return pages;
    expect(page.rows).toHaveLength(limit);
    const last = page.rows.at(-1)!;
    expect(page.next).toEqual({ at: last.at, id: last.id });
    cursor = page.next;
  }
}

/** Rows with every filter column taking a few values, in several combinations, and ties on `at`. */
function searchableRequestLogs(from: number): RequestLogRecord[] {
  const statuses = [200, 200, 429, 502, 200, 504];
  const errorCodes: Record<number, string | null> = { 200: null, 429: 'rate_limited', 502: 'upstream_error', 504: 'upstream_timeout' };
  return Array.from({ length: 90 }, (_, index) => {
    const status = statuses[index % statuses.length]!;
    const provider = [null, 'openai', 'anthropic', 'openai', 'bedrock'][index % 5]!;
    return requestLog({
      id: `search-${String((index * 37) % 90).padStart(2, '0')}`,
      at: from + Math.floor(index / 3),
      virtualKeyId: ['key-a', 'key-b', null, 'key-c'][index % 4]!,
      teamId: ['team-a', null, 'team-b'][index % 3]!,
      customerId: ['customer-a', 'customer-b', null, 'customer-a', 'customer-c', null, 'customer-b'][index % 7]!,
      requestedModel: ['chat', 'fast', 'chat', 'reasoning'][Math.floor(index / 2) % 4]!,
      provider,
      model: provider === null ? null : ['gpt-4o', 'claude-sonnet', 'gpt-4o-mini'][index % 3]!,
      status,
      errorCode: status === 200 && index % 11 === 0 ? 'stream_error' : (errorCodes[status] ?? null),
    });
  });
}

let windowCount = 0;

/** A time range of its own, so usage written by one test never shows in another's totals. */
function freshWindow(): number {
  windowCount += 1;
  return T0 + windowCount * 10_000_000;
}

function describeStoreConformance(name: string, target: ConformanceTarget, available: boolean): void {
  describe.skipIf(!available)(`${name} store conformance`, () => {
    const databases: string[] = [];
    let store: Store;

    async function freshUrl(): Promise<string> {
      const url = await target.freshDatabaseUrl();
      databases.push(url);
      return url;
    }

    /** A migrated store of its own, for tests that read or delete whole tables. */
    async function withFreshStore(work: (fresh: Store) => Promise<void>): Promise<void> {
      const fresh = await openStore(await freshUrl());
      try {
        await fresh.migrate();
        await work(fresh);
      } finally {
        await fresh.close();
      }
    }

    beforeAll(async () => {
      store = await openStore(await freshUrl());
      await store.migrate();
    });

    afterAll(async () => {
      await store?.close();
      await target.dispose(databases);
    });

    describe('migrations', () => {
      it('applies every migration on a fresh database, and nothing the second time', async () => {
        const fresh = await openStore(await freshUrl());
        try {
          expect(await fresh.migrate()).toEqual({ applied: INITIAL, version: LATEST_SCHEMA_VERSION });
          expect(await fresh.migrate()).toEqual({ applied: [], version: LATEST_SCHEMA_VERSION });
        } finally {
          await fresh.close();
        }
      });

      it('upgrades a database at version 1 to version 2 with the request log, once', async () => {
        expect(LATEST_SCHEMA_VERSION).toBe(2);
        const url = await freshUrl();
        const driver = await openSqlDriver(url);
        try {
          expect(await runMigrations(driver, MIGRATIONS.slice(0, 1))).toEqual({ applied: ['0001_initial'], version: 1 });
        } finally {
          await driver.close();
        }
        const upgraded = await openStore(url);
        try {
          expect(await upgraded.migrate()).toEqual({ applied: ['0002_request_log'], version: 2 });
          expect(await upgraded.migrate()).toEqual({ applied: [], version: 2 });
          await upgraded.insertRequestLogs([requestLog({ id: 'after-upgrade' })]);
          expect((await upgraded.searchRequestLogs({}, 10)).rows.map((row) => row.id)).toEqual(['after-upgrade']);
        } finally {
          await upgraded.close();
        }
      });

      it('lets two stores migrate one fresh database at the same time', async () => {
        const url = await freshUrl();
        const [first, second] = await Promise.all([openStore(url), openStore(url)]);
        try {
          const reports = await Promise.all([first.migrate(), second.migrate()]);
          expect(reports.flatMap((report) => report.applied)).toEqual(INITIAL);
          expect(reports.map((report) => report.version)).toEqual([LATEST_SCHEMA_VERSION, LATEST_SCHEMA_VERSION]);
          await first.createOwner('team', owner('shared'));
          expect(await second.getOwner('team', 'shared')).toEqual(owner('shared'));
        } finally {
          await Promise.all([first.close(), second.close()]);
        }
      });

      it('refuses a database migrated by a newer Switchyard', async () => {
        const url = await freshUrl();
        const fresh = await openStore(url);
        try {
          await fresh.migrate();
          const driver = await openSqlDriver(url);
          await driver.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [999, '0999_future', T0]);
          await driver.close();
          await expect(fresh.migrate()).rejects.toThrow(
            `database schema version 999 is newer than this Switchyard (knows up to ${LATEST_SCHEMA_VERSION}); upgrade Switchyard`,
          );
        } finally {
          await fresh.close();
        }
      });

      it('answers a ping and says what it is', async () => {
        await expect(store.ping()).resolves.toBeUndefined();
        expect(store.kind).toBe(name);
        expect(store.location).not.toBe('');
      });
    });

    describe.each<OwnerKind>(['team', 'customer'])('%s records', (kind) => {
      const id = (suffix: string): string => `${kind}-${suffix}`;

      it('round-trip every field, null or set', async () => {
        const bare = owner(id('bare'));
        const full = owner(id('full'), {
          name: 'Research — ünïcode',
          rpm: 600,
          tpm: 2_000_000,
          budgetUsd: 12.5,
          budgetPeriod: '1M',
          metadata: { cost_centre: 'R&D', tags: ['a', 'b'], nested: { level: 2, empty: null } },
          createdAt: T0 + 1,
          updatedAt: T0 + 2,
        });
        await store.createOwner(kind, bare);
        await store.createOwner(kind, full);
        expect(await store.getOwner(kind, bare.id)).toEqual(bare);
        expect(await store.getOwner(kind, full.id)).toEqual(full);
        const listed = await store.listOwners(kind);
        expect(listed).toContainEqual(bare);
        expect(listed).toContainEqual(full);
      });

      it('refuses a duplicate id', async () => {
        await store.createOwner(kind, owner(id('twice')));
        const attempt = store.createOwner(kind, owner(id('twice'), { name: 'other' }));
        await expect(attempt).rejects.toThrow(StoreConflictError);
        await expect(store.createOwner(kind, owner(id('twice')))).rejects.toThrow(`a ${kind} with id '${id('twice')}' already exists`);
        expect((await store.getOwner(kind, id('twice')))?.name).toBe(`Owner ${id('twice')}`);
      });

      it('update replaces every field but id and createdAt', async () => {
        await store.createOwner(kind, owner(id('updated'), { rpm: 5, metadata: { old: true } }));
        const replacement = owner(id('updated'), {
          name: 'Renamed',
          rpm: null,
          tpm: 100,
          budgetUsd: 3,
          budgetPeriod: '1d',
          metadata: { fresh: 1 },
          createdAt: T0 + 999,
          updatedAt: T0 + 50,
        });
        expect(await store.updateOwner(kind, replacement)).toBe(true);
        expect(await store.getOwner(kind, id('updated'))).toEqual({ ...replacement, createdAt: T0 });
      });

      it('update and delete of an unknown id return false; get returns undefined', async () => {
        expect(await store.updateOwner(kind, owner(id('missing')))).toBe(false);
        expect(await store.deleteOwner(kind, id('missing'))).toBe(false);
        expect(await store.getOwner(kind, id('missing'))).toBeUndefined();
      });

      it('delete removes the record', async () => {
        await store.createOwner(kind, owner(id('deleted')));
        expect(await store.deleteOwner(kind, id('deleted'))).toBe(true);
        expect(await store.getOwner(kind, id('deleted'))).toBeUndefined();
      });

      it('delete is refused while virtual keys use it, naming how many', async () => {
        const ownerId = id('in-use');
        const reference = kind === 'team' ? { teamId: ownerId } : { customerId: ownerId };
        await store.createOwner(kind, owner(ownerId));
        await store.createVirtualKey(virtualKey(`${ownerId}-key-1`, reference));
        await store.createVirtualKey(virtualKey(`${ownerId}-key-2`, reference));
        const attempt = store.deleteOwner(kind, ownerId);
        await expect(attempt).rejects.toThrow(StoreConflictError);
        await expect(store.deleteOwner(kind, ownerId)).rejects.toThrow(`${kind} '${ownerId}' is still used by 2 virtual key(s)`);
        await store.deleteVirtualKey(`${ownerId}-key-1`);
        await store.deleteVirtualKey(`${ownerId}-key-2`);
        expect(await store.deleteOwner(kind, ownerId)).toBe(true);
      });
    });

    describe('virtual keys', () => {
      beforeAll(async () => {
        await store.createOwner('team', owner('key-team'));
        await store.createOwner('team', owner('key-team-2'));
        await store.createOwner('customer', owner('key-customer'));
      });

      it('round-trip every field exactly', async () => {
        const full = virtualKey('vk-full', {
          name: 'Full key',
          models: ['gpt-4o', 'anthropic/claude-sonnet-4', 'llama*', 'модель'],
          providers: ['openai', 'anthropic'],
          rpm: 60,
          tpm: 100_000,
          budgetUsd: 0.25,
          budgetPeriod: '1w',
          teamId: 'key-team',
          customerId: 'key-customer',
          expiresAt: T0 + 86_400_000,
          disabled: true,
          metadata: { owner: 'ana', limits: { soft: 1.5 }, list: [1, 'two', null, false] },
          createdAt: T0 + 3,
          updatedAt: T0 + 4,
        });
        await store.createVirtualKey(full);
        expect(await store.getVirtualKey('vk-full')).toEqual(full);
      });

      it('round-trip nulls, and keep an empty list apart from null', async () => {
        const bare = virtualKey('vk-bare');
        const empty = virtualKey('vk-empty-lists', { models: [], providers: [] });
        await store.createVirtualKey(bare);
        await store.createVirtualKey(empty);
        expect(await store.getVirtualKey('vk-bare')).toEqual(bare);
        expect(await store.getVirtualKey('vk-empty-lists')).toEqual(empty);
      });

      it('list in creation order', async () => {
        await store.createVirtualKey(virtualKey('vk-list-b', { createdAt: T0 - 2 }));
        await store.createVirtualKey(virtualKey('vk-list-a', { createdAt: T0 - 1 }));
        const ids = (await store.listVirtualKeys()).map((key) => key.id);
        expect(ids.slice(0, 2)).toEqual(['vk-list-b', 'vk-list-a']);
      });

      it('refuse a duplicate id or key hash', async () => {
        await store.createVirtualKey(virtualKey('vk-dup'));
        await expect(store.createVirtualKey(virtualKey('vk-dup', { keyHash: 'another-hash' }))).rejects.toThrow(
          new StoreConflictError("a virtual key with id 'vk-dup' already exists"),
        );
        const sameHash = store.createVirtualKey(virtualKey('vk-dup-hash', { keyHash: 'hash-of-vk-dup' }));
        await expect(sameHash).rejects.toThrow(StoreConflictError);
        await expect(store.createVirtualKey(virtualKey('vk-dup-hash', { keyHash: 'hash-of-vk-dup' }))).rejects.toThrow(/key hash/);
        expect(await store.getVirtualKey('vk-dup-hash')).toBeUndefined();
      });

      it('refuse an unknown team or customer', async () => {
        await expect(store.createVirtualKey(virtualKey('vk-orphan', { teamId: 'no-such-team' }))).rejects.toThrow(
          new StoreConflictError("team 'no-such-team' does not exist"),
        );
        await expect(store.createVirtualKey(virtualKey('vk-orphan', { customerId: 'no-such-customer' }))).rejects.toThrow(
          new StoreConflictError("customer 'no-such-customer' does not exist"),
        );
        expect(await store.getVirtualKey('vk-orphan')).toBeUndefined();
      });

      it('update replaces every field but id, keyHash, prefix and createdAt', async () => {
        const original = virtualKey('vk-update', { teamId: 'key-team', models: ['a'], createdAt: T0 + 10 });
        await store.createVirtualKey(original);
        const replacement = virtualKey('vk-update', {
          name: 'Renamed key',
          keyHash: 'ignored-hash',
          prefix: 'ignored',
          models: null,
          providers: ['openai'],
          rpm: 1,
          tpm: 2,
          budgetUsd: 3.75,
          budgetPeriod: '1h',
          teamId: 'key-team-2',
          customerId: 'key-customer',
          expiresAt: T0 + 5,
          disabled: true,
          metadata: { note: 'rotated' },
          createdAt: T0 + 999,
          updatedAt: T0 + 20,
        });
        expect(await store.updateVirtualKey(replacement)).toBe(true);
        expect(await store.getVirtualKey('vk-update')).toEqual({
          ...replacement,
          keyHash: original.keyHash,
          prefix: original.prefix,
          createdAt: original.createdAt,
        });
        expect(await store.updateVirtualKey({ ...replacement, disabled: false })).toBe(true);
        expect((await store.getVirtualKey('vk-update'))?.disabled).toBe(false);
      });

      it('update to an unknown team is refused and changes nothing', async () => {
        const original = virtualKey('vk-update-orphan', { teamId: 'key-team' });
        await store.createVirtualKey(original);
        await expect(store.updateVirtualKey({ ...original, name: 'changed', teamId: 'gone' })).rejects.toThrow(
          new StoreConflictError("team 'gone' does not exist"),
        );
        expect(await store.getVirtualKey('vk-update-orphan')).toEqual(original);
      });

      it('update and delete of an unknown id return false', async () => {
        expect(await store.updateVirtualKey(virtualKey('vk-missing'))).toBe(false);
        expect(await store.deleteVirtualKey('vk-missing')).toBe(false);
        expect(await store.getVirtualKey('vk-missing')).toBeUndefined();
      });

      it('delete removes the key', async () => {
        await store.createVirtualKey(virtualKey('vk-delete'));
        expect(await store.deleteVirtualKey('vk-delete')).toBe(true);
        expect(await store.getVirtualKey('vk-delete')).toBeUndefined();
        expect((await store.listVirtualKeys()).map((key) => key.id)).not.toContain('vk-delete');
      });
    });

    describe('usage', () => {
      it('sums per group with from inclusive and to exclusive, rows without a value under null', async () => {
        const from = freshWindow();
        const to = from + 10;
        await store.insertUsage([
          usage({ at: from - 1, virtualKeyId: 'k1', teamId: 't1', costNanoUsd: 1_000_000 }),
          usage({ at: from, virtualKeyId: 'k1', teamId: 't1', provider: 'openai', model: 'gpt-4o', inputTokens: 10, outputTokens: 5, cachedInputTokens: 2, costNanoUsd: 1_000 }),
          usage({ at: from + 1, virtualKeyId: 'k1', teamId: 't1', provider: 'openai', model: 'gpt-4o', inputTokens: 20, outputTokens: 10, costNanoUsd: 3_000 }),
          usage({ at: from + 2, virtualKeyId: 'k2', customerId: 'c1', provider: 'anthropic', model: 'claude', inputTokens: 1, outputTokens: 1, cachedInputTokens: 1, costNanoUsd: 3_000 }),
          usage({ at: from + 3, provider: 'anthropic', model: 'claude', inputTokens: 7, costNanoUsd: 0, priced: false }),
          usage({ at: to, virtualKeyId: 'k1', teamId: 't1', customerId: 'c1', costNanoUsd: 1_000_000 }),
        ]);
        const k1 = { requests: 2, inputTokens: 30, outputTokens: 15, cachedInputTokens: 2, costNanoUsd: 4_000 };
        const k2 = { requests: 1, inputTokens: 1, outputTokens: 1, cachedInputTokens: 1, costNanoUsd: 3_000 };
        const bare = { requests: 1, inputTokens: 7, outputTokens: 0, cachedInputTokens: 0, costNanoUsd: 0 };
        const k2AndBare = { requests: 2, inputTokens: 8, outputTokens: 1, cachedInputTokens: 1, costNanoUsd: 3_000 };
        const k1AndBare = { requests: 3, inputTokens: 37, outputTokens: 15, cachedInputTokens: 2, costNanoUsd: 4_000 };
        expect(await store.usageTotals('virtual_key', from, to)).toEqual([
          { key: 'k1', ...k1 },
          { key: 'k2', ...k2 },
          { key: null, ...bare },
        ]);
        expect(await store.usageTotals('team', from, to)).toEqual([
          { key: 't1', ...k1 },
          { key: null, ...k2AndBare },
        ]);
        expect(await store.usageTotals('customer', from, to)).toEqual([
          { key: null, ...k1AndBare },
          { key: 'c1', ...k2 },
        ]);
        expect(await store.usageTotals('model', from, to)).toEqual([
          { key: 'gpt-4o', ...k1 },
          { key: 'claude', ...k2AndBare },
        ]);
        expect(await store.usageTotals('provider', from, to)).toEqual([
          { key: 'openai', ...k1 },
          { key: 'anthropic', ...k2AndBare },
        ]);
        expect(await store.usageTotals('provider', from + 4, to)).toEqual([]);
      });

      it('returns JS numbers, not strings', async () => {
        const from = freshWindow();
        await store.insertUsage([usage({ at: from, virtualKeyId: 'typed', inputTokens: 3, outputTokens: 4, cachedInputTokens: 1, costNanoUsd: 9 })]);
        const [totals] = await store.usageTotals('virtual_key', from, from + 1);
        for (const value of [totals?.requests, totals?.inputTokens, totals?.outputTokens, totals?.cachedInputTokens, totals?.costNanoUsd]) {
          expect(typeof value).toBe('number');
        }
        const spend = await store.spendSince('virtual_key', 'typed', from);
        expect(typeof spend.requests).toBe('number');
        expect(typeof spend.costNanoUsd).toBe('number');
      });

      it('orders equal costs by key in byte order, null last', async () => {
        const from = freshWindow();
        await store.insertUsage([
          usage({ at: from, model: 'a-model', costNanoUsd: 500 }),
          usage({ at: from, model: 'B-model', costNanoUsd: 500 }),
          usage({ at: from, model: 'c-model', costNanoUsd: 501 }),
          usage({ at: from, virtualKeyId: 'zeta', costNanoUsd: 0 }),
        ]);
        expect((await store.usageTotals('model', from, from + 1)).map((totals) => totals.key)).toEqual(['c-model', 'B-model', 'a-model', 'gpt-4o']);
        expect((await store.usageTotals('virtual_key', from, from + 1)).map((totals) => totals.key)).toEqual([null, 'zeta']);
        await store.insertUsage([usage({ at: from, virtualKeyId: 'omega', costNanoUsd: 0 }), usage({ at: from, virtualKeyId: 'alpha', costNanoUsd: 1_501 })]);
        expect((await store.usageTotals('virtual_key', from, from + 1)).map((totals) => totals.key)).toEqual(['alpha', null, 'omega', 'zeta']);
      });

      it('sums large costs and token counts exactly', async () => {
        const from = freshWindow();
        await store.insertUsage([
          usage({ at: from, teamId: 'big', inputTokens: 3_000_000_000, costNanoUsd: 2_500_000_000_000 }),
          usage({ at: from + 1, teamId: 'big', inputTokens: 3_000_000_001, costNanoUsd: 2_500_000_000_000 }),
        ]);
        expect(await store.usageTotals('team', from, from + 2)).toEqual([
          { key: 'big', requests: 2, inputTokens: 6_000_000_001, outputTokens: 0, cachedInputTokens: 0, costNanoUsd: 5_000_000_000_000 },
        ]);
        expect(await store.spendSince('team', 'big', from)).toEqual({ requests: 2, costNanoUsd: 5e12 });
      });

      it('skips a requestId already stored, in a later batch or in the same one', async () => {
        const from = freshWindow();
        const first = usage({ at: from, virtualKeyId: 'retried', costNanoUsd: 100 });
        await store.insertUsage([first]);
        const second = usage({ at: from, virtualKeyId: 'retried', costNanoUsd: 7 });
        await store.insertUsage([{ ...first, costNanoUsd: 999_999 }, second, { ...second, costNanoUsd: 5 }]);
        expect(await store.usageTotals('virtual_key', from, from + 1)).toEqual([
          { key: 'retried', requests: 2, inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, costNanoUsd: 107 },
        ]);
      });

      it('writes a batch larger than one INSERT', async () => {
        const from = freshWindow();
        const batch = Array.from({ length: 1_200 }, (_, index) => usage({ at: from + index, provider: 'bulk', costNanoUsd: index, inputTokens: 1 }));
        await store.insertUsage(batch);
        expect(await store.usageTotals('provider', from, from + 1_200)).toEqual([
          { key: 'bulk', requests: 1_200, inputTokens: 1_200, outputTokens: 0, cachedInputTokens: 0, costNanoUsd: (1_199 * 1_200) / 2 },
        ]);
        expect(await store.usageTotals('provider', from + 500, from + 1_000)).toEqual([
          { key: 'bulk', requests: 500, inputTokens: 500, outputTokens: 0, cachedInputTokens: 0, costNanoUsd: (500 + 999) * 250 },
        ]);
      });

      it('writes a batch all or nothing', async () => {
        const from = freshWindow();
        const batch = Array.from({ length: 600 }, (_, index) => usage({ at: from, provider: 'atomic', costNanoUsd: index }));
        batch[550] = { ...batch[550]!, model: null as unknown as string };
        await expect(store.insertUsage(batch)).rejects.toThrow();
        expect(await store.usageTotals('provider', from, from + 1)).toEqual([]);
      });

      it('keeps concurrent batches apart and writes them all', async () => {
        const from = freshWindow();
        const batches = Array.from({ length: 5 }, (_, batch) =>
          Array.from({ length: 30 }, (_, index) => usage({ at: from + index, provider: 'concurrent', costNanoUsd: batch + 1 })),
        );
        await Promise.all(batches.map((batch) => store.insertUsage(batch)));
        const [totals] = await store.usageTotals('provider', from, from + 30);
        expect(totals).toMatchObject({ key: 'concurrent', requests: 150, costNanoUsd: 30 * (1 + 2 + 3 + 4 + 5) });
      });

      it('counts a folded row as the requests it stands for', async () => {
        const since = freshWindow();
        await store.insertUsage([usage({ at: since, virtualKeyId: 'folded', requests: 40, inputTokens: 400, costNanoUsd: 4_000 }), usage({ at: since + 1, virtualKeyId: 'folded', costNanoUsd: 1 })]);
        expect(await store.spendSince('virtual_key', 'folded', since)).toEqual({ requests: 41, costNanoUsd: 4_001 });
        const totals = (await store.usageTotals('virtual_key', since, since + 2)).find((row) => row.key === 'folded');
        expect(totals).toMatchObject({ requests: 41, inputTokens: 400 });
      });

      it('accepts an empty batch', async () => {
        await expect(store.insertUsage([])).resolves.toBeUndefined();
      });

      it('spendSince counts one key, team or customer from `since` on', async () => {
        const since = freshWindow();
        await store.insertUsage([
          usage({ at: since - 1, virtualKeyId: 'spender', teamId: 'spending-team', customerId: 'spending-customer', costNanoUsd: 1_000 }),
          usage({ at: since, virtualKeyId: 'spender', teamId: 'spending-team', costNanoUsd: 20 }),
          usage({ at: since + 5_000_000, virtualKeyId: 'spender', customerId: 'spending-customer', costNanoUsd: 300 }),
          usage({ at: since + 1, virtualKeyId: 'other', teamId: 'spending-team', costNanoUsd: 4_000 }),
        ]);
        expect(await store.spendSince('virtual_key', 'spender', since)).toEqual({ requests: 2, costNanoUsd: 320 });
        expect(await store.spendSince('team', 'spending-team', since)).toEqual({ requests: 2, costNanoUsd: 4_020 });
        expect(await store.spendSince('customer', 'spending-customer', since)).toEqual({ requests: 1, costNanoUsd: 300 });
        expect(await store.spendSince('customer', 'spending-customer', since - 1)).toEqual({ requests: 2, costNanoUsd: 1_300 });
        expect(await store.spendSince('virtual_key', 'never-used', since)).toEqual({ requests: 0, costNanoUsd: 0 });
      });
    });

    describe('request log', () => {
      it('round-trips a full record and a bare one exactly', async () => {
        const full = requestLog({
          id: 'full-record',
          at: T0 + 5,
          virtualKeyId: 'vk-1',
          teamId: 'team-1',
          customerId: 'customer-1',
          surface: 'anthropic',
          requestedModel: 'claude-sonnet — ünïcode',
          provider: 'bedrock',
          model: 'anthropic.claude-sonnet-4',
          keyId: 'bedrock-eu',
          attempts: [
            { provider: 'anthropic', model: 'claude-sonnet-4', key: 'main', fallback: 0, status: null, outcome: 'timeout', reason: 'no answer in 30 s', durationMs: 30_000.5 },
            { provider: 'bedrock', model: 'anthropic.claude-sonnet-4', key: 'bedrock-eu', fallback: 1, status: 200, outcome: 'ok', reason: 'answered', durationMs: 812 },
          ],
          status: 200,
          errorCode: 'stream_error',
          latencyMs: 30_812.75,
          ttftMs: 95.5,
          inputTokens: 3_000_000_001,
          outputTokens: 1_234,
          cachedInputTokens: 512,
          costNanoUsd: 2_500_000_000_123,
          stream: true,
          content: { request: '{"messages":[{"role":"user","content":"héllo \\"quoted\\"\\n"}]}', response: 'data: {"x":1}\n\n' },
        });
        const bare = requestLog({
          id: 'bare-record',
          at: T0,
          provider: null,
          model: null,
          keyId: null,
          status: 401,
          errorCode: 'invalid_api_key',
          latencyMs: 0.25,
        });
        await withFreshStore(async (fresh) => {
          await fresh.insertRequestLogs([bare, full]);
          const page = await fresh.searchRequestLogs({}, 10);
          expect(page).toEqual({ rows: [full, bare], next: null });
          for (const value of [page.rows[0]?.at, page.rows[0]?.inputTokens, page.rows[0]?.costNanoUsd, page.rows[0]?.latencyMs, page.rows[0]?.status]) {
            expect(typeof value).toBe('number');
          }
        });
      });

      it('skips an id already stored, in a later batch or in the same one', async () => {
        const first = requestLog({ id: 'retried-1', status: 200 });
        const second = requestLog({ id: 'retried-2', at: T0 + 1, status: 429 });
        await withFreshStore(async (fresh) => {
          await fresh.insertRequestLogs([first]);
          await fresh.insertRequestLogs([{ ...first, status: 500, at: T0 + 9 }, second, { ...second, status: 502 }]);
          expect((await fresh.searchRequestLogs({}, 10)).rows).toEqual([second, first]);
        });
      });

      it('accepts an empty batch', async () => {
        await withFreshStore(async (fresh) => {
          await expect(fresh.insertRequestLogs([])).resolves.toBeUndefined();
          expect(await fresh.searchRequestLogs({}, 10)).toEqual({ rows: [], next: null });
        });
      });

      it('writes a batch larger than one INSERT, all or nothing', async () => {
        const batch = Array.from({ length: 1_234 }, (_, index) => requestLog({ at: T0 + index }));
        await withFreshStore(async (fresh) => {
          const broken = batch.map((record, index) => (index === 1_000 ? { ...record, surface: null as unknown as string } : record));
          await expect(fresh.insertRequestLogs(broken)).rejects.toThrow();
          expect(await fresh.searchRequestLogs({}, 10)).toEqual({ rows: [], next: null });
          await fresh.insertRequestLogs(batch);
          const ids = (await allPages(fresh, {}, 500)).flat();
          expect(ids).toEqual(expectedSearch(batch, {}));
        });
      });

      it('matches each filter alone, and every given filter together', async () => {
        const from = T0;
        const records = searchableRequestLogs(from);
        const filters: RequestLogFilter[] = [
          {},
          { virtualKeyId: 'key-a' },
          { teamId: 'team-b' },
          { customerId: 'customer-a' },
          { model: 'gpt-4o' },
          { requestedModel: 'fast' },
          { provider: 'openai' },
          { status: 429 },
          { status: 200 },
          { errorCode: 'stream_error' },
          { errorCode: 'upstream_timeout' },
          { from: from + 10 },
          { to: from + 10 },
          { virtualKeyId: 'key-a', from: from + 5, to: from + 20 },
          { provider: 'openai', status: 200 },
          { model: 'gpt-4o', errorCode: 'upstream_error' },
          { teamId: 'team-a', customerId: 'customer-b', requestedModel: 'chat' },
          everyFilterMatching(records.find((record) => record.errorCode !== null && hasEveryFilterColumn(record))!),
          { ...everyFilterMatching(records.find((record) => record.status === 200 && hasEveryFilterColumn(record))!), errorCode: undefined },
          { virtualKeyId: 'no-such-key' },
          { status: 418 },
        ];
        await withFreshStore(async (fresh) => {
          await fresh.insertRequestLogs(records);
          for (const filter of filters) {
            const expected = expectedSearch(records, filter);
            const page = await fresh.searchRequestLogs(filter, 100);
            expect({ filter, ids: page.rows.map((row) => row.id) }).toEqual({ filter, ids: expected });
            expect(page.next).toBeNull();
          }
          // The filters above must find something, or a store that ignores a filter could pass.
          const emptyExpectedAtLeastOnce = filters.filter((filter) => expectedSearch(records, filter).length === 0);
          expect(emptyExpectedAtLeastOnce).toEqual([{ virtualKeyId: 'no-such-key' }, { status: 418 }]);
        });
      });

      it('takes `from` inclusive and `to` exclusive', async () => {
        const records = [T0 - 1, T0, T0 + 1, T0 + 9, T0 + 10].map((at) => requestLog({ id: `edge-${at - T0}`, at }));
        await withFreshStore(async (fresh) => {
          await fresh.insertRequestLogs(records);
          const ids = async (filter: RequestLogFilter): Promise<string[]> => (await fresh.searchRequestLogs(filter, 10)).rows.map((row) => row.id);
          expect(await ids({ from: T0, to: T0 + 10 })).toEqual(['edge-9', 'edge-1', 'edge-0']);
          expect(await ids({ from: T0 + 10 })).toEqual(['edge-10']);
          expect(await ids({ to: T0 })).toEqual(['edge--1']);
          expect(await ids({ from: T0 + 1, to: T0 + 1 })).toEqual([]);
        });
      });

      it('orders newest first, and rows of one millisecond by id descending in byte order', async () => {
        const tied = ['b', 'B', 'a-1', 'a1', '_z', 'Z', 'ab', 'a'].map((id) => requestLog({ id, at: T0 + 1 }));
        const around = [requestLog({ id: 'older', at: T0 }), requestLog({ id: 'newer', at: T0 + 2 })];
        await withFreshStore(async (fresh) => {
          await fresh.insertRequestLogs([...tied, ...around]);
          const ids = (await fresh.searchRequestLogs({}, 20)).rows.map((row) => row.id);
          expect(ids).toEqual(['newer', 'b', 'ab', 'a1', 'a-1', 'a', '_z', 'Z', 'B', 'older']);
        });
      });

      it('returns at most `limit` rows, with a cursor only when more rows follow', async () => {
        const records = Array.from({ length: 6 }, (_, index) => requestLog({ id: `limited-${index}`, at: T0 + index }));
        await withFreshStore(async (fresh) => {
          await fresh.insertRequestLogs(records);
          expect(await fresh.searchRequestLogs({}, 4)).toEqual({ rows: [records[5], records[4], records[3], records[2]], next: { at: T0 + 2, id: 'limited-2' } });
          expect(await fresh.searchRequestLogs({}, 6)).toEqual({ rows: [...records].reverse(), next: null });
          expect(await fresh.searchRequestLogs({}, 1, { at: T0 + 1, id: 'limited-1' })).toEqual({ rows: [records[0]], next: null });
          expect(await fresh.searchRequestLogs({}, 3, { at: T0, id: 'limited-0' })).toEqual({ rows: [], next: null });
          await expect(fresh.searchRequestLogs({}, 0)).rejects.toThrow(RangeError);
        });
      });

      it('walks every row exactly once across pages, also when rows of one millisecond straddle a page boundary', async () => {
        const records = searchableRequestLogs(T0);
        await withFreshStore(async (fresh) => {
          await fresh.insertRequestLogs(records);
          for (const [filter, limit] of [
            [{}, 7],
            [{}, 1],
            [{}, 90],
            [{}, 45],
            [{ provider: 'openai' }, 4],
            [{ status: 200, from: T0 + 3, to: T0 + 25 }, 5],
          ] as [RequestLogFilter, number][]) {
            const expected = expectedSearch(records, filter);
            const pages = await allPages(fresh, filter, limit);
            expect(pages.flat()).toEqual(expected);
            expect(pages).toHaveLength(Math.max(1, Math.ceil(expected.length / limit)));
          }
        });
      });

      it('deletes only rows older than the bound, in chunks, and returns how many', async () => {
        const records = Array.from({ length: 25_000 }, (_, index) =>
          requestLog({ id: `retained-${String(index).padStart(5, '0')}`, at: T0 + Math.floor(index / 2), attempts: [] }),
        );
        await withFreshStore(async (fresh) => {
          await fresh.insertRequestLogs(records);
          expect(await fresh.deleteRequestLogsBefore(T0)).toBe(0);
          // 20,000 rows: exactly two chunks, and then a chunk that finds nothing.
          expect(await fresh.deleteRequestLogsBefore(T0 + 10_000)).toBe(20_000);
          expect(await fresh.deleteRequestLogsBefore(T0 + 11_000)).toBe(2_000);
          expect(await fresh.deleteRequestLogsBefore(T0 + 11_000)).toBe(0);
          const remaining = await fresh.searchRequestLogs({}, 3_001);
          expect(remaining.next).toBeNull();
          expect(remaining.rows.map((row) => row.id)).toEqual(expectedSearch(records.slice(22_000), {}));
        });
      });
    });

    it('keeps everything after close and reopen', async () => {
      const url = await freshUrl();
      const team = owner('durable-team', { metadata: { kept: true } });
      const key = virtualKey('durable-key', { teamId: 'durable-team', models: ['gpt-4o'] });
      const record = usage({ at: T0, virtualKeyId: 'durable-key', costNanoUsd: 42 });
      const first = await openStore(url);
      await first.migrate();
      await first.createOwner('team', team);
      await first.createVirtualKey(key);
      await first.insertUsage([record]);
      await first.close();

      const reopened = await openStore(url);
      try {
        expect(await reopened.migrate()).toEqual({ applied: [], version: LATEST_SCHEMA_VERSION });
        expect(await reopened.listOwners('team')).toEqual([team]);
        expect(await reopened.listVirtualKeys()).toEqual([key]);
        expect(await reopened.spendSince('virtual_key', 'durable-key', T0)).toEqual({ requests: 1, costNanoUsd: 42 });
      } finally {
        await reopened.close();
      }
    });
  });
}
