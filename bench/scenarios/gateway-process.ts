import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isListeningMessage } from '../servers/child-protocol.js';

export interface GatewayProcess {
  url: string;
  /** Whether the process has ended (before stop(): it crashed). */
  exited(): boolean;
  /** Kills the gateway and resolves once it has exited. */
  stop(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 15_000;
const running = new Set<ChildProcess>();

/** `.js` when run compiled from dist/, `.ts` through tsx: the server sits next to this file. */
function serverEntry(): string {
  const extension = extname(fileURLToPath(import.meta.url));
  return fileURLToPath(new URL(`./gateway-server${extension}`, import.meta.url));
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve();
      return;
    }
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** Forks a gateway with this config and resolves with its URL once it listens on 127.0.0.1. */
export function startGatewayProcess(config: unknown): Promise<GatewayProcess> {
  const child = fork(serverEntry(), [JSON.stringify(config)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
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
    const timer = setTimeout(() => fail(new Error(`the gateway did not report a port within ${STARTUP_TIMEOUT_MS} ms`)), STARTUP_TIMEOUT_MS);
    child.once('error', fail);
    child.once('exit', (code, signal) => fail(new Error(`the gateway exited before listening (code ${code}, signal ${signal})`)));
    child.on('message', (message) => {
      if (settled || !isListeningMessage(message)) return;
      settled = true;
      clearTimeout(timer);
      resolve({ url: `http://127.0.0.1:${message.port}`, exited: () => child.exitCode !== null || child.signalCode !== null, stop: () => stopChild(child) });
    });
  });
}

/** Kills every gateway still running; synchronous so it also works from an 'exit' handler. */
export function killGatewayProcesses(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

/** However the lab ends (normal exit, error, Ctrl-C, SIGTERM), no gateway outlives it. */
export function killGatewayProcessesOnExit(): void {
  process.once('exit', killGatewayProcesses);
  const exitCodes = { SIGINT: 130, SIGTERM: 143 } as const;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killGatewayProcesses();
      process.exit(exitCodes[signal]);
    });
  }
}
