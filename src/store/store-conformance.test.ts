import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropTestSchema, postgresTestUrl } from '../../test/helpers/store-services.js';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from './migrations.js';
import { openSqlDriver, openStore } from './open-store.js';
import { StoreConflictError, type OwnerKind, type OwnerRecord, type Store, type UsageRecord, type VirtualKeyRecord } from './store.js';

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
