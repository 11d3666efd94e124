import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openSqlDriver, openStore, type OpenStoreOptions } from '../src/store/open-store.js';
import type { LoggedAttempt, RequestLogCursor, RequestLogFilter, RequestLogRecord, Store } from '../src/store/store.js';
import { machineDescription } from './machine.js';
import { percentileOfSorted } from './statistics.js';

/**
 * How fast a page of the request log comes back from a table of a million rows, on SQLite and on
 * PostgreSQL: no filter, a day, each filter alone, a few combinations, and cursors five pages
 * deep. Fails when any query shape's p95 reaches 100 ms. Run: `npm run bench:logs`
 * (DATABASE_URL names the Postgres server; its rows go to a schema of their own, dropped at the end).
 */
const ROWS = 1_000_000;
const ROWS_PER_BATCH = 10_000;
const PROGRESS_EVERY = 100_000;
const DAY_MS = 86_400_000;
const DAYS = 30;
const START = Date.UTC(2025, 0, 1);
const PAGE_LIMIT = 50;
const RUNS_PER_SHAPE = 20;
const PAGES_DEEP = 5;
const P95_LIMIT_MS = 100;
const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

const VIRTUAL_KEYS = 200;
const TEAMS = 20;
const CUSTOMERS = 50;
const PROVIDERS = 10;
const MODELS = 40;
const REQUESTED_MODELS = 25;
const GATEWAY_NODES = ['3f9a1c2e4b5d6a7f', '8c1e2d3f4a5b6c7d', 'a0b1c2d3e4f50617', 'f1e2d3c4b5a69788'];
const ERROR_STATUSES = [429, 502, 504, 400] as const;
const ERROR_CODES = ['rate_limited', 'upstream_error', 'upstream_timeout', 'invalid_request', 'stream_error'] as const;

/** A seeded generator (mulberry32), so every run loads the same rows and asks the same queries. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** 0 most often, `count - 1` least: a few keys and models carry most of the traffic, as in life. */
function skewedIndex(random: () => number, count: number): number {
  return Math.floor(count * random() ** 2);
}

function uniformIndex(random: () => number, count: number): number {
  return Math.floor(count * random());
}

const keyName = (index: number): string => `vk-${String(index).padStart(3, '0')}`;
const teamName = (index: number): string => `team-${String(index).padStart(2, '0')}`;
const customerName = (index: number): string => `customer-${String(index).padStart(2, '0')}`;
const providerName = (index: number): string => `provider-${index}`;
const modelName = (index: number): string => `model-${String(index).padStart(2, '0')}`;
const requestedModelName = (index: number): string => `public-${String(index).padStart(2, '0')}`;

/** Keys 0–9 are team 0's, 10–19 team 1's, and so on; the last of every ten has no team. */
function teamOfKey(key: number): string | null {
  return key % 10 === 9 ? null : teamName(Math.floor(key / 10) % TEAMS);
}

/** Keys 0–3 are customer 0's, 4–7 customer 1's, and so on; the last of every four has no customer. */
function customerOfKey(key: number): string | null {
  return key % 4 === 3 ? null : customerName(Math.floor(key / 4) % CUSTOMERS);
}

/** Mostly 200; some rate limits, upstream errors, timeouts and invalid requests. */
function statusOf(random: () => number): number {
  const draw = random();
  if (draw < 0.94) return 200;
  if (draw < 0.97) return 429;
  if (draw < 0.985) return 502;
  if (draw < 0.995) return 504;
  return 400;
}

function errorCodeOf(status: number, random: () => number): string | null {
  switch (status) {
    case 200:
      return random() < 0.003 ? 'stream_error' : null;
    case 429:
      return 'rate_limited';
    case 502:
      return 'upstream_error';
    case 504:
      return 'upstream_timeout';
    default:
      return 'invalid_request';
  }
}

/** The served models of a public name: its primary, then a fallback on another provider. */
function routeOf(requested: number): number[] {
  const primary = (requested * 3) % MODELS;
  return [primary, (primary + 1) % MODELS, (primary + 7) % MODELS];
}

