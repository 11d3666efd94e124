import type { IncomingMessage } from 'node:http';
import { DiagLogLevel, ROOT_CONTEXT, SpanKind, SpanStatusCode, defaultTextMapGetter, defaultTextMapSetter, diag, trace } from '@opentelemetry/api';
import type { Attributes, Context, DiagLogger, Span, Tracer as ApiTracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_ERROR_TYPE, ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT, ATTR_SERVICE_NAME, ATTR_URL_PATH } from '@opentelemetry/semantic-conventions';
import type { RuntimeKey, RuntimeTarget } from '../config/runtime-config.js';
import type { AttemptRecord, RequestContext } from '../pipeline/request-context.js';
import type { Logger } from './logger.js';
import type { RequestTrace, Tracer, TracingSettings } from './tracing.js';

const ORIGIN_SECONDS = Math.floor(performance.timeOrigin / 1_000);
const ORIGIN_REMAINDER_MS = performance.timeOrigin - ORIGIN_SECONDS * 1_000;

/**
 * A monotonic `performance.now()` time as wall-clock [seconds, nanoseconds], from one fixed
 * origin. Given plain numbers, the SDK corrects each span by its own Date-vs-monotonic offset,
 * taken when the span starts, so a parent could appear to end before its child.
 */
function wallClockOf(monotonicMs: number): [number, number] {
  const sinceSecond = ORIGIN_REMAINDER_MS + monotonicMs;
  const wholeSeconds = Math.floor(sinceSecond / 1_000);
  const nanoseconds = Math.round((sinceSecond - wholeSeconds * 1_000) * 1e6);
  return nanoseconds >= 1e9 ? [ORIGIN_SECONDS + wholeSeconds + 1, nanoseconds - 1e9] : [ORIGIN_SECONDS + wholeSeconds, nanoseconds];
}

// The GenAI semantic conventions are still in development: their names are written out here, as
// the semantic-conventions package advises for its incubating entry point (tracing.test.ts checks
// them against it). `gen_ai.provider.name` replaced `gen_ai.system`.
export const GEN_AI_OPERATION_NAME = 'gen_ai.operation.name';
export const GEN_AI_PROVIDER_NAME = 'gen_ai.provider.name';
export const GEN_AI_REQUEST_MODEL = 'gen_ai.request.model';
export const GEN_AI_RESPONSE_MODEL = 'gen_ai.response.model';
export const GEN_AI_USAGE_INPUT_TOKENS = 'gen_ai.usage.input_tokens';
export const GEN_AI_USAGE_OUTPUT_TOKENS = 'gen_ai.usage.output_tokens';

/** Provider types whose GenAI name differs from the type; the others are used as they are (`openai`, `anthropic`, `groq`, …). */
const GEN_AI_PROVIDER_NAMES: ReadonlyMap<string, string> = new Map([
  ['mistral', 'mistral_ai'],
  ['xai', 'x_ai'],
]);

export function genAiProviderName(providerType: string): string {
  return GEN_AI_PROVIDER_NAMES.get(providerType) ?? providerType;
}

/** How long shutdown waits for the last spans to be exported. */
const SHUTDOWN_TIMEOUT_MS = 5_000;
/** Export problems are logged at most this often: an unreachable collector fails every batch. */
const DIAGNOSTIC_INTERVAL_MS = 60_000;

/** The OpenTelemetry SDK behind `Tracer`: a BasicTracerProvider, a batch processor and the OTLP/HTTP (JSON) exporter. */
export class OtelTracer implements Tracer {
  readonly url: string;
  readonly serviceName: string;
  readonly tracer: ApiTracer;
  readonly propagator = new W3CTraceContextPropagator();
  private readonly provider: BasicTracerProvider;

