/**
 * What the simulator's request path needs from a wire format (OpenAI, Anthropic): where the key
 * is, how errors and rate-limit headers look, how a stream reports an error. Endpoints of a
 * format turn a parsed JSON body into a PreparedAnswer, already rendered in that format.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { EffectiveBehaviour } from './behaviour.js';
import type { RateLimitSnapshot } from './rate-limiter.js';

export type WireFormatName = 'openai' | 'anthropic';

/** A request the format's real API would refuse, described in that API's terms. */
export interface RequestProblem {
  kind: 'problem';
  status: number;
  message: string;
  /** OpenAI `param`. */
  param?: string | null;
  /** OpenAI `code`. */
  code?: string | null;
  /** The error `type`, when not the one implied by the status. */
  type?: string;
}

/** SSE frames of a stream, each a complete event (`data: …\n\n`, with `event:` where the format names events). */
export interface StreamFrames {
  /** Frames before the first token (OpenAI role chunk; Anthropic message_start, content_block_start, ping). */
  preamble: string[];
  /** One frame per chunk of `chunk_tokens` output tokens: the frames faults and pacing count. */
  content: string[];
  /** Frames after the last token, up to and including the terminator. */
  epilogue: string[];
}

export type PreparedAnswer =
  | { kind: 'json'; inputTokens: number; outputTokens: number; body: string }
  | { kind: 'stream'; inputTokens: number; outputTokens: number; frames: StreamFrames };

export interface WireFormat {
  readonly name: WireFormatName;
  apiKey(headers: IncomingHttpHeaders): string | undefined;
  /** A problem with the request headers the real API would refuse before reading the body. */
  checkHeaders(headers: IncomingHttpHeaders): RequestProblem | undefined;
  /** Adds the headers every response of this format carries (the request id). */
  addResponseHeaders(headers: Record<string, string>): void;
  addRateLimitHeaders(snapshot: RateLimitSnapshot, now: number, headers: Record<string, string>): void;
  errorBody(problem: Omit<RequestProblem, 'kind'>): string;
  defaultErrorMessage(status: number): string;
  rateLimitMessage(limitedBy: 'requests' | 'tokens', limit: number): string;
  malformedJson(): RequestProblem;
  notFound(method: string, path: string): RequestProblem;
  streamErrorFrame(message: string): string;
}

export interface EndpointContext {
  behaviour: EffectiveBehaviour;
  headers: IncomingHttpHeaders;
}

/** One data-plane endpoint: parse a JSON body into a rendered answer. */
export interface DataEndpoint {
  readonly format: WireFormat;
  /** Whether latency, faults and rate limits apply (they do to chat and embeddings, not to listing models or counting tokens). */
  readonly appliesBehaviour: boolean;
  prepare(body: unknown, context: EndpointContext): PreparedAnswer | RequestProblem;
}

export function problem(status: number, message: string, details: Partial<Omit<RequestProblem, 'kind' | 'status' | 'message'>> = {}): RequestProblem {
  return { kind: 'problem', status, message, ...details };
}

/** A short random id: 24 hex characters. */
export function randomId(): string {
  return randomUUID().replaceAll('-', '').slice(0, 24);
}

const requestIdPrefix = randomUUID().replaceAll('-', '').slice(0, 12);
let requestCounter = 0;

/** A unique request id without asking the random source on every request. */
export function nextRequestId(): string {
  requestCounter++;
  return `req_${requestIdPrefix}${requestCounter.toString(16).padStart(12, '0')}`;
}

/** Groups output tokens into chunks of `chunkTokens`, as the stream sends them. */
export function chunkPieces(pieces: readonly string[], chunkTokens: number): string[] {
  if (chunkTokens <= 1) return pieces.slice();
  const chunks: string[] = [];
  for (let start = 0; start < pieces.length; start += chunkTokens) {
    chunks.push(pieces.slice(start, start + chunkTokens).join(''));
  }
  return chunks;
}

export function sseData(json: string): string {
  return `data: ${json}\n\n`;
}

export function sseEvent(event: string, json: string): string {
  return `event: ${event}\ndata: ${json}\n\n`;
}
