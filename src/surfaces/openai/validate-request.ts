import type { ChatRequest, EmbeddingsRequest } from '../../providers/chat-types.js';
import { GatewayError } from '../../errors/gateway-error.js';

/**
 * Checks the fields the gateway relies on, with messages that name the field. Deliberately
 * hand-written rather than a schema: it runs on every request, reads only what routing and
 * translation need, and leaves every other field untouched for the upstream to judge.
 */
const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool', 'function']);

function invalid(param: string, message: string): GatewayError {
  return new GatewayError('invalid_request', `${param}: ${message}`, { param });
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function expectObjectBody(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new GatewayError('invalid_request', `request body must be a JSON object, got ${typeName(body)}`);
  }
  return body as Record<string, unknown>;
}

function expectModel(body: Record<string, unknown>): void {
  if (body.model === undefined) throw invalid('model', 'is required');
  if (typeof body.model !== 'string' || body.model === '') throw invalid('model', `must be a non-empty string, got ${typeName(body.model)}`);
}

function optionalNumber(body: Record<string, unknown>, field: string, options: { integer?: boolean; min?: number; max?: number } = {}): void {
  const value = body[field];
  if (value === undefined || value === null) return;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(field, `must be a number, got ${typeName(value)}`);
  if (options.integer && !Number.isInteger(value)) throw invalid(field, 'must be an integer');
  if (options.min !== undefined && value < options.min) throw invalid(field, `must be ≥ ${options.min}`);
  if (options.max !== undefined && value > options.max) throw invalid(field, `must be ≤ ${options.max}`);
}

function optionalBoolean(body: Record<string, unknown>, field: string): void {
  const value = body[field];
  if (value !== undefined && value !== null && typeof value !== 'boolean') throw invalid(field, `must be a boolean, got ${typeName(value)}`);
}

function validateMessage(message: unknown, index: number): void {
  const path = `messages[${index}]`;
  if (message === null || typeof message !== 'object' || Array.isArray(message)) throw invalid(path, `must be an object, got ${typeName(message)}`);
  const record = message as Record<string, unknown>;
  if (typeof record.role !== 'string') throw invalid(`${path}.role`, record.role === undefined ? 'is required' : `must be a string, got ${typeName(record.role)}`);
  if (!ROLES.has(record.role)) throw invalid(`${path}.role`, `must be one of ${[...ROLES].join(', ')}; got "${record.role.slice(0, 40)}"`);
  const content = record.content;
  if (content !== undefined && content !== null && typeof content !== 'string' && !Array.isArray(content)) {
    throw invalid(`${path}.content`, `must be a string, an array of content parts or null, got ${typeName(content)}`);
  }
  if (Array.isArray(content)) {
    content.forEach((part: unknown, partIndex) => {
      if (part === null || typeof part !== 'object' || typeof (part as { type?: unknown }).type !== 'string') {
        throw invalid(`${path}.content[${partIndex}]`, 'must be an object with a string "type"');
      }
    });
  }
  if (record.role === 'tool' && typeof record.tool_call_id !== 'string') throw invalid(`${path}.tool_call_id`, 'is required for role "tool"');
  if (record.tool_calls !== undefined && record.tool_calls !== null && !Array.isArray(record.tool_calls)) throw invalid(`${path}.tool_calls`, 'must be an array');
}

function validateStringList(body: Record<string, unknown>, field: string): void {
  const value = body[field];
  if (value === undefined || value === null) return;
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string' || item === '')) throw invalid(field, 'must be an array of non-empty strings');
}

export function validateChatRequest(input: unknown): ChatRequest {
  const body = expectObjectBody(input);
  expectModel(body);
  if (body.messages === undefined) throw invalid('messages', 'is required');
  if (!Array.isArray(body.messages)) throw invalid('messages', `must be an array, got ${typeName(body.messages)}`);
  if (body.messages.length === 0) throw invalid('messages', 'must contain at least one message');
  body.messages.forEach(validateMessage);
  optionalBoolean(body, 'stream');
  optionalNumber(body, 'max_tokens', { integer: true, min: 1 });
  optionalNumber(body, 'max_completion_tokens', { integer: true, min: 1 });
  optionalNumber(body, 'temperature', { min: 0, max: 2 });
  optionalNumber(body, 'top_p', { min: 0, max: 1 });
  optionalNumber(body, 'n', { integer: true, min: 1 });
  if (body.stop !== undefined && body.stop !== null && typeof body.stop !== 'string' && !(Array.isArray(body.stop) && body.stop.every((item) => typeof item === 'string'))) {
    throw invalid('stop', 'must be a string or an array of strings');
  }
  if (body.tools !== undefined && body.tools !== null && !Array.isArray(body.tools)) throw invalid('tools', `must be an array, got ${typeName(body.tools)}`);
  const streamOptions = body.stream_options;
  if (streamOptions !== undefined && streamOptions !== null && (typeof streamOptions !== 'object' || Array.isArray(streamOptions))) throw invalid('stream_options', 'must be an object');
  validateStringList(body, 'fallbacks');
  return body as ChatRequest;
}

export function validateEmbeddingsRequest(input: unknown): EmbeddingsRequest {
  const body = expectObjectBody(input);
  expectModel(body);
  const value = body.input;
  if (value === undefined) throw invalid('input', 'is required');
  const valid =
    typeof value === 'string' ||
    (Array.isArray(value) && value.length > 0 && (value.every((item) => typeof item === 'string') || value.every((item) => typeof item === 'number') || value.every((item) => Array.isArray(item))));
  if (!valid) throw invalid('input', 'must be a string, an array of strings, or an array of token arrays');
  optionalNumber(body, 'dimensions', { integer: true, min: 1 });
  validateStringList(body, 'fallbacks');
  return body as EmbeddingsRequest;
}
