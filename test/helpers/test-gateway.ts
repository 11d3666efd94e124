import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { compileConfig } from '../../src/config/compile.js';
import { validateConfig } from '../../src/config/load-config.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { Gateway } from '../../src/gateway.js';

export interface TestGateway {
  url: string;
  app: FastifyInstance;
  gateway: Gateway;
  close(): Promise<void>;
}

/** Builds a gateway from a config object and listens on an ephemeral loopback port. */
export async function startTestGateway(input: ConfigInput): Promise<TestGateway> {
  const config = validateConfig(input, 'test');
  const gateway = new Gateway(compileConfig(config, { source: 'test' }));
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
    },
  };
}
