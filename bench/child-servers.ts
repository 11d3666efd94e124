import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isListeningMessage } from './servers/child-protocol.js';

export type ServerName = 'upstream' | 'floor' | 'switchyard';

export interface ChildServer {
  name: ServerName;
  url: string;
}

const STARTUP_TIMEOUT_MS = 15_000;
const running = new Set<ChildProcess>();

/** `.js` when run compiled from dist/, `.ts` when run through tsx: the servers sit next to this file. */
function serverEntry(name: ServerName): string {
  const extension = extname(fileURLToPath(import.meta.url));
  return fileURLToPath(new URL(`./servers/${name}${extension}`, import.meta.url));
}

/** Forks one benchmark server into its own process and resolves with its URL once it listens. */
export function startChildServer(name: ServerName, args: string[] = []): Promise<ChildServer> {
  const child = fork(serverEntry(name), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} server did not report a port within ${STARTUP_TIMEOUT_MS} ms`)), STARTUP_TIMEOUT_MS);
    child.once('error', reject);
    child.once('exit', (code, signal) => reject(new Error(`${name} server exited before listening (code ${code}, signal ${signal})`)));
    child.on('message', (message) => {
      if (!isListeningMessage(message)) return;
      clearTimeout(timer);
      resolve({ name, url: `http://127.0.0.1:${message.port}` });
    });
  });
}

/** Kills every server still running; synchronous so it also works from an 'exit' handler. */
export function killChildServers(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

/** However the parent ends (normal exit, error, Ctrl-C, SIGTERM), no server outlives it. */
export function killChildServersOnExit(): void {
  process.once('exit', killChildServers);
  const exitCodes = { SIGINT: 130, SIGTERM: 143 } as const;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killChildServers();
      process.exit(exitCodes[signal]);
    });
  }
}
