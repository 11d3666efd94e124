import type { ChatMessage, ChatRequest, ContentPart, ToolCall, ToolChoice, ToolDefinition } from '../chat-types.js';

/** Anthropic requires `max_tokens`; OpenAI clients usually leave it out. */
export const DEFAULT_ANTHROPIC_MAX_TOKENS = 4096;
export const ANTHROPIC_MAX_TEMPERATURE = 1;

/**
 * A client request that cannot be expressed in Anthropic's format (bad tool-call arguments,
 * an unsupported content part, …). `param` is the JSON path of the offending field, so the
 * pipeline can answer 400 invalid_request naming it.
 */
export class TranslationError extends Error {
  readonly param: string;

  constructor(message: string, param: string) {
    super(message);
    this.name = 'TranslationError';
    this.param = param;
  }
}

export interface AnthropicTextBlock {
  type: 'text';
  text: string;
  cache_control?: unknown;
}

export type AnthropicImageSource = { type: 'base64'; media_type: string; data: string } | { type: 'url'; url: string };

export interface AnthropicImageBlock {
  type: 'image';
  source: AnthropicImageSource;
  cache_control?: unknown;
}

export interface AnthropicDocumentBlock {
  type: 'document';
  source: { type: 'base64'; media_type: string; data: string };
  title?: string;
  cache_control?: unknown;
}

export interface AnthropicToolUseBlock {
  type: 'tool_use';
  id: string;
  name: string;
  input: Record<string, unknown>;
}

export interface AnthropicToolResultBlock {
  type: 'tool_result';
  tool_use_id: string;
  content?: string | (AnthropicTextBlock | AnthropicImageBlock)[];
}

export type AnthropicContentBlock =
  | AnthropicTextBlock
  | AnthropicImageBlock
  | AnthropicDocumentBlock
  | AnthropicToolUseBlock
  | AnthropicToolResultBlock;

export interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: string | AnthropicContentBlock[];
}

export interface AnthropicTool {
  name: string;
  description?: string;
  input_schema: Record<string, unknown>;
}

export type AnthropicToolChoice =
  | { type: 'auto' | 'any'; disable_parallel_tool_use?: boolean }
  | { type: 'tool'; name: string; disable_parallel_tool_use?: boolean }
  | { type: 'none' };

export type AnthropicSystemPrompt = string | AnthropicTextBlock[];

export interface AnthropicMessagesRequest {
  model: string;
  messages: AnthropicMessage[];
  system?: AnthropicSystemPrompt;
  max_tokens: number;
  temperature?: number;
  top_p?: number;
  top_k?: unknown;
  stop_sequences?: string[];
  stream?: boolean;
  tools?: AnthropicTool[];
  tool_choice?: AnthropicToolChoice;
  metadata?: { user_id: string };
  thinking?: unknown;
}

export interface AnthropicRequestTranslation {
  body: AnthropicMessagesRequest;
  /** Client parameters left out or changed, one sentence each; never contains a secret. */
  warnings: string[];
}

/** Anthropic-only fields an OpenAI-SDK client may send (as extra body fields); forwarded as is. */
const ANTHROPIC_NATIVE_PARAMETERS = ['top_k', 'thinking'] as const;

/** Fields this translator reads. Every other non-null field becomes a warning. */
const TRANSLATED_PARAMETERS = new Set<string>([
  'model',
  'messages',
  'stream',
  'stream_options',
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'stop',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'response_format',
  'user',
  ...ANTHROPIC_NATIVE_PARAMETERS,
]);

/** Values equal to OpenAI's defaults change nothing, so leaving them out is not worth a warning. */
const NEUTRAL_PARAMETER_VALUES: Readonly<Record<string, unknown>> = {
  n: 1,
  logprobs: false,
  presence_penalty: 0,
  frequency_penalty: 0,
};

export function unsupportedParameterWarning(parameter: string): string {
  return `parameter '${parameter}' is not supported by anthropic and was ignored`;
}

