import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { compileConfig } from './config/compile.js';
import { demoConfig, loadConfigFile } from './config/load-config.js';
import type { RuntimeConfig } from './config/runtime-config.js';
import type { Config } from './config/schema.js';
import type { Gateway } from './gateway.js';
import { openGateway } from './gateway.js';
import { openStore } from './store/open-store.js';
import type { Store } from './store/store.js';
import { HealthRegistry } from './routing/health-registry.js';
import type { HealthSubject } from './routing/health-registry.js';
import { startSimulator } from './simulator/index.js';
import type { SimulatorHandle } from './simulator/index.js';
import type { Logger } from './telemetry/logger.js';

export interface StartOptions {
  /** Config file; falls back to SWITCHYARD_CONFIG, then to the demo config. */
  configPath?: string | undefined;
  port?: number | undefined;
  host?: string | undefined;
  environment?: NodeJS.ProcessEnv;
  logger: Logger;
}

export interface RunningGateway {
  url: string;
  app: FastifyInstance;
  gateway: Gateway;
  /** Stop accepting, let in-flight requests and streams finish (bounded), release everything. */
  shutdown(): Promise<void>;
}

/** Loads and compiles the config, starts the embedded simulator when needed, and listens. */
export async function startGateway(options: StartOptions): Promise<RunningGateway> {
  const environment = options.environment ?? process.env;
  const path = options.configPath ?? environment.SWITCHYARD_CONFIG;
  const config = path === undefined ? demoConfig(environment) : await loadConfigFile(path, environment);
  if (options.port !== undefined) config.server.port = options.port;
  if (options.host !== undefined) config.server.host = options.host;

  const simulator = needsEmbeddedSimulator(config) ? await startSimulator() : undefined;
  let runtime: RuntimeConfig;
  try {
    const health = new HealthRegistry(config.routing.circuit, (subject, from, to, reason) => logTransition(options.logger, subject, from, to, reason));
    runtime = compileConfig(config, { source: path ?? 'demo', simulatorUrl: simulator ? `${simulator.url}/v1` : undefined, health });
  } catch (error) {
    await simulator?.close();
    throw error;
  }
  let store: Store | undefined;
  let gateway: Gateway;
  try {
    store = await openMigratedStore(config.store, options.logger);
    gateway = await openGateway(runtime, store, { logger: options.logger, environment });
  } catch (error) {
    await store?.close();
    await simulator?.close();
    throw error;
  }
  const app = buildApp(gateway, { logger: options.logger });
  await app.listen({ port: config.server.port, host: config.server.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.server.port;
  const url = `http://${config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host}:${port}`;
  logStartup(options.logger, runtime, gateway, url, simulator);
  const openedStore = store;
  return { url, app, gateway, shutdown: () => shutdown(app, gateway, openedStore, simulator, options.logger) };
}

/** Opens the configured store and brings its schema up to date, saying what it did. */
async function openMigratedStore(url: string, logger: Logger): Promise<Store> {
  const store = await openStore(url, { onError: (error) => logger.error({ err: error }, 'store connection error') });
  try {
    const report = await store.migrate();
    const applied = report.applied.length > 0 ? `applied ${report.applied.join(', ')}` : 'up to date';
    logger.info({ store: store.location, schema_version: report.version }, `store: ${store.location} (schema version ${report.version}, ${applied})`);
    return store;
  } catch (error) {
    await store.close();
    throw error;
  }
}

/** Every state change of a key or target, with its reason: warn when it goes bad, info when it comes back. */
function logTransition(logger: Logger, subject: HealthSubject, from: string, to: string, reason: string): void {
  const route = `${subject.kind} ${subject.provider}/${subject.name}`;
  const fields = { route_kind: subject.kind, provider: subject.provider, [subject.kind === 'key' ? 'key' : 'model']: subject.name, from, to, reason };
  if (to === 'failed' || to === 'degraded') logger.warn(fields, `${route}: ${from} → ${to} (${reason})`);
  else logger.info(fields, `${route}: ${from} → ${to} (${reason})`);
}

function needsEmbeddedSimulator(config: Config): boolean {
  return config.providers.some((provider) => provider.type === 'simulator' && provider.base_url === undefined);
}

function logStartup(logger: Logger, config: RuntimeConfig, gateway: Gateway, url: string, simulator: SimulatorHandle | undefined): void {
  logger.info({ source: config.source }, config.source === 'demo' ? 'no config file given: running the demo config' : `config loaded from ${config.source}`);
  for (const provider of config.providers.values()) {
    const keys = provider.keyPool.keys.map((key) => `${key.id}(w=${key.weight})`).join(', ');
    logger.info({ provider: provider.id, type: provider.type, base_url: provider.baseUrl }, `provider ${provider.id} (${provider.type}) → ${provider.baseUrl}; keys: ${keys}`);
  }
  if (simulator) logger.info(`embedded provider simulator on ${simulator.url}`);
  if (gateway.tracer) logger.info({ traces: gateway.tracer.url, service_name: gateway.tracer.serviceName }, `traces: OTLP/HTTP to ${gateway.tracer.url} as service ${gateway.tracer.serviceName}`);
  logger.info({ models: config.modelNames }, `${config.modelNames.length} model names routable: ${config.modelNames.slice(0, 12).join(', ')}${config.modelNames.length > 12 ? ', …' : ''} (and any provider/model)`);
  for (const notice of config.notices) logger.warn(notice);
  const governance = gateway.governance;
  if (governance.authRequired) logger.info({ virtual_keys: governance.keyCount }, `auth: virtual key required (${governance.keyCount} key(s) loaded${config.auth.required ? ', auth.required is true' : ''})`);
  else logger.warn('auth: OPEN — no virtual key exists yet, so anyone who can reach this port can use it; create one with POST /admin/v1/virtual-keys or set auth.required: true');
  if (config.adminToken === undefined) logger.info('admin API disabled: set admin.token to manage keys, teams and customers');
  logger.info({ url }, `Switchyard listening on ${url} — try: curl ${url}/v1/chat/completions -H 'content-type: application/json' -d '{"model":"demo/sim-small","messages":[{"role":"user","content":"hi"}]}'`);
}

async function shutdown(app: FastifyInstance, gateway: Gateway, store: Store, simulator: SimulatorHandle | undefined, logger: Logger): Promise<void> {
  if (gateway.draining) return;
  gateway.startDraining();
  const drainMs = gateway.config.server.drain_timeout_ms;
  logger.info(`shutting down: draining in-flight requests (up to ${drainMs} ms)`);
  // Keep-alive sockets that go idle during the drain are closed as they do, so close() can finish.
  const idleSweep = setInterval(() => app.server.closeIdleConnections(), 100);
  const deadline = setTimeout(() => {
    logger.warn('drain time is up: ending the remaining requests and streams with an error');
    gateway.abortInFlight();
    setTimeout(() => app.server.closeAllConnections(), 1_000).unref();
  }, drainMs);
  try {
    await app.close();
  } finally {
    clearInterval(idleSweep);
    clearTimeout(deadline);
    await gateway.close();
    await gateway.tracer?.shutdown();
    await store.close();
    await simulator?.close();
  }
  logger.info('shutdown complete: usage written, store closed');
}
