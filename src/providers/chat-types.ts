/**
 * The gateway's canonical chat shapes. They follow the OpenAI Chat Completions wire format,
 * the format most providers and clients already speak, so an OpenAI upstream serving an
 * OpenAI client needs no translation at all. Fields the gateway does not use are kept
 * (index signatures) so client payloads pass through untouched.
 */

export type Role = 'system' | 'developer' | 'user' | 'assistant' | 'tool' | 'function';

export interface TextPart {
  type: 'text';
  text: string;
}

export interface ImagePart {
  type: 'image_url';
  image_url: { url: string; detail?: 'auto' | 'low' | 'high' };
}

export type ContentPart = TextPart | ImagePart | { type: string; [field: string]: unknown };

export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface ChatMessage {
  role: Role;
  content?: string | ContentPart[] | null;
  name?: string;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
  refusal?: string | null;
  [field: string]: unknown;
}

export interface ToolDefinition {
  type: 'function';
  function: { name: string; description?: string; parameters?: Record<string, unknown>; strict?: boolean };
}

export type ToolChoice = 'none' | 'auto' | 'required' | { type: 'function'; function: { name: string } };

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean; [field: string]: unknown } | null;
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  stop?: string | string[] | null;
  tools?: ToolDefinition[];
  tool_choice?: ToolChoice;
  parallel_tool_calls?: boolean;
  response_format?: { type: 'text' | 'json_object' | 'json_schema'; json_schema?: Record<string, unknown> };
  user?: string;
  n?: number | null;
  [field: string]: unknown;
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'function_call';

export interface Usage {
  /** Prompt tokens including cached ones (OpenAI's prompt_tokens). */
  input_tokens: number;
  output_tokens: number;
  /** Input tokens served from the provider's prompt cache (subset of input_tokens). */
  cached_input_tokens: number;
  /** Input tokens written to the provider's prompt cache (Anthropic cache_creation_input_tokens). */
  cache_write_input_tokens: number;
}

export interface OpenAIUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number; [field: string]: unknown };
  completion_tokens_details?: Record<string, unknown>;
  [field: string]: unknown;
}

export interface ChatChoice {
  index: number;
  message: ChatMessage & { role: 'assistant' };
  finish_reason: FinishReason | null;
  logprobs?: unknown;
}

export interface ChatResponse {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: ChatChoice[];
  usage?: OpenAIUsage;
  system_fingerprint?: string | null;
  [field: string]: unknown;
}

export interface ChunkToolCall {
  index: number;
  id?: string;
  type?: 'function';
  function?: { name?: string; arguments?: string };
}

export interface ChunkDelta {
  role?: 'assistant';
  content?: string | null;
  tool_calls?: ChunkToolCall[];
  refusal?: string | null;
  [field: string]: unknown;
}

export interface ChatChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: { index: number; delta: ChunkDelta; finish_reason: FinishReason | null; logprobs?: unknown }[];
  usage?: OpenAIUsage | null;
  [field: string]: unknown;
}

export interface EmbeddingsRequest {
  model: string;
  input: string | string[] | number[] | number[][];
  encoding_format?: 'float' | 'base64';
  dimensions?: number;
  user?: string;
  [field: string]: unknown;
}

export interface EmbeddingsResponse {
  object: 'list';
  data: { object: 'embedding'; index: number; embedding: number[] | string }[];
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
  [field: string]: unknown;
}

export function usageFromOpenAI(usage: OpenAIUsage | null | undefined): Usage | undefined {
  if (!usage) return undefined;
  return {
    input_tokens: usage.prompt_tokens ?? 0,
    output_tokens: usage.completion_tokens ?? 0,
    cached_input_tokens: usage.prompt_tokens_details?.cached_tokens ?? 0,
    cache_write_input_tokens: 0,
  };
}

export function usageToOpenAI(usage: Usage): OpenAIUsage {
  return {
    prompt_tokens: usage.input_tokens,
    completion_tokens: usage.output_tokens,
    total_tokens: usage.input_tokens + usage.output_tokens,
    prompt_tokens_details: { cached_tokens: usage.cached_input_tokens },
  };
}

/**
 * True when a chunk carries something a user would see: text, reasoning, a refusal or a tool
 * call. The first such chunk is a stream's commit point.
 */
export function chunkHasContent(chunk: ChatChunk): boolean {
  for (const choice of chunk.choices) {
    const delta = choice.delta;
    if (isNonEmptyString(delta.content) || delta.tool_calls?.length || delta.refusal || isNonEmptyString(delta.reasoning_content)) {
      return true;
    }
  }
  return false;
}

function isNonEmptyString(value: unknown): boolean {
  return typeof value === 'string' && value !== '';
}

/**
 * Characters of generated output in a chunk (text, reasoning, refusal, tool-call arguments):
 * what an interrupted stream is billed on when the upstream never sent its usage.
 */
export function chunkOutputLength(chunk: ChatChunk): number {
  let length = 0;
  for (const choice of chunk.choices) {
    const delta = choice.delta;
    if (typeof delta.content === 'string') length += delta.content.length;
    if (typeof delta.reasoning_content === 'string') length += delta.reasoning_content.length;
    if (typeof delta.refusal === 'string') length += delta.refusal.length;
    if (delta.tool_calls) for (const call of delta.tool_calls) length += (call.function?.arguments?.length ?? 0) + (call.function?.name?.length ?? 0);
  }
  return length;
}

/** The text a chunk adds (content, reasoning, refusal, tool-call arguments), for content logging. */
export function chunkText(chunk: ChatChunk): string {
  let text = '';
  for (const choice of chunk.choices) {
    const delta = choice.delta;
    if (typeof delta.content === 'string') text += delta.content;
    if (typeof delta.reasoning_content === 'string') text += delta.reasoning_content;
    if (typeof delta.refusal === 'string') text += delta.refusal;
    if (delta.tool_calls) for (const call of delta.tool_calls) text += call.function?.arguments ?? '';
  }
  return text;
}
