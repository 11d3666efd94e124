import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../store/open-store.js';
import type { Store, UsageRecord } from '../store/store.js';
import { UsageRecorder } from './usage-recorder.js';

/** A real SQLite store whose usage writes can be made to fail, as when the database is down. */
class FlakyStore {
  failing = false;
  writes = 0;
  constructor(readonly store: Store) {}

  asStore(): Store {
    return new Proxy(this.store, {
      get: (target, property, receiver) => {
        if (property !== 'insertUsage') return Reflect.get(target, property, receiver) as unknown;
        return async (rows: readonly UsageRecord[]) => {
          this.writes++;
          if (this.failing) throw new Error('database is unreachable');
          await target.insertUsage(rows);
        };
      },
    });
  }
}

let sequence = 0;
const row = (fields: Partial<UsageRecord> = {}): UsageRecord => ({
  requestId: `r-${++sequence}`,
  at: Date.parse('2026-11-22T10:00:30Z'),
  virtualKeyId: 'vk',
  teamId: null,
  customerId: null,
  provider: 'p',
  model: 'm',
  requests: 1,
  inputTokens: 10,
  outputTokens: 5,
  cachedInputTokens: 0,
  costNanoUsd: 100,
  priced: true,
  ...fields,
});

const FROM = Date.parse('2026-11-22T00:00:00Z');
const TO = Date.parse('2026-11-23T00:00:00Z');

describe('UsageRecorder', () => {
  let store: Store;
  let flaky: FlakyStore;
  let recorder: UsageRecorder | undefined;

  beforeEach(async () => {
    store = await openStore('sqlite::memory:');
    await store.migrate();
    flaky = new FlakyStore(store);
  });

  afterEach(async () => {
    await recorder?.close(0);
    recorder = undefined;
    await store.close();
  });

  it('writes nothing on the request path, and per-minute totals within the interval', async () => {
    recorder = new UsageRecorder(flaky.asStore(), undefined, { intervalMs: 50 });
    for (let index = 0; index < 10; index++) recorder.record(row({ costNanoUsd: index }));
    recorder.record(row({ at: Date.parse('2026-11-22T10:01:00Z'), costNanoUsd: 1_000 }));
    recorder.record(row({ virtualKeyId: 'other', costNanoUsd: 7 }));
    expect(flaky.writes).toBe(0);
    expect(recorder.pending).toBe(3);
    await expect.poll(() => recorder?.pending, { timeout: 2_000 }).toBe(0);
    expect(flaky.writes).toBe(1);
    expect(await store.spendSince('virtual_key', 'vk', FROM)).toEqual({ requests: 11, costNanoUsd: 45 + 1_000 });
    expect(await store.spendSince('virtual_key', 'vk', Date.parse('2026-11-22T10:01:00Z'))).toEqual({ requests: 1, costNanoUsd: 1_000 });
    const totals = await store.usageTotals('virtual_key', FROM, TO);
    expect(totals.find((entry) => entry.key === 'vk')).toMatchObject({ requests: 11, inputTokens: 110, outputTokens: 55 });
    expect(totals.find((entry) => entry.key === 'other')).toMatchObject({ requests: 1, costNanoUsd: 7 });
  });

  it('keeps totals while the store fails and writes them once when it is back', async () => {
    recorder = new UsageRecorder(flaky.asStore(), undefined, { intervalMs: 20 });
    flaky.failing = true;
    for (let index = 0; index < 5; index++) recorder.record(row());
    await expect.poll(() => flaky.writes, { timeout: 2_000 }).toBeGreaterThan(2);
    for (let index = 0; index < 5; index++) recorder.record(row());
    expect(recorder.pending).toBe(2);
    flaky.failing = false;
    await expect.poll(() => recorder?.pending, { timeout: 2_000 }).toBe(0);
    expect(await store.spendSince('virtual_key', 'vk', FROM)).toEqual({ requests: 10, costNanoUsd: 1_000 });
  });

  it('does not count a retried batch twice when the failed write had in fact committed', async () => {
    let lostAnswers = 1;
    const committedThenLost = new Proxy(store, {
      get: (target, property, receiver) => {
        if (property !== 'insertUsage') return Reflect.get(target, property, receiver) as unknown;
        return async (batch: readonly UsageRecord[]) => {
          await target.insertUsage(batch);
          if (lostAnswers-- > 0) throw new Error('connection lost after commit');
        };
      },
    });
    recorder = new UsageRecorder(committedThenLost, undefined, { intervalMs: 60_000 });
    recorder.record(row({ virtualKeyId: 'twice' }));
    await recorder.flush();
    expect(recorder.pending).toBe(1);
    await recorder.flush();
    expect(recorder.pending).toBe(0);
    expect(await store.spendSince('virtual_key', 'twice', FROM)).toEqual({ requests: 1, costNanoUsd: 100 });
  });

  it('writes what is left on close', async () => {
    const closing = new UsageRecorder(flaky.asStore(), undefined, { intervalMs: 60_000 });
    closing.record(row({ virtualKeyId: 'closing' }));
    await closing.close();
    expect(await store.spendSince('virtual_key', 'closing', FROM)).toEqual({ requests: 1, costNanoUsd: 100 });
  });
});
