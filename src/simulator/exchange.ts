/**
 * One data-plane request: parse, count, admit against the key's rate limit, apply the first
 * fault that fires, then answer (after the configured delays, or at once when there are none).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EffectiveBehaviour } from './behaviour.js';
import { takeFault } from './behaviour.js';
import type { Fault } from './schema.js';
import { ANONYMOUS_KEY, type SimulatorState } from './simulator-state.js';
import { StreamPlayer, type StreamEnding, type StreamTiming } from './stream-player.js';
import { problem, type DataEndpoint, type PreparedAnswer, type RequestProblem, type WireFormat } from './wire-format.js';

const NO_STALL = Number.MAX_SAFE_INTEGER;

export class Exchange {
  private readonly format: WireFormat;
  private readonly key: string;
  private readonly behaviour: EffectiveBehaviour;
  private readonly headers: Record<string, string> = {};

  constructor(
    private readonly state: SimulatorState,
    private readonly endpoint: DataEndpoint,
    private readonly request: IncomingMessage,
    private readonly response: ServerResponse,
  ) {
    this.format = endpoint.format;
    this.key = this.format.apiKey(request.headers) ?? ANONYMOUS_KEY;
    this.behaviour = state.behaviourFor(this.key);
    this.format.addResponseHeaders(this.headers);
  }

  /** `bodyText` is undefined for GET endpoints. */
  serve(bodyText: string | undefined): void {
    const answer = this.prepare(bodyText);
    if (answer.kind === 'problem') {
      this.state.stats.request(this.key, false);
      this.sendProblem(answer);
      return;
    }
    const isStream = answer.kind === 'stream';
    this.state.stats.request(this.key, isStream);
    if (!this.endpoint.appliesBehaviour) {
      this.deliver(answer, 0, undefined);
      return;
    }
    if (!this.admit(answer)) return;
    const fault = takeFault(this.behaviour.faults, isStream);
    if (fault === undefined) this.deliver(answer, 0, undefined);
    else this.applyFault(fault, answer);
  }

  /** Refuses a request whose body could not be read (too large). */
  refuse(status: number, message: string): void {
    this.state.stats.request(this.key, false);
    this.headers.connection = 'close';
    this.sendProblem(problem(status, message));
  }

  private prepare(bodyText: string | undefined): PreparedAnswer | RequestProblem {
    const headerProblem = this.format.checkHeaders(this.request.headers);
    if (headerProblem !== undefined) return headerProblem;
    let body: unknown;
    if (bodyText !== undefined) {
      try {
        body = JSON.parse(bodyText);
      } catch {
        return this.format.malformedJson();
      }
    }
    return this.endpoint.prepare(body, { behaviour: this.behaviour, headers: this.request.headers });
  }

  private admit(answer: PreparedAnswer): boolean {
    const limits = this.behaviour.rateLimit;
    if (limits === undefined) return true;
    const now = Date.now();
    const admission = this.state.limiterFor(this.key).admit(limits, answer.inputTokens + answer.outputTokens, now);
    this.format.addRateLimitHeaders(admission.snapshot, now, this.headers);
    if (admission.allowed) return true;
    this.state.stats.rateLimited(this.key);
    const limitedBy = admission.limitedBy ?? 'requests';
    const limit = (limitedBy === 'requests' ? limits.requests_per_minute : limits.tokens_per_minute) ?? 0;
    this.headers['retry-after'] = String(Math.max(1, Math.ceil(admission.retryAfterMs / 1000)));
    if (this.format.name === 'openai') this.headers['retry-after-ms'] = String(Math.ceil(admission.retryAfterMs));
    const message = this.format.rateLimitMessage(limitedBy, limit);
    this.sendProblem(problem(429, message, { type: this.format.name === 'openai' ? limitedBy : undefined }));
    return false;
  }

  private applyFault(fault: Fault, answer: PreparedAnswer): void {
    this.state.stats.fault(this.key, fault.type);
    switch (fault.type) {
      case 'status':
        this.sendStatusFault(fault);
        return;
      case 'hang':
        return;
      case 'reset':
        this.request.socket.resetAndDestroy();
        return;
      case 'slow_first_byte':
        this.deliver(answer, fault.delay_ms, undefined);
        return;
      case 'cut_stream':
      case 'error_event':
      case 'stall':
        this.deliver(answer, 0, fault);
        return;
    }
  }

  private sendStatusFault(fault: Extract<Fault, { type: 'status' }>): void {
    if (fault.retry_after_s !== undefined) this.headers['retry-after'] = String(fault.retry_after_s);
    if (fault.retry_after_ms !== undefined) this.headers['retry-after-ms'] = String(fault.retry_after_ms);
    const message = fault.message ?? this.format.defaultErrorMessage(fault.status);
    this.sendProblem(problem(fault.status, message));
  }

  private deliver(answer: PreparedAnswer, firstByteDelayMs: number, streamFault: StreamFault | undefined): void {
    if (answer.kind === 'json') {
      const delay = firstByteDelayMs + (this.endpoint.appliesBehaviour ? this.behaviour.latencyMs : 0);
      if (delay <= 0) this.sendAnswer(answer);
      else this.later(delay, () => this.sendAnswer(answer));
    } else if (firstByteDelayMs <= 0) {
      this.startStream(answer, streamFault);
    } else {
      this.later(firstByteDelayMs, () => this.startStream(answer, streamFault));
    }
  }

  private sendAnswer(answer: Extract<PreparedAnswer, { kind: 'json' }>): void {
    this.state.stats.tokens(this.key, answer.inputTokens, answer.outputTokens);
    this.sendJson(200, answer.body);
  }

  private startStream(answer: Extract<PreparedAnswer, { kind: 'stream' }>, streamFault: StreamFault | undefined): void {
    if (this.response.destroyed) return;
    this.state.stats.tokens(this.key, answer.inputTokens, answer.outputTokens);
    this.state.stats.status(this.key, 200);
    this.headers['content-type'] = 'text/event-stream; charset=utf-8';
    this.headers['cache-control'] = 'no-cache';
    this.response.writeHead(200, this.headers);
    new StreamPlayer(this.response, answer.frames, this.streamTiming(streamFault), this.streamEnding(streamFault)).start();
  }

  private streamTiming(streamFault: StreamFault | undefined): StreamTiming {
    const { ttftMs, tokensPerSecond, chunkTokens } = this.behaviour;
    const intervalMs = tokensPerSecond > 0 ? (chunkTokens / tokensPerSecond) * 1000 : 0;
    const stall = streamFault?.type === 'stall' ? streamFault : undefined;
    return { ttftMs, intervalMs, stallAfter: stall?.after_chunks ?? NO_STALL, stallMs: stall?.ms ?? 0 };
  }

  private streamEnding(streamFault: StreamFault | undefined): StreamEnding {
    if (streamFault?.type === 'cut_stream') return { kind: 'cut', afterChunks: streamFault.after_chunks };
    if (streamFault?.type === 'error_event') {
      const message = streamFault.message ?? this.format.defaultErrorMessage(529);
      return { kind: 'error', afterChunks: streamFault.after_chunks, frame: this.format.streamErrorFrame(message) };
    }
    return { kind: 'complete' };
  }

  private sendProblem(refusal: RequestProblem): void {
    this.sendJson(refusal.status, this.format.errorBody(refusal));
  }

  private sendJson(status: number, body: string): void {
    if (this.response.destroyed) return;
    this.state.stats.status(this.key, status);
    this.headers['content-type'] = 'application/json';
    this.headers['content-length'] = String(Buffer.byteLength(body));
    this.response.writeHead(status, this.headers);
    this.response.end(body);
  }

  private later(delayMs: number, action: () => void): void {
    const timer = setTimeout(action, delayMs);
    this.response.once('close', () => clearTimeout(timer));
  }
}

type StreamFault = Extract<Fault, { type: 'cut_stream' | 'error_event' | 'stall' }>;