function attemptsOf(status: number, requested: number, random: () => number): LoggedAttempt[] {
  // Invalid requests and a third of the rate limits are refused by the gateway before any attempt.
  if (status === 400 || (status === 429 && random() < 0.33)) return [];
  const route = routeOf(requested);
  const count = status === 502 || status === 504 ? 2 + uniformIndex(random, 2) : random() < 0.08 ? 2 : 1;
  return Array.from({ length: count }, (_, fallback) => {
    const model = route[fallback]!;
    const last = fallback === count - 1;
    const failedStatus = status === 504 ? null : 502;
    const attemptStatus = last ? (status === 504 ? null : status) : failedStatus;
    return {
      provider: providerName(model % PROVIDERS),
      model: modelName(model),
      key: `key-${uniformIndex(random, 4)}`,
      fallback,
      status: attemptStatus,
      outcome: attemptStatus === null ? 'timeout' : attemptStatus === 200 ? 'ok' : 'http_error',
      reason: attemptStatus === null ? 'no response within 30000 ms' : attemptStatus === 200 ? 'answered' : `upstream answered ${attemptStatus}`,
      durationMs: Math.round(50 + random() * 3_000),
    };
  });
}

/** Row `index` of the load: requests arrive in time order over DAYS days, from four gateway nodes. */
function syntheticRecord(index: number, random: () => number): RequestLogRecord {
  const key = skewedIndex(random, VIRTUAL_KEYS);
  const requested = skewedIndex(random, REQUESTED_MODELS);
  const status = statusOf(random);
  const attempts = attemptsOf(status, requested, random);
  const last = attempts.at(-1);
  const stream = random() < 0.6;
  const inputTokens = status === 200 ? 20 + uniformIndex(random, 4_000) : 0;
  const outputTokens = status === 200 ? uniformIndex(random, 1_500) : 0;
  const latencyMs = last === undefined ? 1 + random() * 3 : attempts.reduce((sum, attempt) => sum + attempt.durationMs, 0) + random() * 5;
  const node = GATEWAY_NODES[index % GATEWAY_NODES.length]!;
  return {
    id: `${node}-${Math.floor(index / GATEWAY_NODES.length).toString(36)}`,
    at: START + Math.floor(((index + random()) * DAYS * DAY_MS) / ROWS),
    virtualKeyId: keyName(key),
    teamId: teamOfKey(key),
    customerId: customerOfKey(key),
    surface: ['openai', 'openai', 'openai', 'anthropic', 'genai', 'bedrock'][uniformIndex(random, 6)]!,
    requestedModel: requestedModelName(requested),
    provider: last?.provider ?? null,
    model: last?.model ?? null,
    keyId: last?.key ?? null,
    attempts,
    status,
    errorCode: errorCodeOf(status, random),
    latencyMs,
    ttftMs: stream && status === 200 ? 80 + random() * 400 : null,
    inputTokens,
    outputTokens,
    cachedInputTokens: random() < 0.2 ? Math.floor(inputTokens / 2) : 0,
    costNanoUsd: inputTokens * 2_500 + outputTokens * 10_000,
    stream,
    content: random() < 0.05 ? syntheticContent(requested, random) : null,
  };
}

function syntheticContent(requested: number, random: () => number): { request: string; response: string } {
  const words = 'the quick brown fox jumps over the lazy dog while the gateway routes every request'.split(' ');
  const sentence = Array.from({ length: 30 }, () => words[uniformIndex(random, words.length)]).join(' ');
  return {
    request: JSON.stringify({ model: requestedModelName(requested), messages: [{ role: 'user', content: sentence }] }),
    response: JSON.stringify({ choices: [{ message: { role: 'assistant', content: sentence } }] }),
  };
}

async function load(store: Store, label: string): Promise<number> {
  const random = seededRandom(42);
  const started = performance.now();
  for (let first = 0; first < ROWS; first += ROWS_PER_BATCH) {
    const batch = Array.from({ length: Math.min(ROWS_PER_BATCH, ROWS - first) }, (_, offset) => syntheticRecord(first + offset, random));
    await store.insertRequestLogs(batch);
    const loaded = first + batch.length;
    if (loaded % PROGRESS_EVERY === 0 || loaded === ROWS) {
      console.log(`  ${label}: ${loaded.toLocaleString('en')} / ${ROWS.toLocaleString('en')} rows (${seconds(performance.now() - started)} s)`);
    }
  }
  return performance.now() - started;
}

/** One query of a shape: a page asked for, or a walk of several pages where each page is timed. */
type QueryRun = (store: Store, random: () => number) => Promise<{ timingsMs: number[]; rows: number }>;

interface QueryShape {
  name: string;
  run: QueryRun;
}

function onePage(filterOf: (random: () => number) => RequestLogFilter): QueryRun {
  return async (store, random) => {
    const filter = filterOf(random);
    const started = performance.now();
    const page = await store.searchRequestLogs(filter, PAGE_LIMIT);
    return { timingsMs: [performance.now() - started], rows: page.rows.length };
  };
}

