import { buildApp } from '../../src/app.js';
import { compileConfig } from '../../src/config/compile.js';
import { validateConfig } from '../../src/config/load-config.js';
import { openGateway } from '../../src/gateway.js';
import { openStore } from '../../src/store/open-store.js';
import { portOf, reportListening, upstreamUrlArgument } from './child-protocol.js';

/** The real gateway, built the way the tests build it: one OpenAI provider, one model group. */
function benchConfig(upstreamUrl: string): unknown {
  return {
    providers: [{ id: 'bench', type: 'openai', base_url: `${upstreamUrl}/v1`, keys: [{ id: 'k1', secret: 'sk-bench' }] }],
    models: [{ name: 'bench-model', targets: [{ provider: 'bench', model: 'gpt-4o-mini' }] }],
  };
}

const config = validateConfig(benchConfig(upstreamUrlArgument()), 'bench');
const store = await openStore('sqlite::memory:');
await store.migrate();
const gateway = await openGateway(compileConfig(config, { source: 'bench' }), store);
const app = buildApp(gateway);
await app.listen({ port: 0, host: '127.0.0.1' });
reportListening(portOf(app.server));