  constructor(
    settings: TracingSettings,
    private readonly logger?: Logger,
  ) {
    this.url = settings.url;
    this.serviceName = settings.serviceName;
    if (logger !== undefined) diag.setLogger(diagnosticsTo(logger, settings.url), { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
    const exporter = new OTLPTraceExporter({ url: settings.url, headers: settings.headers });
    const resource = defaultResource().merge(resourceFromAttributes({ ...settings.resourceAttributes, [ATTR_SERVICE_NAME]: settings.serviceName }));
    this.provider = new BasicTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(exporter)] });
    this.tracer = this.provider.getTracer('switchyard');
  }

  startRequest(context: RequestContext, request: IncomingMessage): void {
    const parent = request.headers.traceparent === undefined ? ROOT_CONTEXT : this.propagator.extract(ROOT_CONTEXT, request.headers, defaultTextMapGetter);
    const path = pathOf(request.url ?? '');
    const operation = path.endsWith('/embeddings') ? 'embeddings' : 'chat';
    const attributes: Attributes = {
      [ATTR_HTTP_REQUEST_METHOD]: request.method,
      [ATTR_URL_PATH]: path,
      [GEN_AI_OPERATION_NAME]: operation,
      'switchyard.request_id': context.id,
    };
    const span = this.tracer.startSpan(operation, { kind: SpanKind.SERVER, startTime: wallClockOf(context.startedAt), attributes }, parent);
    context.trace = new RequestSpans(this, context, span, operation);
  }

  endRequest(context: RequestContext): void {
    if (context.trace instanceof RequestSpans) context.trace.end();
  }

  async forceFlush(): Promise<void> {
    await this.provider.forceFlush();
  }

  async shutdown(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(resolve, SHUTDOWN_TIMEOUT_MS, 'timeout');
    });
    try {
      const outcome = await Promise.race([this.provider.shutdown(), timeout]);
      if (outcome === 'timeout') this.logger?.warn(`tracing: spans not exported within ${SHUTDOWN_TIMEOUT_MS} ms of shutdown were dropped`);
    } catch (error) {
      this.logger?.warn({ err: error }, 'tracing: exporting the last spans failed');
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The spans of one request: its SERVER span and the CLIENT span of the attempt running now. */
class RequestSpans implements RequestTrace {
  private readonly parent: Context;
  private attempt: Span | undefined = undefined;
  private attemptStartedAt = 0;

  constructor(
    private readonly owner: OtelTracer,
    private readonly context: RequestContext,
    private readonly span: Span,
    private readonly operation: string,
  ) {
    this.parent = trace.setSpan(ROOT_CONTEXT, span);
  }

  startAttempt(target: RuntimeTarget, key: RuntimeKey, fallbackIndex: number, startedAt: number): void {
    this.attempt?.end(wallClockOf(startedAt));
    const provider = target.provider;
    const server = serverOf(provider.baseUrl);
    const attributes: Attributes = {
      [GEN_AI_OPERATION_NAME]: this.operation,
      [GEN_AI_PROVIDER_NAME]: genAiProviderName(provider.type),
      [GEN_AI_REQUEST_MODEL]: target.model,
      [ATTR_SERVER_ADDRESS]: server.address,
      [ATTR_SERVER_PORT]: server.port,
      'switchyard.provider': provider.id,
      'switchyard.key': key.id,
      'switchyard.fallback': fallbackIndex,
      'switchyard.attempt': this.context.attemptsStarted,
    };
    this.attempt = this.owner.tracer.startSpan(`${this.operation} ${target.model}`, { kind: SpanKind.CLIENT, startTime: wallClockOf(startedAt), attributes }, this.parent);
    this.attemptStartedAt = startedAt;
  }

  endAttempt(record: AttemptRecord): void {
    const span = this.attempt;
    if (span === undefined) return;
    this.attempt = undefined;
    if (record.status !== undefined) span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, record.status);
    span.setAttribute('switchyard.attempt.outcome', record.outcome);
    span.setAttribute('switchyard.attempt.reason', record.reason);
    if (record.outcome === 'ok') {
      setUsage(span, this.context);
      // A stream that broke after its first content was delivered, with an error event.
      const errorCode = this.context.errorCode;
      if (errorCode !== undefined) markError(span, errorCode, errorCode !== 'client_closed', undefined);
    } else {
      if (record.failureClass !== undefined) span.setAttribute('switchyard.attempt.failure_class', record.failureClass);
      markError(span, record.failureClass ?? record.outcome, true, record.reason);
    }
    span.end(wallClockOf(this.attemptStartedAt + record.durationMs));
  }

  propagate(headers: Record<string, string>): void {
    if (this.attempt === undefined) return;
    this.owner.propagator.inject(trace.setSpan(ROOT_CONTEXT, this.attempt), headers, defaultTextMapSetter);
  }

  /** Ends the SERVER span once the request has been settled (status, usage and cost are final). */
  end(): void {
    const context = this.context;
    const span = this.span;
    if (this.attempt !== undefined) {
      // Its operation threw before the attempt could be recorded.
      markError(this.attempt, context.errorCode ?? 'internal_error', true, 'the attempt ended without an outcome');
      this.attempt.end(wallClockOf(context.startedAt + context.durationMs));
      this.attempt = undefined;
    }
    if (context.requestedModel !== '') {
      span.updateName(`${this.operation} ${context.requestedModel}`);
      span.setAttribute(GEN_AI_REQUEST_MODEL, context.requestedModel);
    }
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, context.status);
    span.setAttribute('switchyard.attempts', context.attemptsStarted);
    span.setAttribute('switchyard.fallback', context.fallbackIndex);
    const target = context.target;
    if (target !== undefined) {
      span.setAttribute(GEN_AI_PROVIDER_NAME, genAiProviderName(target.provider.type));
      span.setAttribute('switchyard.provider', target.provider.id);
      if (context.status < 400) span.setAttribute(GEN_AI_RESPONSE_MODEL, target.model);
    }
    setUsage(span, context);
    if (context.principal !== undefined) span.setAttribute('switchyard.virtual_key_id', context.principal.keyId);
    if (context.costNanoUsd > 0) span.setAttribute('switchyard.cost_usd', context.costNanoUsd / 1e9);
    const errorCode = context.errorCode;
    if (errorCode !== undefined) markError(span, errorCode, context.status >= 500 || (context.status < 400 && errorCode !== 'client_closed'), undefined);
    else if (context.status >= 500) markError(span, String(context.status), true, undefined);
    span.end(wallClockOf(context.startedAt + context.durationMs));
  }
}