/** Follows `next` PAGES_DEEP times from a first page, which is not timed. */
function pagesDeep(filterOf: (random: () => number) => RequestLogFilter, startOf: (random: () => number) => RequestLogCursor | undefined): QueryRun {
  return async (store, random) => {
    const filter = filterOf(random);
    let page = await store.searchRequestLogs(filter, PAGE_LIMIT, startOf(random));
    const timingsMs: number[] = [];
    let rows = 0;
    for (let depth = 0; depth < PAGES_DEEP && page.next !== null; depth++) {
      const started = performance.now();
      page = await store.searchRequestLogs(filter, PAGE_LIMIT, page.next);
      timingsMs.push(performance.now() - started);
      rows += page.rows.length;
    }
    return { timingsMs, rows: timingsMs.length === 0 ? 0 : rows / timingsMs.length };
  };
}

const anyDay = (random: () => number): number => START + uniformIndex(random, DAYS) * DAY_MS;
const anyKey = (random: () => number): string => keyName(uniformIndex(random, VIRTUAL_KEYS));
const anyTeam = (random: () => number): string => teamName(uniformIndex(random, TEAMS));
const anyProvider = (random: () => number): string => providerName(uniformIndex(random, PROVIDERS));
const anyModel = (random: () => number): string => modelName(uniformIndex(random, MODELS));
const anyStatus = (random: () => number): number => [200, ...ERROR_STATUSES][uniformIndex(random, ERROR_STATUSES.length + 1)]!;
const anyErrorCode = (random: () => number): string => ERROR_CODES[uniformIndex(random, ERROR_CODES.length)]!;

const QUERY_SHAPES: QueryShape[] = [
  { name: 'no filter', run: onePage(() => ({})) },
  {
    name: 'one day',
    run: onePage((random) => {
      const day = anyDay(random);
      return { from: day, to: day + DAY_MS };
    }),
  },
  { name: 'virtual key', run: onePage((random) => ({ virtualKeyId: anyKey(random) })) },
  { name: 'team', run: onePage((random) => ({ teamId: anyTeam(random) })) },
  { name: 'customer', run: onePage((random) => ({ customerId: customerName(uniformIndex(random, CUSTOMERS)) })) },
  { name: 'model', run: onePage((random) => ({ model: anyModel(random) })) },
  { name: 'requested model', run: onePage((random) => ({ requestedModel: requestedModelName(uniformIndex(random, REQUESTED_MODELS)) })) },
  { name: 'provider', run: onePage((random) => ({ provider: anyProvider(random) })) },
  { name: 'status', run: onePage((random) => ({ status: anyStatus(random) })) },
  { name: 'error code', run: onePage((random) => ({ errorCode: anyErrorCode(random) })) },
  {
    name: 'key + one day',
    run: onePage((random) => {
      const day = anyDay(random);
      return { virtualKeyId: anyKey(random), from: day, to: day + DAY_MS };
    }),
  },
  { name: 'provider + status', run: onePage((random) => ({ provider: anyProvider(random), status: anyStatus(random) })) },
  { name: 'model + error code', run: onePage((random) => ({ model: anyModel(random), errorCode: anyErrorCode(random) })) },
  {
    name: 'team + from/to (3 days)',
    run: onePage((random) => {
      const day = anyDay(random);
      return { teamId: anyTeam(random), from: day, to: day + 3 * DAY_MS };
    }),
  },
  {
    name: `no filter, ${PAGES_DEEP} pages deep`,
    // Starts from a cursor anywhere in the month, as when paging from a time picked in a UI.
    run: pagesDeep(
      () => ({}),
      (random) => ({ at: START + Math.floor(random() * DAYS * DAY_MS), id: '~' }),
    ),
  },
  { name: `virtual key, ${PAGES_DEEP} pages deep`, run: pagesDeep((random) => ({ virtualKeyId: anyKey(random) }), () => undefined) },
  { name: `status, ${PAGES_DEEP} pages deep`, run: pagesDeep((random) => ({ status: anyStatus(random) }), () => undefined) },
];

interface ShapeResult {
  name: string;
  p50Ms: number;
  p95Ms: number;
  meanRows: number;
  timingsMs: number[];
}

async function measureShape(store: Store, shape: QueryShape, seed: number): Promise<ShapeResult> {
  const random = seededRandom(seed);
  const timingsMs: number[] = [];
  let rows = 0;
  for (let run = 0; run < RUNS_PER_SHAPE; run++) {
    const result = await shape.run(store, random);
    timingsMs.push(...result.timingsMs);
    rows += result.rows;
  }
  const sorted = [...timingsMs].sort((a, b) => a - b);
  return { name: shape.name, p50Ms: percentileOfSorted(sorted, 50), p95Ms: percentileOfSorted(sorted, 95), meanRows: rows / RUNS_PER_SHAPE, timingsMs };
}

