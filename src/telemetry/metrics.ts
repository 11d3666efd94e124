import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

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

  readonly usageQueueDepth = new Gauge({
    name: 'switchyard_usage_queue_rows',
    help: 'Usage rows waiting to be written to the store',
    registers: [this.registry],
  });

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
