import { usageToOpenAI } from '../chat-types.js';
import type { ChatChoice, ChatChunk, ChatResponse, ChunkDelta, FinishReason, ToolCall, Usage } from '../chat-types.js';
import type { SseEvent, StreamOutput, StreamTranslator, TranslatedResponse, UpstreamErrorInfo } from '../spec.js';

type JsonObject = Record<string, unknown>;

function asObject(value: unknown): JsonObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : undefined;
}

function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function asCount(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Finish reasons and usage

/** Anthropic `stop_reason` → OpenAI `finish_reason`; an unknown reason reads as a normal stop. */
export function mapStopReason(stopReason: unknown): FinishReason | null {
  switch (stopReason) {
    case undefined:
    case null:
      return null;
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      return 'stop';
  }
}

/** Anthropic's token counts as reported; its `input_tokens` excludes cache reads and writes. */
interface AnthropicTokenCounts {
  input: number;
  cacheRead: number;
  cacheWrite: number;
  output: number;
}

function emptyTokenCounts(): AnthropicTokenCounts {
  return { input: 0, cacheRead: 0, cacheWrite: 0, output: 0 };
}

/** Overwrite the counts a usage object reports; absent or null fields keep the earlier value. */
function mergeTokenCounts(counts: AnthropicTokenCounts, rawUsage: unknown): void {
  const usage = asObject(rawUsage);
  if (!usage) return;
  counts.input = asCount(usage.input_tokens) ?? counts.input;
  counts.cacheRead = asCount(usage.cache_read_input_tokens) ?? counts.cacheRead;
  counts.cacheWrite = asCount(usage.cache_creation_input_tokens) ?? counts.cacheWrite;
  counts.output = asCount(usage.output_tokens) ?? counts.output;
}

function toUsage(counts: AnthropicTokenCounts): Usage {
  return {
    input_tokens: counts.input + counts.cacheRead + counts.cacheWrite,
    output_tokens: counts.output,
    cached_input_tokens: counts.cacheRead,
    cache_write_input_tokens: counts.cacheWrite,
  };
}

/** Canonical usage from an Anthropic `usage` object; undefined when there is none. */
export function usageFromAnthropic(rawUsage: unknown): Usage | undefined {
  if (!asObject(rawUsage)) return undefined;
  const counts = emptyTokenCounts();
  mergeTokenCounts(counts, rawUsage);
  return toUsage(counts);
}

// ---------------------------------------------------------------------------------------------
// Non-stream responses

/**
 * Translate an Anthropic Messages response into a canonical chat completion. `created` is the
 * unix time in seconds to stamp on it; `fallbackModel` is used when the body names no model.
 */
export function anthropicToOpenAIResponse(body: unknown, fallbackModel: string, created: number): TranslatedResponse<ChatResponse> {
  const message = asObject(body) ?? {};
  const blocks = (Array.isArray(message.content) ? message.content : []).map(asObject).filter((block) => block !== undefined);
  const usage = usageFromAnthropic(message.usage);
  const choice: ChatChoice = { index: 0, message: assistantMessage(blocks), finish_reason: mapStopReason(message.stop_reason), logprobs: null };
  const response: ChatResponse = {
    id: asString(message.id) ?? '',
    object: 'chat.completion',
    created,
    model: asString(message.model) ?? fallbackModel,
    choices: [choice],
  };
  if (usage) response.usage = usageToOpenAI(usage);
  return { response, usage };
}

function assistantMessage(blocks: JsonObject[]): ChatChoice['message'] {
  const texts = blockStrings(blocks, 'text', 'text');
  const toolCalls = blocks.filter((block) => block.type === 'tool_use').map(toolCallFromBlock);
  const message: ChatChoice['message'] = { role: 'assistant', content: texts.length === 0 && toolCalls.length > 0 ? null : texts.join('') };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  const thinking = blockStrings(blocks, 'thinking', 'thinking');
  if (thinking.length > 0) message.reasoning_content = thinking.join('');
  return message;
}

function blockStrings(blocks: JsonObject[], type: string, field: string): string[] {
  const strings: string[] = [];
  for (const block of blocks) {
    const value = block.type === type ? asString(block[field]) : undefined;
    if (value !== undefined) strings.push(value);
  }
  return strings;
}

function toolCallFromBlock(block: JsonObject): ToolCall {
  return {
    id: asString(block.id) ?? '',
    type: 'function',
    function: { name: asString(block.name) ?? '', arguments: JSON.stringify(block.input ?? {}) },
  };
}

// ---------------------------------------------------------------------------------------------
// Errors

/** Read Anthropic's `{"type":"error","error":{"type","message"}}` envelope, leniently. */
export function parseAnthropicError(status: number, body: string): UpstreamErrorInfo {
  const envelope = asObject(parseJson(body));
  const error: unknown = envelope?.error;
  const details = asObject(error);
  const message = asString(details?.message) ?? asString(error) ?? asString(envelope?.message);
  const type = asString(details?.type);
  if (message === undefined || message === '') return { message: `anthropic returned HTTP ${status} without an error message`, type };
  return { message, type };
}

// ---------------------------------------------------------------------------------------------
// Streams

interface ToolBlockState {
  /** Position among the message's tool calls: the OpenAI `tool_calls[].index`. */
  toolIndex: number;
  sentArguments: boolean;
}

/**
 * Translates one Anthropic Messages event stream into canonical chunks. Anthropic reports
 * usage on `message_start` (input) and `message_delta` (output, and in newer versions input
 * and cache counts again); each report is passed on as a `usage` output as it arrives, so a
 * stream that breaks still accounts for what was spent.
 */
export class AnthropicStreamTranslator implements StreamTranslator {
  private id = '';
  private model: string;
  private readonly created: number;
  private readonly tokenCounts = emptyTokenCounts();
  private readonly toolBlocks = new Map<number, ToolBlockState>();
  private finished = false;

  constructor(fallbackModel: string, created: number) {
    this.model = fallbackModel;
    this.created = created;
  }

  push(event: SseEvent, out: StreamOutput[]): void {
    if (this.finished) return;
    const payload = asObject(parseJson(event.data));
    const type = asString(payload?.type) ?? event.event ?? '';
    switch (type) {
      case 'message_start':
        return this.onMessageStart(payload ?? {}, out);
      case 'content_block_start':
        return this.onContentBlockStart(payload ?? {}, out);
      case 'content_block_delta':
        return this.onContentBlockDelta(payload ?? {}, out);
      case 'content_block_stop':
        return this.onContentBlockStop(payload ?? {}, out);
      case 'message_delta':
        return this.onMessageDelta(payload ?? {}, out);
      case 'message_stop':
        return this.onMessageStop(out);
      case 'error':
        return this.onError(payload, out);
      default:
        return; // `ping` and event types added later carry nothing a chat client needs.
    }
  }

  end(_out: StreamOutput[]): void {
    // Usage went out as it was reported; without `message_stop` the stream is broken and no `done` is owed.
  }

  private onMessageStart(payload: JsonObject, out: StreamOutput[]): void {
    const message = asObject(payload.message) ?? {};
    this.id = asString(message.id) ?? this.id;
    this.model = asString(message.model) ?? this.model;
    out.push(this.chunk({ role: 'assistant', content: '' }));
    this.reportUsage(message.usage, out);
  }

  private onContentBlockStart(payload: JsonObject, out: StreamOutput[]): void {
    const block = asObject(payload.content_block) ?? {};
    const blockIndex = asCount(payload.index) ?? -1;
    if (block.type === 'tool_use') {
      const toolIndex = this.toolBlocks.size;
      this.toolBlocks.set(blockIndex, { toolIndex, sentArguments: false });
      const toolCall = { index: toolIndex, id: asString(block.id) ?? '', type: 'function' as const, function: { name: asString(block.name) ?? '', arguments: '' } };
      out.push(this.chunk({ tool_calls: [toolCall] }));
      return;
    }
    if (block.type === 'text') this.pushText(asString(block.text), out);
    if (block.type === 'thinking') this.pushReasoning(asString(block.thinking), out);
  }

  private onContentBlockDelta(payload: JsonObject, out: StreamOutput[]): void {
    const delta = asObject(payload.delta) ?? {};
    switch (delta.type) {
      case 'text_delta':
        return this.pushText(asString(delta.text), out);
      case 'thinking_delta':
        return this.pushReasoning(asString(delta.thinking), out);
      case 'input_json_delta':
        return this.pushToolArguments(asCount(payload.index) ?? -1, asString(delta.partial_json), out);
      default:
        return; // signature_delta, citations_delta: nothing an OpenAI client can show.
    }
  }

  /** A tool called without arguments streams no JSON at all; OpenAI clients expect `{}`. */
  private onContentBlockStop(payload: JsonObject, out: StreamOutput[]): void {
    const toolBlock = this.toolBlocks.get(asCount(payload.index) ?? -1);
    if (toolBlock && !toolBlock.sentArguments) this.pushToolArguments(asCount(payload.index) ?? -1, '{}', out);
  }

  private onMessageDelta(payload: JsonObject, out: StreamOutput[]): void {
    const finishReason = mapStopReason(asObject(payload.delta)?.stop_reason);
    if (finishReason !== null) out.push(this.chunk({}, finishReason));
    this.reportUsage(payload.usage, out);
  }

  private onMessageStop(out: StreamOutput[]): void {
    this.finished = true;
    const usage = toUsage(this.tokenCounts);
    const usageChunk: ChatChunk = { id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model, choices: [], usage: usageToOpenAI(usage) };
    out.push({ type: 'chunk', chunk: usageChunk, raw: undefined });
    out.push({ type: 'usage', usage });
    out.push({ type: 'done' });
  }

  private onError(payload: JsonObject | undefined, out: StreamOutput[]): void {
    this.finished = true;
    const error = asObject(payload?.error);
    const message = asString(error?.message) ?? 'anthropic reported an error in the stream';
    out.push({ type: 'error', message, errorType: asString(error?.type) ?? 'api_error' });
  }

  private reportUsage(rawUsage: unknown, out: StreamOutput[]): void {
    if (!asObject(rawUsage)) return;
    mergeTokenCounts(this.tokenCounts, rawUsage);
    out.push({ type: 'usage', usage: toUsage(this.tokenCounts) });
  }

  private pushText(text: string | undefined, out: StreamOutput[]): void {
    if (text) out.push(this.chunk({ content: text }));
  }

  private pushReasoning(thinking: string | undefined, out: StreamOutput[]): void {
    if (thinking) out.push(this.chunk({ reasoning_content: thinking }));
  }

  private pushToolArguments(blockIndex: number, partialJson: string | undefined, out: StreamOutput[]): void {
    const toolBlock = this.toolBlocks.get(blockIndex);
    if (!toolBlock || !partialJson) return;
    toolBlock.sentArguments = true;
    out.push(this.chunk({ tool_calls: [{ index: toolBlock.toolIndex, function: { arguments: partialJson } }] }));
  }

  private chunk(delta: ChunkDelta, finishReason: FinishReason | null = null): StreamOutput {
    const choices = [{ index: 0, delta, finish_reason: finishReason }];
    const chunk: ChatChunk = { id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model, choices };
    return { type: 'chunk', chunk, raw: undefined };
  }
}
