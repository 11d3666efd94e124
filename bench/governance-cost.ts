import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { compileConfig } from '../src/config/compile.js';
import { validateConfig } from '../src/config/load-config.js';
import { Governance } from '../src/governance/governance.js';
import { buildChain } from '../src/pipeline/attempt-loop.js';
import { RequestContext } from '../src/pipeline/request-context.js';
import { resolveModel } from '../src/routing/resolve-model.js';
import { openStore } from '../src/store/open-store.js';
import { GatewayMetrics } from '../src/telemetry/metrics.js';
import { RequestLogWriter } from '../src/telemetry/request-log-writer.js';

/**
 * What governance adds to one request, measured in-process without the network noise of the
 * end-to-end benchmark: authenticate (key lookup), allow-lists, admission on a key, its team and
 * its customer (RPM, TPM and budgets on each), settlement with real usage, and writing that usage
 * to the store. Run: `npm run bench:governance`.
 */
const REQUESTS = 300_000;
const KEY = 'sk-sy-governance-cost-benchmark-0000000001';

function runtime() {
  const limits = { rpm: 1_000_000_000, tpm: 1_000_000_000_000 };
  const budget = { limit_usd: 1_000_000_000, period: '1M' as const };
  return compileConfig(
    validateConfig(
      {
        providers: [{ id: 'p', type: 'openai', base_url: 'http://127.0.0.1:1/v1', keys: [{ id: 'k', secret: 's' }] }],
        models: [{ name: 'chat', targets: [{ provider: 'p', model: 'gpt-4o-mini' }] }],
        teams: [{ id: 'team', limits, budget }],
        customers: [{ id: 'customer', limits, budget }],
        virtual_keys: [{ id: 'key', name: 'bench', key: KEY, team_id: 'team', customer_id: 'customer', models: ['chat'], limits, budget }],
      },
      'governance-cost',
    ),
    { source: 'governance-cost' },
  );
}

async function governanceMicroseconds(): Promise<number> {
  const config = runtime();
  const store = await openStore('sqlite::memory:');
  await store.migrate();
  const governance = await Governance.open(config, store);
  const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
  const chain = buildChain(config, resolveModel(config, 'chat'), undefined);
  const target = chain[0]?.route.targets[0];
  const usage = { input_tokens: 12, output_tokens: 30, cached_input_tokens: 0, cache_write_input_tokens: 0 };
  const oneRequest = async (index: number): Promise<void> => {
    const context = new RequestContext(`r${index}`, 'openai', 0);
    context.requestedModel = 'chat';
    context.estimatedInputTokens = 20;
    const principal = governance.authenticate(headers, Date.now());
    if (principal === undefined) throw new Error('not authenticated');
    context.principal = principal;
    governance.authorise(principal, 'chat', chain, undefined);
    const admitting = governance.admit(context, principal, chain, 256);
    if (admitting !== undefined) await admitting;
    context.provider = 'p';
    context.model = 'gpt-4o-mini';
    context.target = target;
    context.usage = usage;
    governance.settle(context);
  };
  for (let index = 0; index < 50_000; index++) await oneRequest(index);
  const started = performance.now();
  for (let index = 0; index < REQUESTS; index++) await oneRequest(index);
  // Writing the recorded usage is part of the cost, even though it happens off the request path.
  await governance.recorder.flush();
  const elapsed = performance.now() - started;
  await governance.close();
  await store.close();
  return (elapsed * 1000) / REQUESTS;
}

/** Metrics for a finished request and its request-log row, written to a SQLite file in batches. */
async function observabilityMicroseconds(): Promise<number> {
  const config = runtime();
  const directory = await mkdtemp(join(tmpdir(), 'switchyard-observability-cost-'));
  const store = await openStore(`sqlite:${join(directory, 'log.db')}`);
  await store.migrate();
  const metrics = new GatewayMetrics({ processMetrics: false });
  const writer = new RequestLogWriter(store, { ...config.observability.request_log, queue_size: REQUESTS }, metrics, undefined);
  const target = config.groups.get('chat')?.targets[0];
  const usage = { input_tokens: 12, output_tokens: 30, cached_input_tokens: 0, cache_write_input_tokens: 0 };
  const oneRequest = (index: number) => {
    const context = new RequestContext(`o${index}`, 'openai', 0);
    context.requestedModel = 'chat';
    context.provider = 'p';
    context.model = 'gpt-4o-mini';
    context.keyId = 'k';
    context.target = target;
    context.usage = usage;
    context.status = 200;
    context.durationMs = 1.5;
    context.costNanoUsd = 19_800;
    context.attempts.push({ provider: 'p', model: 'gpt-4o-mini', key: 'k', fallback: 0, status: 200, outcome: 'ok', reason: 'ok', failureClass: undefined, durationMs: 1.2 });
    metrics.requests.observe(context, config);
    writer.record(context);
  };
  const batch = 10_000;
  for (let index = 0; index < batch; index++) oneRequest(index);
  await writer.flush();
  // Time on this thread only: the request-log rows are written by a worker thread meanwhile.
  let elapsed = 0;
  for (let done = 0; done < REQUESTS; done += batch) {
    const started = performance.now();
    for (let index = done; index < done + batch; index++) oneRequest(batch + index);
    // One flush per batch, as the writer's timer would do about once a second at 10,000 requests/s.
    const flushing = writer.flush();
    elapsed += performance.now() - started;
    await flushing;
  }
  await writer.close();
  await store.close();
  await rm(directory, { recursive: true, force: true });
  return (elapsed * 1000) / REQUESTS;
}

const governance = await governanceMicroseconds();
const observability = await observabilityMicroseconds();
console.log(`Governance and observability cost per request, Node ${process.version}, ${REQUESTS.toLocaleString('en')} requests:`);
console.log(`  authenticate + allow-lists + admit (key, team, customer: rpm, tpm, budget) + settle + usage written: ${governance.toFixed(2)} µs`);
console.log(`  metrics for the request + its request-log row handed to the SQLite writer thread:              ${observability.toFixed(2)} µs`);
