import type { RuntimeConfig } from './config/runtime-config.js';
import type { RequestContext } from './pipeline/request-context.js';
import { UpstreamTransport } from './upstream/transport.js';

/**
 * The state one gateway process shares across requests: the current config snapshot (swapped
 * whole on reload, never mutated), the upstream connection pools, and the shutdown switch.
 */
/** Told about every data-plane request once it has ended (usage settlement, request log, metrics). */
export type RequestListener = (context: RequestContext) => void;

export class Gateway {
  private readonly requestListeners: RequestListener[] = [];
  private current: RuntimeConfig;
  readonly transport: UpstreamTransport;
  private readonly shutdownController = new AbortController();
  private drainingSince: number | undefined = undefined;

  constructor(config: RuntimeConfig, transport: UpstreamTransport = new UpstreamTransport()) {
    this.current = config;
    this.transport = transport;
  }

  get config(): RuntimeConfig {
    return this.current;
  }

  /** Replace the config snapshot; requests already running keep the one they started with. */
  swapConfig(config: RuntimeConfig): void {
    this.current = config;
  }

  onRequestFinished(listener: RequestListener): void {
    this.requestListeners.push(listener);
  }

  /** Called once per request, after its response or stream has ended. */
  requestFinished(context: RequestContext): void {
    for (const listener of this.requestListeners) listener(context);
  }

  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  /** Aborted when the drain time runs out: open streams end with an error event. */
  get shutdownSignal(): AbortSignal {
    return this.shutdownController.signal;
  }

  startDraining(): void {
    this.drainingSince ??= Date.now();
  }

  abortInFlight(): void {
    this.shutdownController.abort(new Error('the gateway is shutting down'));
  }

  async close(): Promise<void> {
    await this.transport.close();
  }
}
