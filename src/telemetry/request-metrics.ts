import type { Registry } from 'prom-client';
import type { RuntimeConfig } from '../config/runtime-config.js';
import type { AttemptRecord, RequestContext } from '../pipeline/request-context.js';
import { LabelledCounter, LabelledHistogram } from './labelled-metrics.js';

const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
/** The OpenTelemetry GenAI semantic conventions' advice for token counts. */
const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];

/** Model label for a model no configuration names: client-chosen strings must not become series. */
export const UNLISTED_MODEL = '(unlisted)';

const knownModelsByConfig = new WeakMap<RuntimeConfig, ReadonlyMap<string, ReadonlySet<string>>>();

/** Upstream models each provider is configured with (group targets, `models`, key allow-lists). */
function knownModels(config: RuntimeConfig): ReadonlyMap<string, ReadonlySet<string>> {
  let known = knownModelsByConfig.get(config);
  if (known === undefined) {
    const byProvider = new Map<string, Set<string>>();
    const add = (provider: string, model: string) => {
      let models = byProvider.get(provider);
      if (models === undefined) byProvider.set(provider, (models = new Set()));
      models.add(model);
    };
    for (const provider of config.providers.values()) {
      for (const model of provider.models) add(provider.id, model);
      for (const key of provider.keyPool.keys) for (const model of key.allowModels ?? []) add(provider.id, model);
    }
    for (const group of config.groups.values()) for (const target of group.targets) add(target.provider.id, target.model);
    known = byProvider;
    knownModelsByConfig.set(config, known);
  }
  return known;
}

export function modelLabel(config: RuntimeConfig, provider: string, model: string): string {
  if (model === '') return '';
  return knownModels(config).get(provider)?.has(model) === true ? model : UNLISTED_MODEL;
}

function statusClass(status: number): string {
  return status >= 100 && status < 600 ? `${Math.floor(status / 100)}xx` : 'other';
}

/**
 * Per-request metrics (SPEC section 8), recorded once when a request has ended. Names follow the
 * OpenTelemetry GenAI conventions where one exists, in Prometheus form.
 */
export class RequestMetrics {
  private readonly requests: LabelledCounter;
  private readonly duration: LabelledHistogram;
  private readonly timeToFirstToken: LabelledHistogram;
  private readonly tokens: LabelledHistogram;
  private readonly cost: LabelledCounter;
  private readonly attempts: LabelledCounter;
  private readonly retries: LabelledCounter;
  private readonly fallbacks: LabelledCounter;

  constructor(registry: Registry) {
    this.requests = new LabelledCounter('switchyard_requests_total', 'Data-plane requests by surface, served provider and model, status class, error code and virtual key', ['surface', 'provider', 'model', 'status_class', 'code', 'virtual_key'], registry);
    this.duration = new LabelledHistogram('gen_ai_server_request_duration_seconds', 'Time from a request arriving to its response or stream ending (gen_ai.server.request.duration)', ['surface', 'provider', 'model'], SECONDS_BUCKETS, registry);
    this.timeToFirstToken = new LabelledHistogram('gen_ai_server_time_to_first_token_seconds', 'Time from a streamed request arriving to its first content chunk (gen_ai.server.time_to_first_token)', ['provider', 'model'], SECONDS_BUCKETS, registry);
    this.tokens = new LabelledHistogram('gen_ai_client_token_usage', 'Tokens per request by type: input, output, cached_input (gen_ai.client.token.usage)', ['gen_ai_token_type', 'provider', 'model'], TOKEN_BUCKETS, registry);
    this.cost = new LabelledCounter('switchyard_cost_usd_total', 'Cost of served requests in USD, from the price table', ['provider', 'model', 'virtual_key'], registry);
    this.attempts = new LabelledCounter('switchyard_upstream_attempts_total', 'Upstream attempts by provider, key id and outcome', ['provider', 'key', 'outcome'], registry);
    this.retries = new LabelledCounter('switchyard_retries_total', 'Failed attempts that were followed by another attempt, by provider and failure class', ['provider', 'reason'], registry);
    this.fallbacks = new LabelledCounter('switchyard_fallbacks_total', 'Requests that moved to a fallback route, by the failure class that moved them', ['reason'], registry);
  }

  observe(context: RequestContext, config: RuntimeConfig): void {
    const provider = context.provider;
    const model = modelLabel(config, provider, context.model);
    const virtualKey = context.principal?.keyId ?? '';
    const statusLabel = statusClass(context.status);
    const code = context.errorCode ?? '';
    const surface = context.surface;
    const served = `${provider}|${model}`;
    this.requests.inc(`${surface}|${served}|${statusLabel}|${code}|${virtualKey}`, [surface, provider, model, statusLabel, code, virtualKey]);
    this.duration.observe(`${surface}|${served}`, [surface, provider, model], context.durationMs / 1000);
    if (context.ttftMs !== undefined) this.timeToFirstToken.observe(served, [provider, model], context.ttftMs / 1000);
    const usage = context.usage;
    if (usage !== undefined) {
      this.tokens.observe(`input|${served}`, ['input', provider, model], usage.input_tokens);
      this.tokens.observe(`output|${served}`, ['output', provider, model], usage.output_tokens);
      if (usage.cached_input_tokens > 0) this.tokens.observe(`cached_input|${served}`, ['cached_input', provider, model], usage.cached_input_tokens);
    }
    if (context.costNanoUsd > 0) this.cost.inc(`${served}|${virtualKey}`, [provider, model, virtualKey], context.costNanoUsd / 1e9);
    this.observeAttempts(context.attempts);
  }

  private observeAttempts(attempts: readonly AttemptRecord[]): void {
    let lastFailureBeforeFallback: string | undefined;
    let movedToFallback = false;
    attempts.forEach((attempt, index) => {
      this.attempts.inc(`${attempt.provider}|${attempt.key}|${attempt.outcome}`, [attempt.provider, attempt.key, attempt.outcome]);
      const reason = attempt.failureClass;
      if (reason !== undefined && index < attempts.length - 1) this.retries.inc(`${attempt.provider}|${reason}`, [attempt.provider, reason]);
      if (attempt.fallback === 0 && reason !== undefined) lastFailureBeforeFallback = reason;
      if (attempt.fallback > 0) movedToFallback = true;
    });
    if (movedToFallback) {
      const reason = lastFailureBeforeFallback ?? 'unknown';
      this.fallbacks.inc(reason, [reason]);
    }
  }
}
