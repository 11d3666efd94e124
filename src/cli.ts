import { parseArgs } from 'node:util';
import { compileConfig } from './config/compile.js';
import { ConfigError } from './config/config-problem.js';
import { demoConfig, loadConfigFile } from './config/load-config.js';
import { startGateway } from './main.js';
import { runSimulatorCli } from './simulator/index.js';
import { openStore } from './store/open-store.js';
import type { Store } from './store/store.js';
import { createLogger } from './telemetry/logger.js';

const USAGE = `Usage: switchyard <command> [options]

Commands:
  start [--config FILE] [--port N] [--host H]   run the gateway (demo config when no file is given)
  validate --config FILE                        check a config file; prints every problem with its path
  migrate [--config FILE] [--store URL]         bring the store's schema up to date (start does it too)
  simulate [--port N] [--host H] [--config F]   run the provider simulator on its own
  help                                          show this text

Environment: SWITCHYARD_CONFIG (config path), SWITCHYARD_LOG_LEVEL (info). In demo mode (no config
file) also SWITCHYARD_ADMIN_TOKEN (enables /admin), SWITCHYARD_STORE (store URL) and provider keys
such as OPENAI_API_KEY or ANTHROPIC_API_KEY.`;

type Output = (line: string) => void;

const stdout: Output = (line) => process.stdout.write(`${line}\n`);
const stderr: Output = (line) => process.stderr.write(`${line}\n`);

export async function runCli(argv: readonly string[], out: Output = stdout, err: Output = stderr): Promise<number> {
  const [command = 'start', ...rest] = argv;
  try {
    switch (command) {
      case 'start':
        return await start(rest);
      case 'validate':
        return await validate(rest, out, err);
      case 'migrate':
        return await migrate(rest, out, err);
      case 'simulate':
        return await runSimulatorCli(rest);
      case 'help':
      case '--help':
      case '-h':
        out(USAGE);
        return 0;
      default:
        err(`unknown command '${command}'\n\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    if (error instanceof ConfigError) {
      err(error.message);
      err('Fix the problems above, then run `switchyard validate --config FILE` to check.');
      return 1;
    }
    if (error instanceof TypeError && (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      err(`${error.message}\n\n${USAGE}`);
      return 2;
    }
    throw error;
  }
}

function parsePort(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new ConfigError([{ path: '--port', message: `must be a port number 0–65535, got "${value}"` }], 'command line');
  return port;
}

async function start(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({ args: [...argv], options: { config: { type: 'string', short: 'c' }, port: { type: 'string', short: 'p' }, host: { type: 'string' } }, strict: true });
  const logger = createLogger();
  const running = await startGateway({ configPath: values.config, port: parsePort(values.port), host: values.host, logger });
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      logger.info(`${signal} received`);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      running.shutdown().then(resolve, (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        resolve();
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  logger.flush();
  return 0;
}

async function validate(argv: readonly string[], out: Output, err: Output): Promise<number> {
  const { values } = parseArgs({ args: [...argv], options: { config: { type: 'string', short: 'c' } }, strict: true });
  const path = values.config ?? process.env.SWITCHYARD_CONFIG;
  if (path === undefined) {
    err('validate needs a file: switchyard validate --config FILE');
    return 2;
  }
  const config = await loadConfigFile(path);
  // The embedded simulator's address is only known at start; any URL stands in for it here.
  const runtime = compileConfig(config, { source: path, simulatorUrl: 'http://127.0.0.1:0/v1' });
  out(`${path}: OK — ${runtime.providers.size} provider(s), ${runtime.groups.size} model group(s), ${runtime.modelNames.length} routable model name(s)`);
  for (const notice of runtime.notices) out(`note: ${notice}`);
  return 0;
}

async function migrate(argv: readonly string[], out: Output, err: Output): Promise<number> {
  const { values } = parseArgs({ args: [...argv], options: { config: { type: 'string', short: 'c' }, store: { type: 'string' } }, strict: true });
  const path = values.config ?? process.env.SWITCHYARD_CONFIG;
  const url = values.store ?? (path === undefined ? demoConfig(process.env).store : (await loadConfigFile(path)).store);
  let store: Store;
  try {
    store = await openStore(url);
  } catch (error) {
    err(`cannot open the store: ${(error as Error).message}`);
    return 1;
  }
  try {
    out(`migrating ${store.kind} store at ${store.location} …`);
    const report = await store.migrate();
    for (const name of report.applied) out(`  applied ${name}`);
    out(report.applied.length === 0 ? `up to date at schema version ${report.version}` : `done: schema version ${report.version}`);
    return 0;
  } catch (error) {
    err(`migration failed: ${(error as Error).message}`);
    return 1;
  } finally {
    await store.close();
  }
}
