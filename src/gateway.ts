import { performance } from 'node:perf_hooks';
import type { RuntimeConfig } from './config/runtime-config.js';
import { Governance } from './governance/governance.js';
import type { Store } from './store/store.js';
import type { Logger } from './telemetry/logger.js';
import { GatewayMetrics } from './telemetry/metrics.js';
import { RequestLogWriter } from './telemetry/request-log-writer.js';
import type { Tracer } from './telemetry/tracing.js';
import { createTracer } from './telemetry/tracing.js';
import type { RequestContext } from './pipeline/request-context.js';
import type { RequestSignals } from './pipeline/request-signals.js';
import { isRescoring } from './routing/balancers.js';
import { UpstreamTransport } from './upstream/transport.js';

/** How often first-byte and total time limits are checked: they fire at most this late. */
export const DEADLINE_SWEEP_MS = 50;

function sweepDeadlines(inFlight: ReadonlySet<RequestSignals>): void {
  const now = performance.now();
  for (const signals of inFlight) signals.checkDeadlines(now);
}

function rescoreRoutes(gateway: Gateway): void {
  const config = gateway.config;
  const now = performance.now();
  for (const group of config.groups.values()) if (isRescoring(group.balancer)) group.balancer.recompute(now);
  for (const provider of config.providers.values()) if (isRescoring(provider.keyPool.balancer)) provider.keyPool.balancer.recompute(now);
}

/**
 * Builds a gateway on an opened, migrated store: loads virtual keys and restores budgets' spend
 * first. Traces are exported when `environment` (process.env by default) sets an OTLP endpoint.
 */
export async function openGateway(
  config: RuntimeConfig,
  store: Store,
  options: { logger?: Logger | undefined; transport?: UpstreamTransport; environment?: NodeJS.ProcessEnv } = {},
): Promise<Gateway> {
  const metrics = new GatewayMetrics();
  const governance = await Governance.open(config, store, { logger: options.logger, metrics });
  const tracer = await createTracer(options.environment ?? process.env, options.logger);
  return new Gateway(config, governance, options.transport, options.logger, tracer);
}

/** Told about every data-plane request once it has ended (usage settlement, request log, metrics). */
export type RequestListener = (context: RequestContext) => void;

/**
 * The state one gateway process shares across requests: the current config snapshot (swapped
 * whole on reload, never mutated), governance (keys, limits, budgets, usage), the upstream
 * connection pools, the requests in flight, and the shutdown switch.
 */
export class Gateway {
  private readonly requestListeners: RequestListener[] = [];
  private current: RuntimeConfig;
  readonly transport: UpstreamTransport;
  /** Requests in flight, so the deadline sweep and the drain deadline can reach them. */
  private readonly inFlight = new Set<RequestSignals>();
  private isDraining = false;
  private abortedInFlight = false;
  /** Enforces attempts' first-byte and total time limits: one sweep for all requests instead of a timer each. */
  private readonly deadlineSweep: NodeJS.Timeout;
  /** Recomputes adaptive scores every `routing.adaptive.interval_ms`, off the request path. */
  private readonly rescoring: NodeJS.Timeout;

  readonly governance: Governance;
  readonly metrics: GatewayMetrics;
  /** Undefined when `observability.request_log.enabled` is false. */
  readonly requestLog: RequestLogWriter | undefined;
  /** OpenTelemetry traces; undefined when no OTLP endpoint is set. Its owner shuts it down after `close()`. */
  readonly tracer: Tracer | undefined;

  constructor(config: RuntimeConfig, governance: Governance, transport: UpstreamTransport = new UpstreamTransport(), logger?: Logger, tracer?: Tracer) {
    this.current = config;
    this.governance = governance;
    this.metrics = governance.metrics;
    this.transport = transport;
    this.tracer = tracer;
    const logSettings = config.observability.request_log;
    this.requestLog = logSettings.enabled ? new RequestLogWriter(governance.store, logSettings, this.metrics, logger) : undefined;
    const countRequests = config.observability.metrics.enabled;
    this.requestListeners.push((context) => {
      governance.settle(context);
      if (countRequests) this.metrics.requests.observe(context, this.current);
      this.requestLog?.record(context);
      tracer?.endRequest(context);
    });
    this.metrics.bind({
      config: () => this.current,
      inFlight: () => this.inFlight.size,
      usageQueueRows: () => governance.recorder.pending,
      requestLogQueueRows: () => this.requestLog?.pending ?? 0,
    });
    this.deadlineSweep = setInterval(sweepDeadlines, DEADLINE_SWEEP_MS, this.inFlight);
    this.deadlineSweep.unref();
    this.rescoring = setInterval(rescoreRoutes, config.routing.adaptive.interval_ms, this);
    this.rescoring.unref();
  }

  get config(): RuntimeConfig {
    return this.current;
  }

  /** Replace the config snapshot; requests already running keep the one they started with. */
  async swapConfig(config: RuntimeConfig): Promise<void> {
    await this.governance.applyConfig(config);
    this.current = config;
  }

  onRequestFinished(listener: RequestListener): void {
    this.requestListeners.push(listener);
  }

  /** Called once per request, after its response or stream has ended. */
  requestFinished(context: RequestContext, signals: RequestSignals): void {
    this.inFlight.delete(signals);
    context.durationMs = performance.now() - context.startedAt;
    for (const listener of this.requestListeners) listener(context);
  }

  get draining(): boolean {
    return this.isDraining;
  }

  requestStarted(signals: RequestSignals): void {
    if (this.abortedInFlight) signals.shutdown();
    this.inFlight.add(signals);
  }

  startDraining(): void {
    this.isDraining = true;
  }

  /** The drain time is up: every request still running is cut (streams end with an error event). */
  abortInFlight(): void {
    this.abortedInFlight = true;
    for (const signals of this.inFlight) signals.shutdown();
  }

  async close(): Promise<void> {
    clearInterval(this.deadlineSweep);
    clearInterval(this.rescoring);
    await this.transport.close();
    await this.requestLog?.close();
    await this.governance.close();
  }
}
