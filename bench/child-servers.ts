import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isCpuUsageMessage, isListeningMessage } from './servers/child-protocol.js';

export type ServerName = 'upstream' | 'floor' | 'switchyard';

export interface ChildServer {
  name: ServerName;
  url: string;
  /** The server's CPU time so far (user + system), microseconds. */
  cpuMicros(): Promise<number>;
}

/** Asks a benchmark server for its CPU time over IPC. */
function askCpuMicros(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('a benchmark server did not report its CPU time')), 5_000);
    const answered = (message: unknown): void => {
      if (!isCpuUsageMessage(message) || message.micros === undefined) return;
      clearTimeout(timer);
      child.off('message', answered);
      resolve(message.micros);
    };
    child.on('message', answered);
    child.send({ type: 'cpu' });
  });
}

/** A server forked into its own process, listening on 127.0.0.1. */
export interface ListeningChild {
  url: string;
  child: ChildProcess;
}

const STARTUP_TIMEOUT_MS = 15_000;
const running = new Set<ChildProcess>();

/** `.js` when run compiled from dist/, `.ts` when run through tsx: `relativePath` is from this folder, without extension. */
export function entryNextTo(relativePath: string, base: string = import.meta.url): string {
  const extension = extname(fileURLToPath(base));
  return fileURLToPath(new URL(`${relativePath}${extension}`, base));
}

/**
 * Forks `entry` with `args` and resolves once it reports its port over IPC. A child that fails to
 * start is killed; every child is killed by `killChildServers`.
 */
export function forkListening(entry: string, args: string[], label: string): Promise<ListeningChild> {
  const child = fork(entry, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (error: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    const timer = setTimeout(() => fail(new Error(`${label} did not report a port within ${STARTUP_TIMEOUT_MS} ms`)), STARTUP_TIMEOUT_MS);
    child.once('error', fail);
    child.once('exit', (code, signal) => fail(new Error(`${label} exited before listening (code ${code}, signal ${signal})`)));
    child.on('message', (message) => {
      if (settled || !isListeningMessage(message)) return;
      settled = true;
      clearTimeout(timer);
      resolve({ url: `http://127.0.0.1:${message.port}`, child });
    });
  });
}

/** Forks one benchmark server into its own process and resolves with its URL once it listens. */
export async function startChildServer(name: ServerName, args: string[] = []): Promise<ChildServer> {
  const { url, child } = await forkListening(entryNextTo(`./servers/${name}`), args, `${name} server`);
  return { name, url, cpuMicros: () => askCpuMicros(child) };
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
