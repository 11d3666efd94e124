import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from './open-store.js';
import type { RequestLogRecord, Store } from './store.js';

const row = (id: string, at: number): RequestLogRecord => ({
  id,
  at,
  virtualKeyId: null,
  teamId: null,
  customerId: null,
  surface: 'openai',
  requestedModel: 'chat',
  provider: 'p',
  model: 'm',
  keyId: 'k',
  attempts: [],
  status: 200,
  errorCode: null,
  latencyMs: 1,
  ttftMs: null,
  inputTokens: 1,
  outputTokens: 1,
  cachedInputTokens: 0,
  costNanoUsd: 1,
  stream: false,
  content: null,
});

describe('request log of a SQLite file store, written on a worker thread', () => {
  let directory: string;
  let store: Store;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'switchyard-off-thread-'));
    store = await openStore(`sqlite:${join(directory, 'store.db')}`);
    await store.migrate();
  });

  afterAll(async () => {
    await store.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('writes rows the request thread then reads, and deletes them', async () => {
    await store.insertRequestLogs([row('a', 1_000), row('b', 2_000), row('c', 3_000)]);
    expect((await store.searchRequestLogs({}, 10)).rows.map((entry) => entry.id)).toEqual(['c', 'b', 'a']);
    expect(await store.deleteRequestLogsBefore(2_500)).toBe(2);
    expect((await store.searchRequestLogs({}, 10)).rows.map((entry) => entry.id)).toEqual(['c']);
  });

  it('reports a failed write as a rejected promise with the database error', async () => {
    const broken = { ...row('d', 4_000), surface: null } as unknown as RequestLogRecord;
    await expect(store.insertRequestLogs([broken])).rejects.toMatchObject({ name: 'SqliteError', message: expect.stringContaining('NOT NULL') });
    await store.insertRequestLogs([row('e', 5_000)]);
    expect((await store.searchRequestLogs({ from: 4_500 }, 10)).rows.map((entry) => entry.id)).toEqual(['e']);
  });
});
