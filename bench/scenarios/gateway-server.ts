import { buildApp } from '../../src/app.js';
import { compileConfig } from '../../src/config/compile.js';
import { validateConfig } from '../../src/config/load-config.js';
import { openGateway } from '../../src/gateway.js';
import { openStore } from '../../src/store/open-store.js';
import { portOf, reportListening } from '../servers/child-protocol.js';

/**
 * The gateway of one scenario run, in its own process, built the way bench/servers/switchyard.ts
 * builds it, from the config JSON given as the single argument.
 */
function configArgument(): unknown {
  const text = process.argv[2];
  if (text === undefined) throw new Error('usage: gateway-server <config json>');
  return JSON.parse(text) as unknown;
}

const config = validateConfig(configArgument(), 'scenario-lab');
const store = await openStore('sqlite::memory:');
await store.migrate();
const gateway = await openGateway(compileConfig(config, { source: 'scenario-lab' }), store);
const app = buildApp(gateway);
await app.listen({ port: 0, host: '127.0.0.1' });
reportListening(portOf(app.server));
