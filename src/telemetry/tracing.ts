import type { IncomingMessage } from 'node:http';
import type { RuntimeKey, RuntimeTarget } from '../config/runtime-config.js';
import type { AttemptRecord, RequestContext } from '../pipeline/request-context.js';
import type { Logger } from './logger.js';

/**
 * OpenTelemetry traces over OTLP/HTTP (SPEC section 8), on when `OTEL_EXPORTER_OTLP_ENDPOINT` or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set.
 *
 * Off, nothing of OpenTelemetry is loaded: `createTracer` returns undefined before its dynamic
 * import, the gateway's `tracer` and every request's `context.trace` stay undefined, and the
 * request path pays one undefined check per hook.
 *
 * On, a data-plane request is one SERVER span (`chat gpt-4o-mini`), child of the client's
 * `traceparent` when it sent one; each upstream attempt is a CLIENT span under it
 * (`chat <upstream model>`), and the attempt's call carries a `traceparent` naming that span, so
 * the provider's own spans join the trace. Attribute names follow the GenAI semantic conventions.
 */
export interface Tracer {
  /** Where spans are exported, for the startup log. */
  readonly url: string;
  readonly serviceName: string;
  /** Opens the request's SERVER span (its start is `context.startedAt`) and sets `context.trace`. */
  startRequest(context: RequestContext, request: IncomingMessage): void;
  /** Ends the SERVER span with what became of the request; called once it has been settled. */
  endRequest(context: RequestContext): void;
  /** Exports the spans ended so far. */
  forceFlush(): Promise<void>;
  /** Exports what is left and stops; bounded, so an unreachable collector cannot hold up an exit. */
  shutdown(): Promise<void>;
}

/**
 * The spans of one request, on `RequestContext.trace` while tracing is on. The attempt loop and
 * the upstream call reach it through the context, so neither needs the gateway.
 */
export interface RequestTrace {
  /** Opens the CLIENT span of the attempt about to be made; `startedAt` is its performance.now() time. */
  startAttempt(target: RuntimeTarget, key: RuntimeKey, fallbackIndex: number, startedAt: number): void;
  /** Ends the running attempt's span with its record (status, outcome, reason). */
  endAttempt(record: AttemptRecord): void;
  /** Adds `traceparent` (and `tracestate`) naming the running attempt's span to an upstream call's headers. */
  propagate(headers: Record<string, string>): void;
}

export interface TracingSettings {
  /** Full URL spans are posted to. */
  url: string;
  serviceName: string;
  /** Extra headers for the collector (`OTEL_EXPORTER_OTLP_HEADERS`, then the traces-only ones). */
  headers: Record<string, string>;
  /** `OTEL_RESOURCE_ATTRIBUTES`, without `service.name` (that is `serviceName`). */
  resourceAttributes: Record<string, string>;
  /** `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL` or `OTEL_EXPORTER_OTLP_PROTOCOL`, when set. */
  protocol: string | undefined;
}

/**
 * Reads the standard OpenTelemetry variables: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is used as is,
 * `OTEL_EXPORTER_OTLP_ENDPOINT` is a base URL that gets `/v1/traces`; undefined when neither is set.
 */
export function tracingSettings(environment: NodeJS.ProcessEnv): TracingSettings | undefined {
  const url = tracesUrl(environment);
  if (url === undefined) return undefined;
  const resourceAttributes = parseKeyValuePairs(environment.OTEL_RESOURCE_ATTRIBUTES);
  const serviceName = environment.OTEL_SERVICE_NAME?.trim() || resourceAttributes['service.name'] || 'switchyard';
  delete resourceAttributes['service.name'];
  const headers = { ...parseKeyValuePairs(environment.OTEL_EXPORTER_OTLP_HEADERS), ...parseKeyValuePairs(environment.OTEL_EXPORTER_OTLP_TRACES_HEADERS) };
  const protocol = (environment.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? environment.OTEL_EXPORTER_OTLP_PROTOCOL)?.trim() || undefined;
  return { url, serviceName, headers, resourceAttributes, protocol };
}

function tracesUrl(environment: NodeJS.ProcessEnv): string | undefined {
  const tracesEndpoint = environment.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (tracesEndpoint) return tracesEndpoint;
  const endpoint = environment.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (!endpoint) return undefined;
  return `${endpoint.endsWith('/') ? endpoint : `${endpoint}/`}v1/traces`;
}

/** `key1=value1,key2=value2`, values percent-encoded: the format of the OTLP headers and resource attribute variables. */
export function parseKeyValuePairs(text: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  if (text === undefined) return headers;
  for (const pair of text.split(',')) {
    const equals = pair.indexOf('=');
    if (equals <= 0) continue;
    const name = pair.slice(0, equals).trim();
    const value = pair.slice(equals + 1).trim();
    if (name === '') continue;
    try {
      headers[name] = decodeURIComponent(value);
    } catch {
      headers[name] = value;
    }
  }
  return headers;
}

/**
 * The gateway's tracer, or undefined when tracing is off. The OpenTelemetry SDK is imported here,
 * on demand, so a gateway without the variables never loads it.
 */
export async function createTracer(environment: NodeJS.ProcessEnv, logger?: Logger): Promise<Tracer | undefined> {
  const settings = tracingSettings(environment);
  if (settings === undefined) return undefined;
  if (settings.protocol === 'grpc') logger?.warn(`tracing: the OTLP protocol is set to grpc, but Switchyard exports traces over OTLP/HTTP (JSON) to ${settings.url}`);
  const { OtelTracer } = await import('./otel-tracer.js');
  return new OtelTracer(settings, logger);
}
