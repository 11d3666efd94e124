/**
 * The provider adapter contract.
 *
 * An adapter is a pure translator between the gateway's canonical chat shapes
 * (`chat-types.ts`, OpenAI Chat Completions on the wire) and one provider's wire format.
 *
 * An adapter MUST:
 * - be free of I/O: no sockets, timers, files, environment or config lookups. Everything it
 *   needs arrives as arguments (the request, the resolved target). Transport, retries,
 *   timeouts, health, metrics and logging live once, outside adapters.
 * - keep client fields it does not understand when the upstream speaks the same format
 *   (OpenAI-format adapters forward unknown request fields untouched).
 * - report, as a warning on the UpstreamCall, every request parameter the provider cannot
 *   take and that it therefore leaves out. A silent drop is a bug.
 * - ask the upstream for token usage on streams (OpenAI: `stream_options.include_usage`)
 *   and report it through a `usage` output, whether or not the client asked for it.
 * - keep tool-call ids unchanged in both directions.
 * - be lenient with upstream responses: read the fields it needs, ignore the rest, and
 *   never throw on a missing optional field.
 *
 * An adapter MUST NOT:
 * - import fastify, undici or anything from `config/`, `pipeline/` or `upstream/`;
 * - hold state between requests. State for one streamed response lives in the
 *   StreamTranslator created for that attempt, and dies with it.
 * - put a secret anywhere but the request headers it builds (never in errors or warnings).
 */
import type { ChatChunk, ChatRequest, ChatResponse, EmbeddingsRequest, EmbeddingsResponse, Usage } from './chat-types.js';

/** The wire format an upstream speaks. A surface whose format matches may pass bytes through. */
export type WireFormat = 'openai' | 'anthropic';

/** What an adapter can do; drives routing decisions and the generated provider docs. */
export interface AdapterCapabilities {
  chat: boolean;
  stream: boolean;
  embeddings: boolean;
  tools: boolean;
  images: boolean;
  jsonMode: boolean;
}

/** The credentials of one provider key, as configured. */
export interface AdapterKey {
  /** The key's id: safe to log. */
  id: string;
  /** The secret: only ever placed into request headers. */
  secret: string;
}

/** Where one attempt goes: everything the adapter needs to know about the route. */
export interface AdapterTarget {
  /** Upstream model name, already resolved from the client's model name. */
  model: string;
  /** Provider base URL without a trailing slash, e.g. `https://api.openai.com/v1`. */
  baseUrl: string;
  key: AdapterKey;
  /** Extra headers configured for the provider (sent on every call, after the adapter's own). */
  headers?: Readonly<Record<string, string>>;
}

/** One upstream HTTP call, fully described. The transport sends it as is. */
export interface UpstreamCall {
  method: 'POST' | 'GET';
  /** Absolute URL. */
  url: string;
  headers: Record<string, string>;
  body: string;
  /** Parameters the provider cannot take, left out of the call: surfaced as a header and in the log. */
  warnings: string[];
}

/** One server-sent event as read from the upstream. `event` is absent for plain `data:` events. */
export interface SseEvent {
  event: string | undefined;
  data: string;
}

/**
 * What a stream translator produces for each upstream event.
 * - `chunk`: a canonical chunk. `raw` is set only when the upstream's own `data:` payload is
 *   already a valid OpenAI chunk, so an OpenAI surface may forward it byte for byte.
 *   A chunk with `choices: []` and `usage` set is the stream's usage chunk; every translator
 *   emits one before `done` when usage is known, exactly where OpenAI would.
 * - `usage`: token usage as reported so far (later reports replace earlier ones).
 * - `error`: the upstream reported an error inside the stream (after a 200).
 * - `done`: the upstream signalled a clean end (`[DONE]`, `message_stop`, …).
 */
export type StreamOutput =
  | { type: 'chunk'; chunk: ChatChunk; raw: string | undefined }
  | { type: 'usage'; usage: Usage }
  | { type: 'error'; message: string; errorType: string }
  | { type: 'done' };

/** Stateful translator for one streamed attempt. Created per attempt; never reused. */
export interface StreamTranslator {
  /** Translate one upstream event, appending zero or more outputs to `out`. */
  push(event: SseEvent, out: StreamOutput[]): void;
  /**
   * The upstream body ended. Append whatever is still owed. A translator must not invent a
   * `done` here if the upstream never signalled one: an unsignalled end is a broken stream.
   */
  end(out: StreamOutput[]): void;
}

/** What an adapter reads out of an upstream error response. */
export interface UpstreamErrorInfo {
  message: string;
  /** The provider's error type/code string, when it gave one (e.g. `rate_limit_exceeded`). */
  type: string | undefined;
}

export interface TranslatedResponse<T> {
  response: T;
  usage: Usage | undefined;
}

export interface ProviderAdapter {
  /** Provider `type` in config, e.g. `openai`, `groq`, `anthropic`. */
  readonly type: string;
  readonly format: WireFormat;
  /** Base URL used when the provider config gives none. */
  readonly defaultBaseUrl: string;
  /** Whether a provider of this type may be configured without a secret (local servers). */
  readonly keyOptional: boolean;
  readonly capabilities: AdapterCapabilities;

  /** Build the upstream call for a chat request (stream or not, per `request.stream`). */
  chatRequest(request: ChatRequest, target: AdapterTarget): UpstreamCall;
  /** Translate a successful (2xx) non-stream response body, already parsed as JSON. */
  chatResponse(body: unknown, target: AdapterTarget): TranslatedResponse<ChatResponse>;
  /** A fresh translator for one streamed attempt. */
  chatStream(target: AdapterTarget): StreamTranslator;

  /** Present when `capabilities.embeddings` is true. */
  embeddingsRequest?(request: EmbeddingsRequest, target: AdapterTarget): UpstreamCall;
  embeddingsResponse?(body: unknown, target: AdapterTarget): TranslatedResponse<EmbeddingsResponse>;

  /** Read an error response (any non-2xx) into a message safe to show the client. */
  parseError(status: number, body: string): UpstreamErrorInfo;
}