/** Translate a canonical chat request into an Anthropic Messages request body for `model`. */
export function openAIToAnthropicRequest(request: ChatRequest, model: string): AnthropicRequestTranslation {
  const warnings = unsupportedParameterWarnings(request);
  const conversation = translateConversation(request.messages, warnings);
  const body: AnthropicMessagesRequest = { model, messages: conversation.messages, max_tokens: resolveMaxTokens(request) };
  const system = appendToSystemPrompt(conversation.system, jsonModeInstruction(request.response_format, warnings));
  if (system !== undefined) body.system = system;
  applySamplingParameters(request, body, warnings);
  applyTools(request, body, warnings);
  if (request.stream === true) body.stream = true;
  if (typeof request.user === 'string' && request.user !== '') body.metadata = { user_id: request.user };
  for (const parameter of ANTHROPIC_NATIVE_PARAMETERS) {
    if (request[parameter] !== undefined && request[parameter] !== null) body[parameter] = request[parameter];
  }
  return { body, warnings };
}

function unsupportedParameterWarnings(request: ChatRequest): string[] {
  const warnings: string[] = [];
  for (const [parameter, value] of Object.entries(request)) {
    if (TRANSLATED_PARAMETERS.has(parameter) || value === undefined || value === null) continue;
    if (NEUTRAL_PARAMETER_VALUES[parameter] === value) continue;
    warnings.push(unsupportedParameterWarning(parameter));
  }
  return warnings;
}

function resolveMaxTokens(request: ChatRequest): number {
  return request.max_completion_tokens ?? request.max_tokens ?? DEFAULT_ANTHROPIC_MAX_TOKENS;
}

function applySamplingParameters(request: ChatRequest, body: AnthropicMessagesRequest, warnings: string[]): void {
  if (typeof request.temperature === 'number') body.temperature = clampTemperature(request.temperature, warnings);
  if (typeof request.top_p === 'number') body.top_p = request.top_p;
  const stopSequences = toStopSequences(request.stop);
  if (stopSequences.length > 0) body.stop_sequences = stopSequences;
}

function clampTemperature(temperature: number, warnings: string[]): number {
  if (temperature <= ANTHROPIC_MAX_TEMPERATURE) return temperature;
  warnings.push(
    `parameter 'temperature' was ${temperature}, above anthropic's maximum of ${ANTHROPIC_MAX_TEMPERATURE}, and was clamped to ${ANTHROPIC_MAX_TEMPERATURE}`,
  );
  return ANTHROPIC_MAX_TEMPERATURE;
}

function toStopSequences(stop: ChatRequest['stop']): string[] {
  if (typeof stop === 'string') return stop === '' ? [] : [stop];
  if (!Array.isArray(stop)) return [];
  return stop.filter((sequence): sequence is string => typeof sequence === 'string' && sequence !== '');
}

// ---------------------------------------------------------------------------------------------
// JSON mode

/**
 * Anthropic has no `json_object` switch, and its schema-constrained output is not available on
 * every model, so JSON mode is emulated the way Anthropic's own docs suggest: an instruction
 * appended to the system prompt (with the schema, for `json_schema`). Works on every model;
 * the output is very likely, not guaranteed, to parse.
 */
function jsonModeInstruction(format: ChatRequest['response_format'], warnings: string[]): string | undefined {
  if (format === undefined || format === null) return undefined;
  switch (format.type) {
    case 'text':
      return undefined;
    case 'json_object':
      return JSON_OBJECT_INSTRUCTION;
    case 'json_schema':
      return jsonSchemaInstruction(format.json_schema);
    default:
      warnings.push(unsupportedParameterWarning('response_format'));
      return undefined;
  }
}

const JSON_OBJECT_INSTRUCTION =
  'Respond with a single valid JSON object and nothing else: no prose before or after it, no markdown code fences.';

function jsonSchemaInstruction(jsonSchema: Record<string, unknown> | undefined): string {
  const schema = jsonSchema?.schema;
  if (schema === undefined || schema === null) return JSON_OBJECT_INSTRUCTION;
  return `${JSON_OBJECT_INSTRUCTION} The object must conform to this JSON Schema:\n${JSON.stringify(schema)}`;
}