function setUsage(span: Span, context: RequestContext): void {
  const usage = context.usage;
  if (usage === undefined) return;
  span.setAttribute(GEN_AI_USAGE_INPUT_TOKENS, usage.input_tokens);
  span.setAttribute(GEN_AI_USAGE_OUTPUT_TOKENS, usage.output_tokens);
}

/** Sets `error.type`; the span's status becomes ERROR only when `isError` (a client going away is not the server's error). */
function markError(span: Span, errorType: string, isError: boolean, message: string | undefined): void {
  span.setAttribute(ATTR_ERROR_TYPE, errorType);
  if (isError) span.setStatus(message === undefined ? { code: SpanStatusCode.ERROR } : { code: SpanStatusCode.ERROR, message });
}

/** The SDK reports export failures as a JSON-serialised error: its message is what is worth logging. */
function readable(message: string): string {
  if (!message.startsWith('{')) return message;
  try {
    const parsed = JSON.parse(message) as { message?: unknown };
    return typeof parsed.message === 'string' ? parsed.message : message;
  } catch {
    return message;
  }
}

function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

const servers = new Map<string, { address: string; port: number }>();

/** `server.address` and `server.port` of a provider's base URL, parsed once per URL. */
function serverOf(baseUrl: string): { address: string; port: number } {
  let server = servers.get(baseUrl);
  if (server === undefined) {
    try {
      const url = new URL(baseUrl);
      const address = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
      server = { address, port: url.port !== '' ? Number(url.port) : url.protocol === 'https:' ? 443 : 80 };
    } catch {
      server = { address: baseUrl, port: 0 };
    }
    servers.set(baseUrl, server);
  }
  return server;
}

/** OpenTelemetry's own warnings and errors (a collector that cannot be reached, …) into the gateway's log, at most once a minute. */
function diagnosticsTo(logger: Logger, url: string): DiagLogger {
  let lastLoggedAt = Number.NEGATIVE_INFINITY;
  const log = (message: string, ...args: unknown[]) => {
    const now = Date.now();
    if (now - lastLoggedAt < DIAGNOSTIC_INTERVAL_MS) return;
    lastLoggedAt = now;
    const detail = args.map((arg) => (arg instanceof Error ? arg.message : typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' ');
    logger.warn({ traces: url }, `tracing: ${readable(message)}${detail === '' ? '' : ` ${detail}`} (exporting to ${url}; further problems within a minute are not logged)`);
  };
  const ignore = () => undefined;
  return { error: log, warn: log, info: ignore, debug: ignore, verbose: ignore };
}