interface BenchTarget {
  label: string;
  url: string;
  options: OpenStoreOptions;
  cleanUp(): Promise<void>;
}

/** Loads, analyses, then searches one store; true when every shape stays under the limit. */
async function benchmark(target: BenchTarget): Promise<boolean> {
  const loading = await openStore(target.url, target.options);
  await loading.migrate();
  console.log(`\n${target.label} (${loading.location})`);
  const loadMs = await load(loading, target.label);
  await loading.close();

  const analyseMs = await analyse(target);
  console.log(`  loaded ${ROWS.toLocaleString('en')} rows in ${seconds(loadMs)} s (${Math.round(ROWS / (loadMs / 1000)).toLocaleString('en')} rows/s); ANALYZE ${seconds(analyseMs)} s`);

  // A store opened after ANALYZE, so SQLite's planner has read the statistics.
  const store = await openStore(target.url, target.options);
  try {
    const results: ShapeResult[] = [];
    for (const [index, shape] of QUERY_SHAPES.entries()) results.push(await measureShape(store, shape, 1_000 + index));
    return report(target.label, results);
  } finally {
    await store.close();
  }
}

async function analyse(target: BenchTarget): Promise<number> {
  const driver = await openSqlDriver(target.url, target.options);
  try {
    const started = performance.now();
    await driver.run('ANALYZE');
    return performance.now() - started;
  } finally {
    await driver.close();
  }
}

function report(label: string, results: readonly ShapeResult[]): boolean {
  console.log(`  ${'query shape (limit 50)'.padEnd(34)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'rows'.padStart(6)}`);
  for (const result of results) {
    const verdict = result.p95Ms < P95_LIMIT_MS ? '' : `  FAIL (p95 ≥ ${P95_LIMIT_MS} ms)`;
    console.log(
      `  ${result.name.padEnd(34)} ${result.p50Ms.toFixed(2).padStart(8)} ${result.p95Ms.toFixed(2).padStart(8)} ${result.meanRows.toFixed(0).padStart(6)}${verdict}`,
    );
  }
  const everything = results.flatMap((result) => result.timingsMs).sort((a, b) => a - b);
  const passed = results.every((result) => result.p95Ms < P95_LIMIT_MS);
  console.log(`  ${label} overall p95 ${percentileOfSorted(everything, 95).toFixed(2)} ms over ${everything.length} queries: ${passed ? 'PASS' : 'FAIL'}`);
  return passed;
}

function sqliteTarget(): BenchTarget {
  const directory = mkdtempSync(join(tmpdir(), 'switchyard-bench-logs-'));
  return {
    label: 'sqlite',
    url: `sqlite:${join(directory, 'request-log.db')}`,
    options: {},
    async cleanUp() {
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

function postgresTarget(): BenchTarget {
  const url = process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
  const schema = `sy_bench_${randomBytes(4).toString('hex')}`;
  return {
    label: 'postgres',
    url,
    options: { schema },
    async cleanUp() {
      const driver = await openSqlDriver(url);
      try {
        await driver.run(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await driver.close();
      }
    },
  };
}

/** Postgres is optional: without a server the run says so and measures SQLite alone. */
async function postgresReachable(target: BenchTarget): Promise<boolean> {
  try {
    const driver = await openSqlDriver(target.url);
    await driver.close();
    return true;
  } catch (error) {
    console.log(`\npostgres: skipped, ${error instanceof Error ? error.message : String(error)}`);
    return false;
  }
}

function seconds(milliseconds: number): string {
  return (milliseconds / 1000).toFixed(1);
}

async function main(): Promise<void> {
  const machine = machineDescription();
  console.log(`Request-log search: ${ROWS.toLocaleString('en')} rows over ${DAYS} days, pages of ${PAGE_LIMIT}, ${RUNS_PER_SHAPE} runs per query shape`);
  console.log(`Machine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.platform}/${machine.arch}; Node ${process.version}`);
  const targets = [sqliteTarget()];
  const postgres = postgresTarget();
  if (await postgresReachable(postgres)) targets.push(postgres);
  let passed = true;
  for (const target of targets) {
    try {
      passed = (await benchmark(target)) && passed;
    } finally {
      await target.cleanUp();
    }
  }
  console.log(`\n${passed ? 'PASS' : 'FAIL'}: every query shape's p95 ${passed ? 'is under' : 'must stay under'} ${P95_LIMIT_MS} ms`);
  if (!passed) process.exitCode = 1;
}

await main();