function appendToSystemPrompt(system: AnthropicSystemPrompt | undefined, text: string | undefined): AnthropicSystemPrompt | undefined {
  if (text === undefined) return system;
  if (system === undefined || system === '') return text;
  if (typeof system === 'string') return `${system}\n\n${text}`;
  return [...system, { type: 'text', text }];
}

// ---------------------------------------------------------------------------------------------
// Tools

function applyTools(request: ChatRequest, body: AnthropicMessagesRequest, warnings: string[]): void {
  const tools = translateTools(request.tools, warnings);
  if (tools.length > 0) body.tools = tools;
  const toolChoice = translateToolChoice(request.tool_choice, warnings);
  const disableParallel = request.parallel_tool_calls === false && tools.length > 0;
  if (toolChoice === undefined) {
    if (disableParallel) body.tool_choice = { type: 'auto', disable_parallel_tool_use: true };
    return;
  }
  if (disableParallel && toolChoice.type !== 'none') toolChoice.disable_parallel_tool_use = true;
  body.tool_choice = toolChoice;
}

function translateTools(tools: ToolDefinition[] | undefined, warnings: string[]): AnthropicTool[] {
  if (!Array.isArray(tools)) return [];
  const translated: AnthropicTool[] = [];
  tools.forEach((tool, index) => {
    if (tool.type !== 'function' || typeof tool.function?.name !== 'string') {
      warnings.push(unsupportedParameterWarning(`tools[${index}]`));
      return;
    }
    translated.push(translateTool(tool));
  });
  if (tools.some((tool) => tool.function?.strict === true)) warnings.push(unsupportedParameterWarning('tools[].function.strict'));
  return translated;
}

function translateTool(tool: ToolDefinition): AnthropicTool {
  const translated: AnthropicTool = {
    name: tool.function.name,
    input_schema: tool.function.parameters ?? { type: 'object', properties: {} },
  };
  if (tool.function.description !== undefined) translated.description = tool.function.description;
  return translated;
}

