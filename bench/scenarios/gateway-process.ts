import type { ChildProcess } from 'node:child_process';
import { entryNextTo, forkListening } from '../child-servers.js';

export interface GatewayProcess {
  url: string;
  /** Whether the process has ended (before stop(): it crashed). */
  exited(): boolean;
  /** Kills the gateway and resolves once it has exited. */
  stop(): Promise<void>;
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
export async function startGatewayProcess(config: unknown): Promise<GatewayProcess> {
  const { url, child } = await forkListening(entryNextTo('./gateway-server', import.meta.url), [JSON.stringify(config)], 'the gateway');
  return { url, exited: () => child.exitCode !== null || child.signalCode !== null, stop: () => stopChild(child) };
}
