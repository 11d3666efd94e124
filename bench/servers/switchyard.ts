import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../../src/app.js';
import { compileConfig } from '../../src/config/compile.js';
import { validateConfig } from '../../src/config/load-config.js';
import { openGateway } from '../../src/gateway.js';
import { openStore } from '../../src/store/open-store.js';
import { BENCH_VIRTUAL_KEY } from '../fixtures.js';
import { portOf, reportListening, upstreamUrlArgument } from './child-protocol.js';

/**
 * The real gateway, built the way the tests build it: one OpenAI provider, one model group.
 * `quiet` turns metrics and the request log off. Every mode stores to a SQLite file.
 * `governed` adds what a production deployment runs on every request: a virtual key with RPM
 * and TPM limits and a budget, in a team with its own budget, usage written to a SQLite file.
 */
function benchConfig(upstreamUrl: string, mode: string): unknown {
  const base = {
    providers: [{ id: 'bench', type: 'openai', base_url: `${upstreamUrl}/v1`, keys: [{ id: 'k1', secret: 'sk-bench' }] }],
    models: [{ name: 'bench-model', targets: [{ provider: 'bench', model: 'gpt-4o-mini' }] }],
  };
  // `quiet`: no metrics and no request log, to measure what observability costs.
  if (mode === 'quiet') return { ...base, observability: { metrics: { enabled: false }, request_log: { enabled: false } } };
  if (mode !== 'governed') return base;
  return {
    ...base,
    teams: [{ id: 'bench-team', budget: { limit_usd: 1_000_000, period: '1d' }, limits: { rpm: 100_000_000 } }],
    virtual_keys: [{ id: 'bench-key', name: 'bench', key: BENCH_VIRTUAL_KEY, team_id: 'bench-team', limits: { rpm: 100_000_000, tpm: 100_000_000_000 }, budget: { limit_usd: 1_000_000, period: '1M' } }],
  };
}

const mode = process.argv[3] ?? 'plain';
const config = validateConfig(benchConfig(upstreamUrlArgument(), mode), 'bench');
// A SQLite file, as a real deployment has: usage and the request log are written to it.
const store = await openStore(`sqlite:${join(await mkdtemp(join(tmpdir(), 'switchyard-bench-')), 'bench.db')}`);
await store.migrate();
const gateway = await openGateway(compileConfig(config, { source: 'bench' }), store);
const app = buildApp(gateway);
await app.listen({ port: 0, host: '127.0.0.1' });
reportListening(portOf(app.server));
