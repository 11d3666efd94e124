import type { ChatChunk, ChatRequest, ChatResponse, EmbeddingsRequest, EmbeddingsResponse, OpenAIUsage } from '../chat-types.js';
import { usageFromOpenAI } from '../chat-types.js';
import type { AdapterTarget, ProviderAdapter, SseEvent, StreamOutput, StreamTranslator, UpstreamCall, UpstreamErrorInfo } from '../spec.js';

/** What distinguishes one OpenAI-compatible provider from another. */
export interface OpenAIPreset {
  type: string;
  defaultBaseUrl: string;
  keyOptional: boolean;
  embeddings: boolean;
  tools: boolean;
  images: boolean;
  /** Request fields the provider rejects or ignores: left out, each with a warning. */
  unsupported: readonly string[];
  /** Request fields the provider knows under another name. */
  renames: Readonly<Record<string, string>>;
  /** Whether the provider accepts `stream_options` (else it reports stream usage on its own). */
  streamOptions: boolean;
}

export function createOpenAICompatibleAdapter(preset: OpenAIPreset): ProviderAdapter {
  const renames = Object.entries(preset.renames);
  return {
    type: preset.type,
    format: 'openai',
    defaultBaseUrl: preset.defaultBaseUrl,
    keyOptional: preset.keyOptional,
    capabilities: { chat: true, stream: true, embeddings: preset.embeddings, tools: preset.tools, images: preset.images, jsonMode: true },
    chatRequest: (request, target) => buildChatCall(preset, renames, request, target),
    chatResponse: (body) => {
      const response = body as ChatResponse;
      return { response, usage: usageFromOpenAI(readUsage(response)) };
    },
    chatStream: () => new OpenAIStreamTranslator(),
    ...(preset.embeddings
      ? {
          embeddingsRequest: (request: EmbeddingsRequest, target: AdapterTarget) => buildCall(target, '/embeddings', { ...request, model: target.model }, []),
          embeddingsResponse: (body: unknown) => {
            const response = body as EmbeddingsResponse;
            const usage = response.usage;
            return { response, usage: usage ? usageFromOpenAI({ prompt_tokens: usage.prompt_tokens, completion_tokens: 0, total_tokens: usage.total_tokens }) : undefined };
          },
        }
      : {}),
    parseError: parseOpenAIError,
  };
}

function buildChatCall(preset: OpenAIPreset, renames: readonly [string, string][], request: ChatRequest, target: AdapterTarget): UpstreamCall {
  const body: Record<string, unknown> = { ...request, model: target.model };
  const warnings: string[] = [];
  if (preset.unsupported.length > 0 || renames.length > 0) adaptParameters(preset, renames, body, warnings);
  if (request.stream === true) {
    if (preset.streamOptions) body.stream_options = { ...(request.stream_options ?? {}), include_usage: true };
    else delete body.stream_options;
  }
  return buildCall(target, '/chat/completions', body, warnings);
}

/** Leaves out what the provider rejects (with a warning each) and renames what it calls otherwise. */
function adaptParameters(preset: OpenAIPreset, renames: readonly [string, string][], body: Record<string, unknown>, warnings: string[]): void {
  for (const field of preset.unsupported) {
    if (body[field] === undefined) continue;
    if (body[field] !== null && !(field === 'n' && body[field] === 1)) {
      warnings.push(`parameter '${field}' is not supported by ${preset.type} and was ignored`);
    }
    delete body[field];
  }
  for (const [from, to] of renames) {
    if (body[from] === undefined) continue;
    if (body[to] === undefined) body[to] = body[from];
    delete body[from];
  }
}

function buildCall(target: AdapterTarget, path: string, body: unknown, warnings: string[]): UpstreamCall {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (target.key.secret !== '') headers.authorization = `Bearer ${target.key.secret}`;
  if (target.headers) Object.assign(headers, target.headers);
  return { method: 'POST', url: target.baseUrl + path, headers, body: JSON.stringify(body), warnings };
}

/** Groq reports usage under `x_groq.usage`; everyone else under `usage`. */
function readUsage(payload: { usage?: OpenAIUsage | null; x_groq?: unknown }): OpenAIUsage | undefined {
  if (payload.usage) return payload.usage;
  const vendor = payload.x_groq as { usage?: OpenAIUsage } | undefined;
  return vendor?.usage;
}

/**
 * OpenAI-format streams need no translation: each `data:` payload is forwarded as it came
 * (`raw`). The translator only reads usage, notices the end, and surfaces in-stream errors.
 */
export class OpenAIStreamTranslator implements StreamTranslator {
  push(event: SseEvent, out: StreamOutput[]): void {
    const data = event.data;
    if (data === '[DONE]') {
      out.push({ type: 'done' });
      return;
    }
    let payload: unknown;
    try {
      payload = JSON.parse(data);
    } catch {
      return;
    }
    if (payload === null || typeof payload !== 'object') return;
    const record = payload as { error?: unknown; choices?: unknown; usage?: OpenAIUsage | null; x_groq?: unknown };
    if (record.error !== undefined && record.choices === undefined) {
      out.push({ type: 'error', ...readErrorObject(record.error) });
      return;
    }
    if (!Array.isArray(record.choices)) return;
    out.push({ type: 'chunk', chunk: payload as ChatChunk, raw: data });
    const usage = usageFromOpenAI(readUsage(record));
    if (usage) out.push({ type: 'usage', usage });
  }

  end(_out: StreamOutput[]): void {}
}

function readErrorObject(error: unknown): { message: string; errorType: string } {
  if (error !== null && typeof error === 'object') {
    const record = error as { message?: unknown; type?: unknown; code?: unknown };
    const message = typeof record.message === 'string' ? record.message : 'upstream reported an error';
    const type = typeof record.type === 'string' ? record.type : typeof record.code === 'string' ? record.code : 'api_error';
    return { message, errorType: type };
  }
  return { message: typeof error === 'string' ? error : 'upstream reported an error', errorType: 'api_error' };
}

export function parseOpenAIError(status: number, body: string): UpstreamErrorInfo {
  try {
    const parsed = JSON.parse(body) as { error?: unknown; message?: unknown; detail?: unknown };
    if (parsed.error !== undefined) {
      const { message, errorType } = readErrorObject(parsed.error);
      return { message, type: errorType };
    }
    if (typeof parsed.message === 'string') return { message: parsed.message, type: undefined };
    if (typeof parsed.detail === 'string') return { message: parsed.detail, type: undefined };
  } catch {
    // not JSON: fall through to a generic message
  }
  const snippet = body.trim().slice(0, 200);
  return { message: `upstream returned HTTP ${status}${snippet ? `: ${snippet}` : ''}`, type: undefined };
}
