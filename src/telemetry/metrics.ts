import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { routesView } from '../admin/routes-view.js';
import type { RuntimeConfig } from '../config/runtime-config.js';
import { ROUTE_STATES } from '../resilience/route-health.js';
import { RequestMetrics } from './request-metrics.js';

/** What the scrape-time gauges read from the running gateway. */
export interface GatewayGauges {
  config(): RuntimeConfig;
  inFlight(): number;
  usageQueueRows(): number;
  requestLogQueueRows(): number;
}

/**
 * The gateway's Prometheus metrics, served at `/metrics`. Labels are bounded: provider, model
 * and key ids from the config or the store, never request ids or raw client strings.
 */
export class GatewayMetrics {
  readonly registry = new Registry();

  /** Requests whose model had no price: counted with cost 0, which a dashboard should flag. */
  readonly unpricedRequests = new Counter({
    name: 'switchyard_unpriced_requests_total',
    help: 'Requests served by a model with no known price (their cost is counted as 0); add the model under pricing:',
    labelNames: ['provider', 'model'] as const,
    registers: [this.registry],
  });

  /** Requests refused by a rate limit or a budget, by which kind of subject refused them. */
  readonly admissionRefusals = new Counter({
    name: 'switchyard_admission_refusals_total',
    help: 'Requests refused before any upstream call by a virtual key, team or customer limit or budget',
    labelNames: ['code', 'subject'] as const,
    registers: [this.registry],
  });

  readonly requestLogDropped = new Counter({
    name: 'switchyard_request_log_dropped_total',
    help: 'Request-log rows dropped because the write queue was full (requests are never held up for the log)',
    registers: [this.registry],
  });

  readonly requests = new RequestMetrics(this.registry);

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** Registers the gauges read at scrape time: in-flight requests, queues, and every route's state and weight. */
  bind(gauges: GatewayGauges): void {
    const registers = [this.registry];
    new Gauge({ name: 'switchyard_requests_in_flight', help: 'Data-plane requests being served', registers, collect() {
      this.set(gauges.inFlight());
    } });
    new Gauge({ name: 'switchyard_usage_queue_rows', help: 'Usage rows waiting to be written to the store', registers, collect() {
      this.set(gauges.usageQueueRows());
    } });
    new Gauge({ name: 'switchyard_request_log_queue_rows', help: 'Request-log rows waiting to be written to the store', registers, collect() {
      this.set(gauges.requestLogQueueRows());
    } });
    // The two target gauges are filled by the key-state gauge's collect: it is registered before
    // them, so the registry runs it first, and one walk over the routes serves all three.
    const targetState = new Gauge({ name: 'switchyard_target_state', help: 'State of each routing target (provider and model in a group): 1 for its state, 0 for the others', labelNames: ['group', 'provider', 'model', 'state'], registers: [] });
    const targetWeight = new Gauge({ name: 'switchyard_route_weight', help: 'Weight each target gets now: the adaptive score times its configured weight, or the configured weight', labelNames: ['group', 'provider', 'model'], registers: [] });
    new Gauge({ name: 'switchyard_route_state', help: 'State of each provider key: 1 for the state it is in, 0 for the others', labelNames: ['provider', 'key', 'state'], registers, collect() {
      this.reset();
      targetState.reset();
      targetWeight.reset();
      const seenKeys = new Set<string>();
      for (const target of routesView(gauges.config()).targets) {
        const labels = { group: target.group ?? '', provider: target.provider, model: target.model ?? '' };
        for (const state of ROUTE_STATES) targetState.set({ ...labels, state }, target.state === state ? 1 : 0);
        targetWeight.set(labels, target.adaptive?.effective_weight ?? target.weight);
        for (const key of target.keys) {
          if (seenKeys.has(`${target.provider}/${key.id}`)) continue;
          seenKeys.add(`${target.provider}/${key.id}`);
          for (const state of ROUTE_STATES) this.set({ provider: target.provider, key: key.id, state }, key.state === state ? 1 : 0);
        }
      }
    } });
    this.registry.registerMetric(targetState);
    this.registry.registerMetric(targetWeight);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
