import { performance } from 'node:perf_hooks';
import { compileConfig } from '../src/config/compile.js';
import { validateConfig } from '../src/config/load-config.js';
import type { RuntimeTarget } from '../src/config/runtime-config.js';
import type { Strategy } from '../src/config/schema.js';

/**
 * Cost of one routing decision — a target from a group of 10, then a key from that provider's 10 —
 * for each strategy, after the adaptive scores are computed. Run: `npm run bench:pick`.
 */
const PICKS = 1_000_000;

function runtimeFor(strategy: Strategy) {
  const providers = Array.from({ length: 10 }, (_, provider) => ({
    id: `p${provider}`,
    type: 'openai',
    base_url: 'http://127.0.0.1:1/v1',
    keys: Array.from({ length: 10 }, (_, key) => ({ id: `k${key}`, secret: 's', weight: 1 + (key % 3) })),
  }));
  const targets = providers.map((provider, index) => ({ provider: provider.id, model: 'm', weight: 1 + (index % 4) }));
  return compileConfig(validateConfig({ routing: { strategy }, providers, models: [{ name: 'chat', targets }] }, 'pick-cost'), { source: 'pick-cost' });
}

function measure(strategy: Strategy): number {
  const runtime = runtimeFor(strategy);
  const group = runtime.groups.get('chat');
  if (group === undefined) throw new Error('no group');
  const now = performance.now();
  let sink = 0;
  const pickOnce = (draw: number) => {
    const target = group.balancer.pick({ candidates: group.targets, tried: undefined, now, random: draw, sessionKey: 'session-42' }) as RuntimeTarget;
    const keys = target.provider.keyPool.eligible(target.model);
    const key = target.provider.keyPool.balancer.pick({ candidates: keys, tried: undefined, now, random: 1 - draw, sessionKey: 'session-42' });
    sink += key === undefined ? 0 : key.weight;
  };
  for (let index = 0; index < 200_000; index++) pickOnce((index % 997) / 997);
  const started = performance.now();
  for (let index = 0; index < PICKS; index++) pickOnce((index % 997) / 997);
  const elapsedMs = performance.now() - started;
  if (sink === 0) throw new Error('no picks');
  return (elapsedMs * 1000) / PICKS;
}

const strategies: Strategy[] = ['adaptive', 'weighted', 'round-robin', 'least-busy', 'lowest-latency', 'cost', 'priority', 'sticky'];
console.log(`Routing decision cost (target of 10, then key of 10), ${PICKS.toLocaleString('en')} decisions each, Node ${process.version}`);
let worst = 0;
for (const strategy of strategies) {
  const microseconds = measure(strategy);
  worst = Math.max(worst, microseconds);
  console.log(`${strategy.padEnd(15)} ${microseconds.toFixed(3)} µs per decision`);
}
console.log(`${worst <= 1 ? 'PASS' : 'FAIL'}  slowest strategy ${worst.toFixed(3)} µs (target ≤ 1 µs)`);
