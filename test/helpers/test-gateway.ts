import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { compileConfig } from '../../src/config/compile.js';
import { validateConfig } from '../../src/config/load-config.js';
import type { ConfigInput } from '../../src/config/schema.js';
import type { Gateway } from '../../src/gateway.js';
import { openGateway } from '../../src/gateway.js';
import { openStore } from '../../src/store/open-store.js';

export interface TestGateway {
  url: string;
  app: FastifyInstance;
  gateway: Gateway;
  close(): Promise<void>;
}

export interface TestGatewayOptions {
  /** Store URL; an in-memory SQLite database when omitted. */
  store?: string | undefined;
  /** Environment the gateway reads (OTEL_* for traces); process.env when omitted. */
  environment?: NodeJS.ProcessEnv;
}

/**
 * Builds a gateway from a config object and listens on an ephemeral loopback port. Closing it
 * writes queued usage and closes its store.
 */
export async function startTestGateway(input: ConfigInput, options: TestGatewayOptions = {}): Promise<TestGateway> {
  const config = validateConfig(input, 'test');
  const store = await openStore(options.store ?? 'sqlite::memory:');
  await store.migrate();
  const gateway = await openGateway(compileConfig(config, { source: 'test' }), store, { environment: options.environment });
  const app = buildApp(gateway);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    app,
    gateway,
    close: async () => {
      await app.close();
      await gateway.close();
      await gateway.tracer?.shutdown();
      await store.close();
    },
  };
}
