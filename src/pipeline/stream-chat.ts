import type { ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { ChatChunk } from '../providers/chat-types.js';
import { chunkHasContent, chunkOutputLength, chunkText } from '../providers/chat-types.js';
import type { SseEvent, StreamOutput, StreamTranslator, UpstreamCall } from '../providers/spec.js';
import { SseParser } from '../upstream/sse-parser.js';
import type { UpstreamResponse, UpstreamTransport } from '../upstream/transport.js';
import { classifyNetworkError } from '../upstream/transport.js';
import type { Attempt, AttemptResult } from './attempt-loop.js';
import type { RequestContext } from './request-context.js';
import type { RequestSignals } from './request-signals.js';
import { sendCall } from './upstream-call.js';
import { networkFailure, streamFailure } from './upstream-failure.js';

/** Renders canonical stream outputs in one surface's framing. */
export interface ChatStreamWriter {
  readonly contentType: string;
  /** The bytes for one chunk; '' to leave it out (a usage chunk the client did not ask for). */
  chunk(chunk: ChatChunk, raw: string | undefined): string;
  /** The surface's terminal error event for a failure after the commit point. */
  error(message: string, type: string): string;
  /** The surface's clean terminator. */
  done(): string;
}

/** Hands the response over to the stream: called once, at the commit point. */
export type CommitResponse = (context: RequestContext) => ServerResponse;

/**
 * Relays one streamed attempt. Until the first content delta (the commit point) nothing is
 * sent: a failure there is returned as a value so the attempt loop can retry or fail over
 * invisibly. From the commit point on, bytes are written as they arrive with backpressure, and
 * any failure ends the stream with the surface's error event — never a silent clean end.
 */
export async function streamChatAttempt(
  transport: UpstreamTransport,
  call: UpstreamCall,
  attempt: Attempt,
  signals: RequestSignals,
  context: RequestContext,
  writer: ChatStreamWriter,
  commit: CommitResponse,
): Promise<AttemptResult<void>> {
  context.trace?.propagate(call.headers);
  const sent = await sendCall(transport, attempt.target.provider, attempt.key, call, signals);
  if (!sent.ok) return sent;
  const relay = new StreamRelay(context, writer, attempt.target.provider.adapter.chatStream(attempt.adapterTarget), commit, attempt.startedAt);
  return relay.run(sent.value, signals);
}

class StreamRelay {
  private readonly parser = new SseParser();
  private readonly events: SseEvent[] = [];
  private readonly outputs: StreamOutput[] = [];
  private response: ServerResponse | undefined = undefined;
  /** Bytes rendered before the commit point, sent with the headers. */
  private pending = '';
  private sawDone = false;
  private upstreamError: { message: string; type: string } | undefined = undefined;

  constructor(
    private readonly context: RequestContext,
    private readonly writer: ChatStreamWriter,
    private readonly translator: StreamTranslator,
    private readonly commit: CommitResponse,
    private readonly startedAt: number,
  ) {}

  async run(upstream: UpstreamResponse, signals: RequestSignals): Promise<AttemptResult<void>> {
    try {
      for await (const bytes of upstream.body as AsyncIterable<Buffer>) {
        this.parser.push(bytes, this.events);
        if (!(await this.flush(this.translateEvents()))) break;
      }
      if (!this.sawDone && this.upstreamError === undefined) {
        this.parser.end(this.events);
        const text = this.translateEvents();
        this.translator.end(this.outputs);
        await this.flush(text + this.renderOutputs());
      }
    } catch (error) {
      upstream.body.destroy();
      if (signals.clientGone) return this.closeQuietly();
      const failure = networkFailure(classifyNetworkError(error, signals.timedOut, false));
      const reason = signals.shuttingDown ? 'the gateway is shutting down' : failure.message;
      if (this.response === undefined) return { ok: false, failure };
      return this.fail(`upstream stream failed: ${reason}`, 'upstream_error');
    }
    return this.finish(upstream);
  }

  private translateEvents(): string {
    for (const event of this.events) this.translator.push(event, this.outputs);
    this.events.length = 0;
    return this.renderOutputs();
  }

  private renderOutputs(): string {
    let text = '';
    for (const output of this.outputs) {
      switch (output.type) {
        case 'chunk': {
          const rendered = this.writer.chunk(output.chunk, output.raw);
          this.context.streamedOutputChars += chunkOutputLength(output.chunk);
          if (this.context.content !== null) this.context.captureResponse(chunkText(output.chunk), true);
          if (this.response !== undefined) {
            text += rendered;
            break;
          }
          this.pending += rendered;
          if (chunkHasContent(output.chunk)) this.openResponse();
          break;
        }
        case 'usage':
          this.context.usage = output.usage;
          break;
        case 'error':
          this.upstreamError ??= { message: output.message, type: output.errorType };
          break;
        case 'done':
          this.sawDone = true;
          break;
      }
    }
    this.outputs.length = 0;
    return text;
  }

  private openResponse(): void {
    const now = performance.now();
    this.context.upstreamMs += now - this.startedAt;
    this.context.ttftMs = now - this.context.startedAt;
    this.response = this.commit(this.context);
  }

  /** Writes rendered bytes (once committed); false when the relay should stop reading. */
  private async flush(text: string): Promise<boolean> {
    if (this.response === undefined) {
      this.pending += text;
      return this.upstreamError === undefined && !this.sawDone;
    }
    const bytes = this.pending === '' ? text : this.pending + text;
    this.pending = '';
    if (bytes !== '' && !this.response.write(bytes)) await drained(this.response);
    return this.upstreamError === undefined && !this.sawDone;
  }

  private finish(upstream: UpstreamResponse): AttemptResult<void> {
    if (this.upstreamError !== undefined) {
      upstream.body.destroy();
      if (this.response === undefined) return { ok: false, failure: streamFailure(`upstream sent an error event before any content: ${this.upstreamError.message}`) };
      return this.fail(this.upstreamError.message, this.upstreamError.type);
    }
    if (!this.sawDone) {
      if (this.response === undefined) return { ok: false, failure: streamFailure('upstream stream ended before any content') };
      return this.fail('upstream stream ended before it was complete', 'upstream_error');
    }
    // A clean stream with no content at all (e.g. an empty reply) commits at its end.
    if (this.response === undefined) this.openResponse();
    const response = this.response as ServerResponse;
    response.end(this.pending + this.writer.done());
    this.pending = '';
    return { ok: true, value: undefined };
  }

  private fail(message: string, type: string): AttemptResult<void> {
    this.context.errorCode = 'upstream_error';
    const response = this.response;
    if (response !== undefined && !response.writableEnded) response.end(this.pending + this.writer.error(message, type));
    this.pending = '';
    return { ok: true, value: undefined };
  }

  private closeQuietly(): AttemptResult<void> {
    this.context.errorCode = 'client_closed';
    if (this.response !== undefined && !this.response.writableEnded) this.response.destroy();
    return { ok: true, value: undefined };
  }
}

/** Resolves when a slow client has taken the buffered bytes, or has gone away. */
function drained(response: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.on('drain', done);
    response.on('close', done);
  });
}
