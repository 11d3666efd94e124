import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';

/** The one message a benchmark server sends its parent over IPC once it accepts connections. */
export interface ListeningMessage {
  type: 'listening';
  port: number;
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
  const message: ListeningMessage = { type: 'listening', port };
  process.send(message);
}

/** The single command-line argument a proxy server takes: the upstream's base URL. */
export function upstreamUrlArgument(): string {
  const url = process.argv[2];
  if (url === undefined) throw new Error('usage: <server> <upstream base url>');
  return url;
}