function translateToolChoice(choice: ToolChoice | undefined | null, warnings: string[]): AnthropicToolChoice | undefined {
  if (choice === undefined || choice === null) return undefined;
  if (choice === 'auto') return { type: 'auto' };
  if (choice === 'required') return { type: 'any' };
  if (choice === 'none') return { type: 'none' };
  const name: unknown = typeof choice === 'object' ? choice.function?.name : undefined;
  if (typeof name === 'string') return { type: 'tool', name };
  warnings.push(unsupportedParameterWarning('tool_choice'));
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Messages

interface Conversation {
  system: AnthropicSystemPrompt | undefined;
  messages: AnthropicMessage[];
}

interface Turn {
  role: 'user' | 'assistant';
  content: AnthropicContentBlock[];
}

function translateConversation(messages: ChatMessage[], warnings: string[]): Conversation {
  if (!Array.isArray(messages)) throw new TranslationError('messages must be an array', 'messages');
  const systemBlocks: AnthropicTextBlock[] = [];
  const turns: Turn[] = [];
  messages.forEach((message, index) => translateMessage(message, `messages[${index}]`, systemBlocks, turns));
  if (messages.some((message) => typeof message.name === 'string')) warnings.push(unsupportedParameterWarning('messages[].name'));
  return { system: toSystemPrompt(systemBlocks), messages: turns.map(toAnthropicMessage) };
}

function translateMessage(message: ChatMessage, path: string, systemBlocks: AnthropicTextBlock[], turns: Turn[]): void {
  switch (message.role) {
    case 'system':
    case 'developer':
      systemBlocks.push(...systemTextBlocks(message, path));
      return;
    case 'user':
      appendToTurn(turns, 'user', userContentBlocks(message.content, `${path}.content`));
      return;
    case 'assistant':
      appendToTurn(turns, 'assistant', assistantContentBlocks(message, path));
      return;
    case 'tool':
      appendToTurn(turns, 'user', [toolResultBlock(message, path)]);
      return;
    case 'function':
      throw new TranslationError(`${path}: legacy 'function' messages are not supported; use 'tool' messages`, `${path}.role`);
    default:
      throw new TranslationError(`${path}: unknown role '${String(message.role)}'`, `${path}.role`);
  }
}

/** Anthropic requires user and assistant turns to alternate, so same-role neighbours merge. */
function appendToTurn(turns: Turn[], role: Turn['role'], blocks: AnthropicContentBlock[]): void {
  if (blocks.length === 0) return;
  const last = turns.at(-1);
  if (last?.role === role) last.content.push(...blocks);
  else turns.push({ role, content: blocks });
}

function toAnthropicMessage(turn: Turn): AnthropicMessage {
  const only = turn.content.length === 1 ? turn.content[0] : undefined;
  if (only?.type === 'text' && only.cache_control === undefined) return { role: turn.role, content: only.text };
  return { role: turn.role, content: turn.content };
}

function toSystemPrompt(blocks: AnthropicTextBlock[]): AnthropicSystemPrompt | undefined {
  if (blocks.length === 0) return undefined;
  if (blocks.some((block) => block.cache_control !== undefined)) return blocks;
  return blocks.map((block) => block.text).join('\n\n');
}

function contentParts(content: ChatMessage['content'], path: string): ContentPart[] {
  if (content === undefined || content === null) return [];
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (Array.isArray(content)) return content;
  throw new TranslationError(`${path} must be a string or an array of content parts`, path);
}

function systemTextBlocks(message: ChatMessage, path: string): AnthropicTextBlock[] {
  const blocks: AnthropicTextBlock[] = [];
  contentParts(message.content, `${path}.content`).forEach((part, index) => {
    if (part.type !== 'text') throw unsupportedPartError(part, `${path}.content[${index}]`);
    const block = textBlock(part);
    if (block) blocks.push(block);
  });
  return blocks;
}

function userContentBlocks(content: ChatMessage['content'], path: string): AnthropicContentBlock[] {
  const blocks: AnthropicContentBlock[] = [];
  contentParts(content, path).forEach((part, index) => {
    const block = userContentBlock(part, `${path}[${index}]`);
    if (block) blocks.push(block);
  });
  return blocks;
}

function userContentBlock(part: ContentPart, path: string): AnthropicContentBlock | undefined {
  switch (part.type) {
    case 'text':
      return textBlock(part);
    case 'image_url':
      return imageBlock(part, path);
    case 'file':
      return documentBlock(part, path);
    default:
      throw unsupportedPartError(part, path);
  }
}

function assistantContentBlocks(message: ChatMessage, path: string): AnthropicContentBlock[] {
  const blocks: AnthropicContentBlock[] = [];
  contentParts(message.content, `${path}.content`).forEach((part, index) => {
    if (part.type !== 'text' && part.type !== 'refusal') throw unsupportedPartError(part, `${path}.content[${index}]`);
    const block = textBlock(part);
    if (block) blocks.push(block);
  });
  (Array.isArray(message.tool_calls) ? message.tool_calls : []).forEach((call, index) => blocks.push(toolUseBlock(call, `${path}.tool_calls[${index}]`)));
  return blocks;
}

/** Anthropic rejects empty text blocks, so an empty part yields no block. */
function textBlock(part: ContentPart): AnthropicTextBlock | undefined {
  const text = partField(part, 'text') ?? partField(part, 'refusal');
  if (typeof text !== 'string' || text === '') return undefined;
  return withCacheControl({ type: 'text', text }, part);
}

function partField(part: ContentPart, field: string): unknown {
  return (part as Record<string, unknown>)[field];
}

/** Anthropic-style `cache_control` markers on OpenAI content parts are kept (prompt caching). */
function withCacheControl<Block extends AnthropicContentBlock & { cache_control?: unknown }>(block: Block, part: ContentPart): Block {
  const cacheControl = partField(part, 'cache_control');
  if (cacheControl !== undefined && cacheControl !== null) block.cache_control = cacheControl;
  return block;
}

const DATA_URL = /^data:([^;,]+)((?:;[^;,]+)*);base64,(.*)$/s;

function imageBlock(part: ContentPart, path: string): AnthropicImageBlock {
  const imageUrl = partField(part, 'image_url');
  const url: unknown = typeof imageUrl === 'object' && imageUrl !== null ? (imageUrl as Record<string, unknown>).url : undefined;
  if (typeof url !== 'string') throw new TranslationError(`${path}.image_url.url must be a string`, `${path}.image_url.url`);
  return withCacheControl({ type: 'image', source: imageSource(url, `${path}.image_url.url`) }, part);
}

function imageSource(url: string, path: string): AnthropicImageSource {
  const dataUrl = DATA_URL.exec(url);
  if (dataUrl) return { type: 'base64', media_type: dataUrl[1] ?? '', data: dataUrl[3] ?? '' };
  if (/^https?:\/\//i.test(url)) return { type: 'url', url };
  throw new TranslationError(`${path} must be an http(s) URL or a base64 data URL`, path);
}

/** OpenAI `file` parts carrying a base64 PDF become Anthropic `document` blocks. */
function documentBlock(part: ContentPart, path: string): AnthropicDocumentBlock {
  const file = partField(part, 'file');
  const fields = typeof file === 'object' && file !== null ? (file as Record<string, unknown>) : {};
  const dataUrl = typeof fields.file_data === 'string' ? DATA_URL.exec(fields.file_data) : null;
  if (!dataUrl || dataUrl[1] !== 'application/pdf') {
    throw new TranslationError(`${path}: only base64 PDF files (file.file_data) are supported by anthropic`, `${path}.file`);
  }
  const block: AnthropicDocumentBlock = { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: dataUrl[3] ?? '' } };
  if (typeof fields.filename === 'string') block.title = fields.filename;
  return withCacheControl(block, part);
}

function unsupportedPartError(part: ContentPart, path: string): TranslationError {
  return new TranslationError(`${path}: content part type '${String(part.type)}' is not supported by anthropic`, `${path}.type`);
}

function toolUseBlock(call: ToolCall, path: string): AnthropicToolUseBlock {
  if (typeof call.id !== 'string' || typeof call.function?.name !== 'string') {
    throw new TranslationError(`${path} needs an id and a function name`, path);
  }
  return { type: 'tool_use', id: call.id, name: call.function.name, input: parseToolArguments(call.function.arguments, `${path}.function.arguments`) };
}

/** Anthropic takes tool input as an object; an empty string means a call without arguments. */
function parseToolArguments(argumentsJson: unknown, path: string): Record<string, unknown> {
  if (argumentsJson === undefined || argumentsJson === null || (typeof argumentsJson === 'string' && argumentsJson.trim() === '')) return {};
  if (typeof argumentsJson !== 'string') throw new TranslationError(`${path} must be a JSON string`, path);
  let parsed: unknown;
  try {
    parsed = JSON.parse(argumentsJson);
  } catch {
    throw new TranslationError(`${path} is not valid JSON`, path);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new TranslationError(`${path} must encode a JSON object`, path);
  }
  return parsed as Record<string, unknown>;
}

function toolResultBlock(message: ChatMessage, path: string): AnthropicToolResultBlock {
  if (typeof message.tool_call_id !== 'string' || message.tool_call_id === '') {
    throw new TranslationError(`${path}.tool_call_id is required on tool messages`, `${path}.tool_call_id`);
  }
  const block: AnthropicToolResultBlock = { type: 'tool_result', tool_use_id: message.tool_call_id };
  const content = toolResultContent(message.content, `${path}.content`);
  if (content !== undefined) block.content = content;
  return block;
}

function toolResultContent(content: ChatMessage['content'], path: string): AnthropicToolResultBlock['content'] {
  if (typeof content === 'string') return content === '' ? undefined : content;
  const blocks: (AnthropicTextBlock | AnthropicImageBlock)[] = [];
  contentParts(content, path).forEach((part, index) => {
    const partPath = `${path}[${index}]`;
    if (part.type === 'image_url') blocks.push(imageBlock(part, partPath));
    else if (part.type === 'text') {
      const block = textBlock(part);
      if (block) blocks.push(block);
    } else throw unsupportedPartError(part, partPath);
  });
  return blocks.length > 0 ? blocks : undefined;
}
