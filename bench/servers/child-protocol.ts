import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';

/** The one message a benchmark server sends its parent over IPC once it accepts connections. */
export interface ListeningMessage {
  type: 'listening';
  port: number;
}

/** Asked of a benchmark server over IPC: its CPU time so far, to charge it per request. */
export interface CpuUsageMessage {
  type: 'cpu';
  /** User + system CPU time of the process, microseconds; only in the answer. */
  micros?: number;
}

export function isCpuUsageMessage(message: unknown): message is CpuUsageMessage {
  return typeof message === 'object' && message !== null && (message as Partial<CpuUsageMessage>).type === 'cpu';
}

export function isListeningMessage(message: unknown): message is ListeningMessage {
  const candidate = message as Partial<ListeningMessage> | null;
  return typeof candidate === 'object' && candidate !== null && candidate.type === 'listening' && typeof candidate.port === 'number';
}

export function portOf(server: Server): number {
  return (server.address() as AddressInfo).port;
}

/**
 * Tells the parent the port, and ties this process's life to the parent's: when the IPC channel
 * closes (parent exited, even by SIGKILL) the server exits instead of lingering.
 */
export function reportListening(port: number): void {
  if (process.send === undefined) throw new Error('a benchmark server must be started with child_process.fork');
  process.on('disconnect', () => process.exit(0));
  process.on('message', (asked) => {
    if (!isCpuUsageMessage(asked)) return;
    const usage = process.cpuUsage();
    const answer: CpuUsageMessage = { type: 'cpu', micros: usage.user + usage.system };
    process.send?.(answer);
  });
  const message: ListeningMessage = { type: 'listening', port };
  process.send(message);
}

/** The single command-line argument a proxy server takes: the upstream's base URL. */
export function upstreamUrlArgument(): string {
  const url = process.argv[2];
  if (url === undefined) throw new Error('usage: <server> <upstream base url>');
  return url;
}
