import { performance } from 'node:perf_hooks';
import type { Usage } from '../providers/chat-types.js';
import type { RuntimeTarget } from '../config/runtime-config.js';
import type { SurfaceName } from '../errors/error-envelope.js';
import type { FailureClass } from '../resilience/failure-class.js';
import type { LoggedAttempt } from '../store/store.js';
import { redactedBody } from '../telemetry/redact.js';
import type { Principal } from '../governance/key-directory.js';
import type { AdmissionTicket } from '../governance/limiter.js';
import type { RequestTrace } from '../telemetry/tracing.js';

export type AttemptOutcome = 'ok' | 'http_error' | 'network_error' | 'timeout' | 'stream_error' | 'invalid_response';

/** One upstream attempt, as reported in headers, debug output and the request log. */
export interface AttemptRecord {
  provider: string;
  model: string;
  key: string;
  fallback: number;
  status: number | undefined;
  outcome: AttemptOutcome;
  reason: string;
  /** How the routing classed a failed attempt; undefined for a success. */
  failureClass: FailureClass | undefined;
  durationMs: number;
}

/** Milliseconds to a hundredth, as logs and headers report them. */
export const hundredths = (milliseconds: number): number => Math.round(milliseconds * 100) / 100;

/** An attempt as the request log keeps it: durations to a hundredth of a millisecond. */
export function loggedAttempt(attempt: AttemptRecord): LoggedAttempt {
  return {
    provider: attempt.provider,
    model: attempt.model,
    key: attempt.key,
    fallback: attempt.fallback,
    status: attempt.status ?? null,
    outcome: attempt.outcome,
    reason: attempt.reason,
    durationMs: hundredths(attempt.durationMs),
  };
}

/** The JSON shape of an attempt in `x-switchyard-debug-attempts` and the admin API's request log. */
export function attemptJson(attempt: LoggedAttempt) {
  return { provider: attempt.provider, model: attempt.model, key: attempt.key, fallback: attempt.fallback, status: attempt.status, outcome: attempt.outcome, reason: attempt.reason, duration_ms: attempt.durationMs };
}

/** Everything one request accumulates on its way through the pipeline. Fixed shape. */
export class RequestContext {
  readonly id: string;
  readonly surface: SurfaceName;
  readonly startedAt: number;
  requestedModel = '';
  stream = false;
  provider = '';
  model = '';
  /** The target of the attempt answering now (the last one tried, once the request has ended). */
  target: RuntimeTarget | undefined = undefined;
  keyId = '';
  fallbackIndex = 0;
  /** Attempts started, the current one included (the attempt list only has finished ones). */
  attemptsStarted = 0;
  upstreamMs = 0;
  /** Time from arrival to the first content byte sent to the client (streams only). */
  ttftMs: number | undefined = undefined;
  /** Time from arrival to the end of the response or stream, set when the request finishes. */
  durationMs = 0;
  usage: Usage | undefined = undefined;
  /** Final HTTP status sent to the client (200 for a stream that committed, even if it broke later). */
  status = 0;
  /** Error code when the request failed, or its stream ended with an error event. */
  errorCode: string | undefined = undefined;
  readonly attempts: AttemptRecord[] = [];
  /** `x-switchyard-debug: 1`: the response carries the attempt list. */
  debug = false;
  readonly warnings: string[] = [];
  /** The virtual key the request authenticated with; undefined while the gateway is open. */
  principal: Principal | undefined = undefined;
  /** Its admission by the limiter, settled once when the request ends. */
  ticket: AdmissionTicket | undefined = undefined;
  /** Input tokens estimated from the body before the call, for budgets and interrupted streams. */
  estimatedInputTokens = 0;
  /** Characters of output relayed to the client, billed when a stream ends without usage. */
  streamedOutputChars = 0;
  /** Cost of the request, integer nano-USD, once settled. */
  costNanoUsd = 0;
  /** Bytes of each body to keep for the request log; 0 when content logging is off (the default). */
  contentMaxBytes = 0;
  /** Request and response bodies for the request log, redacted and capped; null unless content logging is on. */
  content: { request: string; response: string } | null = null;
  /** The request's spans while OpenTelemetry tracing is on (`OTEL_EXPORTER_OTLP_ENDPOINT`); undefined when it is off. */
  trace: RequestTrace | undefined = undefined;
  private streamedText = '';

  constructor(id: string, surface: SurfaceName, startedAt: number = performance.now()) {
    this.id = id;
    this.surface = surface;
    this.startedAt = startedAt;
  }

  /** Keeps the request body for the request log (content logging only). */
  captureRequest(body: unknown): void {
    if (this.contentMaxBytes === 0) return;
    this.content = { request: redactedBody(body, this.contentMaxBytes), response: '' };
  }

  /** Keeps a response body, or (streams) appends generated text, for the request log (content logging only). */
  captureResponse(text: string, append: boolean): void {
    if (this.content === null) return;
    if (!append) {
      this.content.response = redactedBody(text, this.contentMaxBytes);
      return;
    }
    if (this.streamedText.length > this.contentMaxBytes) return;
    this.streamedText += text;
    this.content.response = redactedBody(this.streamedText, this.contentMaxBytes);
  }

  /** Time spent in the gateway itself: elapsed time minus time waiting on upstreams. */
  overheadMs(now: number = performance.now()): number {
    return Math.max(0, now - this.startedAt - this.upstreamMs);
  }

  /** The attempts so far as JSON (the one answering now last, for a stream), for x-switchyard-debug. */
  debugAttempts(): string {
    const list = this.attempts.map((attempt) => attemptJson(loggedAttempt(attempt)));
    if (this.attemptsStarted > this.attempts.length) list.push({ provider: this.provider, model: this.model, key: this.keyId, fallback: this.fallbackIndex, status: 200, outcome: 'ok', reason: 'streaming', duration_ms: 0 });
    return JSON.stringify(list);
  }

  /**
   * The response headers SPEC section 3 puts on every proxied response, after `contentType`, as
   * the flat name/value list `writeHead` takes without re-processing an object.
   */
  responseHeaders(contentType: string): string[] {
    const headers = [
      'content-type',
      contentType,
      'x-request-id',
      this.id,
      'x-switchyard-provider',
      this.provider,
      'x-switchyard-model',
      this.model,
      'x-switchyard-key',
      this.keyId,
      'x-switchyard-attempts',
      String(this.attemptsStarted),
      'x-switchyard-fallback',
      String(this.fallbackIndex),
      'x-switchyard-overhead-ms',
      this.overheadMs().toFixed(2),
    ];
    if (this.warnings.length > 0) headers.push('x-switchyard-warnings', this.warnings.join('; '));
    if (this.debug) headers.push('x-switchyard-debug-attempts', this.debugAttempts());
    return headers;
  }
}
