/** `switchyard simulate`: run the provider simulator on its own until SIGINT/SIGTERM. */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { simulatorOptionsSchema, type SimulatorOptions } from './schema.js';
import { startSimulator } from './start-simulator.js';

export type LogLine = (line: string) => void;

const writeLine: LogLine = (line) => {
  process.stdout.write(`${line}\n`);
};

interface CliArguments {
  port: number | undefined;
  host: string | undefined;
  configPath: string | undefined;
}

export const SIMULATOR_USAGE = 'Usage: switchyard simulate [--port N] [--host H] [--config FILE]';

/**
 * Parses the arguments, starts the simulator, prints where it listens, and resolves with the
 * exit code once SIGINT or SIGTERM (or `stop`, for tests and embedding) asks it to close.
 * Bad arguments or configuration print the problem and resolve 2 without starting.
 */
export async function runSimulatorCli(argv: string[], log: LogLine = writeLine, stop?: AbortSignal): Promise<number> {
  const parsed = parseArguments(argv);
  if (typeof parsed === 'string') {
    log(`${parsed}\n${SIMULATOR_USAGE}`);
    return 2;
  }
  const options = await loadOptions(parsed);
  if (typeof options === 'string') {
    log(options);
    return 2;
  }
  const simulator = await startSimulator(options);
  log(`Switchyard simulator listening on ${simulator.url} (base URL ${simulator.url}/v1) serving OpenAI (/v1/chat/completions, /v1/embeddings, /v1/models) and Anthropic (/v1/messages, /v1/messages/count_tokens) formats; control at ${simulator.url}/_simulator/`);
  await waitForStop(stop);
  await simulator.close();
  return 0;
}

function parseArguments(argv: string[]): CliArguments | string {
  const result: CliArguments = { port: undefined, host: undefined, configPath: undefined };
  for (let index = 0; index < argv.length; index++) {
    const flag = argv[index];
    const value = argv[index + 1];
    if (flag !== '--port' && flag !== '--host' && flag !== '--config') return `Unknown argument: ${flag}`;
    if (value === undefined || value.startsWith('--')) return `${flag} needs a value`;
    index++;
    if (flag === '--port') {
      const port = Number(value);
      if (!Number.isInteger(port) || port < 0 || port > 65535) return `--port must be an integer from 0 to 65535, got ${value}`;
      result.port = port;
    } else if (flag === '--host') {
      result.host = value;
    } else {
      result.configPath = value;
    }
  }
  return result;
}

async function loadOptions(cli: CliArguments): Promise<SimulatorOptions | string> {
  let fromFile: unknown = {};
  if (cli.configPath !== undefined) {
    try {
      fromFile = parseYaml(await readFile(cli.configPath, 'utf8')) ?? {};
    } catch (error) {
      return `Cannot read simulator config ${cli.configPath}: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  const result = simulatorOptionsSchema.safeParse(fromFile);
  if (!result.success) return `Invalid simulator config ${cli.configPath ?? ''}:\n${z.prettifyError(result.error)}`;
  const options = result.data;
  if (cli.port !== undefined) options.port = cli.port;
  if (cli.host !== undefined) options.host = cli.host;
  return options;
}

function waitForStop(stop: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const finish = (): void => {
      process.off('SIGINT', finish);
      process.off('SIGTERM', finish);
      stop?.removeEventListener('abort', finish);
      resolve();
    };
    process.once('SIGINT', finish);
    process.once('SIGTERM', finish);
    if (stop?.aborted === true) finish();
    else stop?.addEventListener('abort', finish, { once: true });
  });
}
