/** The Anthropic wire format: error envelope, headers, `POST /v1/messages` and `/v1/messages/count_tokens`. */
import { estimateTokens, generateReply, type FinishReason, type GenerationRequest, type LastTurn, type Reply, type SimulatedTool, type ToolChoiceMode } from './generate-reply.js';
import { contentCharacters, contentText, isRecord, stringList } from './message-text.js';
import { bearerToken, singleHeader } from './openai-format.js';
import { anthropicRateLimitHeaders } from './rate-limiter.js';
import {
  chunkPieces,
  nextRequestId,
  problem,
  randomId,
  sseEvent,
  type DataEndpoint,
  type EndpointContext,
  type PreparedAnswer,
  type RequestProblem,
  type StreamFrames,
  type WireFormat,
} from './wire-format.js';

export const anthropicFormat: WireFormat = {
  name: 'anthropic',
  apiKey: (headers) => singleHeader(headers['x-api-key']) ?? bearerToken(headers.authorization),
  checkHeaders: (headers) =>
    headers['anthropic-version'] === undefined ? problem(400, 'anthropic-version: header is required') : undefined,
  addResponseHeaders(headers) {
    headers['request-id'] = nextRequestId();
  },
  addRateLimitHeaders: anthropicRateLimitHeaders,
  errorBody: (error) => JSON.stringify({ type: 'error', error: { type: error.type ?? anthropicErrorType(error.status), message: error.message } }),
  defaultErrorMessage,
  rateLimitMessage: (limitedBy, limit) =>
    `This request would exceed the rate limit (simulated) of ${limit} ${limitedBy} per minute. Please try again later.`,
  malformedJson: () => problem(400, 'There was an error parsing the body of your request: expected valid JSON.'),
  notFound: (method, path) => problem(404, `Not found: ${method} ${path}`),
  streamErrorFrame: (message) => sseEvent('error', JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message } })),
};

function anthropicErrorType(status: number): string {
  switch (status) {
    case 400:
      return 'invalid_request_error';
    case 401:
      return 'authentication_error';
    case 402:
      return 'billing_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 504:
      return 'timeout_error';
    case 529:
      return 'overloaded_error';
    default:
      return status >= 500 ? 'api_error' : 'invalid_request_error';
  }
}

function defaultErrorMessage(status: number): string {
  if (status === 401) return 'invalid x-api-key (simulated)';
  if (status === 403) return 'Your API key does not have permission to use the specified resource (simulated).';
  if (status === 404) return 'The requested resource could not be found (simulated).';
  if (status === 429) return 'Number of requests has exceeded your rate limit (simulated). Please try again later.';
  if (status === 529) return 'Overloaded';
  if (status >= 500) return 'Internal server error (simulated)';
  return `Invalid request (simulated ${status}).`;
}

export const messagesEndpoint: DataEndpoint = {
  format: anthropicFormat,
  appliesBehaviour: true,
  prepare: prepareMessage,
};

export const countTokensEndpoint: DataEndpoint = {
  format: anthropicFormat,
  appliesBehaviour: false,
  prepare: prepareTokenCount,
};

interface AnthropicMessagesRequest {
  kind: 'messages';
  generation: GenerationRequest;
  stream: boolean;
}

function prepareMessage(body: unknown, context: EndpointContext): PreparedAnswer | RequestProblem {
  const request = parseMessagesRequest(body);
  if (request.kind === 'problem') return request;
  const reply = generateReply(request.generation, context.behaviour.outputTokens);
  const model = request.generation.model;
  const tokens = { inputTokens: reply.inputTokens, outputTokens: reply.outputTokens };
  if (!request.stream) return { kind: 'json', ...tokens, body: messageBody(reply, model) };
  return { kind: 'stream', ...tokens, frames: messageFrames(reply, model, context.behaviour.chunkTokens) };
}

function prepareTokenCount(body: unknown): PreparedAnswer | RequestProblem {
  const request = readMessagesBody(body);
  if (request.kind === 'problem') return request;
  const inputTokens = estimateTokens(promptCharacters(request.fields));
  return { kind: 'json', inputTokens, outputTokens: 0, body: JSON.stringify({ input_tokens: inputTokens }) };
}

interface MessagesBody {
  kind: 'body';
  fields: Record<string, unknown>;
  model: string;
  messages: unknown[];
}

function readMessagesBody(body: unknown): MessagesBody | RequestProblem {
  if (!isRecord(body)) return problem(400, 'Invalid request body: expected a JSON object.');
  const { model, messages } = body;
  if (typeof model !== 'string' || model === '') return problem(400, 'model: Field required');
  if (!Array.isArray(messages)) return problem(400, 'messages: Field required');
  if (messages.length === 0) return problem(400, 'messages: at least one message is required');
  return { kind: 'body', fields: body, model, messages };
}

function parseMessagesRequest(body: unknown): AnthropicMessagesRequest | RequestProblem {
  const request = readMessagesBody(body);
  if (request.kind === 'problem') return request;
  const maxTokens = request.fields.max_tokens;
  if (maxTokens === undefined) return problem(400, 'max_tokens: Field required');
  if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1) {
    return problem(400, 'max_tokens: Input should be a valid integer greater than or equal to 1');
  }
  const generation: GenerationRequest = {
    model: request.model,
    maxTokens,
    stopSequences: stringList(request.fields.stop_sequences),
    tools: parseTools(request.fields.tools),
    toolChoice: parseToolChoice(request.fields.tool_choice),
    lastTurn: lastTurnOf(request.messages),
    json: undefined,
    inputTokens: estimateTokens(promptCharacters(request.fields)),
  };
  return { kind: 'messages', generation, stream: request.fields.stream === true };
}

function promptCharacters(request: Record<string, unknown>): number {
  let total = contentCharacters(request.system);
  if (Array.isArray(request.messages)) {
    for (const message of request.messages) {
      if (isRecord(message)) total += contentCharacters(message.content);
    }
  }
  return total;
}

function parseTools(tools: unknown): SimulatedTool[] {
  if (!Array.isArray(tools)) return [];
  const parsed: SimulatedTool[] = [];
  for (const tool of tools) {
    if (isRecord(tool) && typeof tool.name === 'string') parsed.push({ name: tool.name, schema: tool.input_schema });
  }
  return parsed;
}

function parseToolChoice(choice: unknown): ToolChoiceMode {
  if (!isRecord(choice)) return { mode: 'auto' };
  if (choice.type === 'none') return { mode: 'none' };
  if (choice.type === 'tool' && typeof choice.name === 'string') return { mode: 'named', name: choice.name };
  return { mode: 'auto' };
}

function lastTurnOf(messages: unknown[]): LastTurn {
  const last = messages[messages.length - 1];
  if (!isRecord(last) || last.role !== 'user') return { kind: 'other' };
  const blocks: unknown[] = Array.isArray(last.content) ? last.content : [];
  const toolResult = blocks.find((block) => isRecord(block) && block.type === 'tool_result');
  if (isRecord(toolResult)) return { kind: 'tool_result', content: contentText(toolResult.content) };
  return { kind: 'user' };
}

const STOP_REASONS: Record<FinishReason, string> = {
  end: 'end_turn',
  stop_sequence: 'stop_sequence',
  length: 'max_tokens',
  tool_call: 'tool_use',
};

function usageObject(reply: Reply, outputTokens: number): Record<string, unknown> {
  return {
    input_tokens: reply.inputTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    output_tokens: outputTokens,
    service_tier: 'standard',
  };
}

function messageBody(reply: Reply, model: string): string {
  const content = reply.toolCall === undefined
    ? [{ type: 'text', text: reply.text }]
    : [{ type: 'tool_use', id: `toolu_${randomId()}`, name: reply.toolCall.name, input: reply.toolCall.input }];
  return JSON.stringify({
    id: `msg_${randomId()}`,
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: STOP_REASONS[reply.finish],
    stop_sequence: reply.stopSequence,
    usage: usageObject(reply, reply.outputTokens),
  });
}

/**
 * Events as Anthropic streams them: message_start, content_block_start, ping, one
 * content_block_delta per chunk, content_block_stop, message_delta (stop reason and output
 * tokens), message_stop.
 */
function messageFrames(reply: Reply, model: string, chunkTokens: number): StreamFrames {
  const message = {
    id: `msg_${randomId()}`,
    type: 'message',
    role: 'assistant',
    model,
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: usageObject(reply, 1),
  };
  const toolCall = reply.toolCall;
  const block = toolCall === undefined
    ? '{"type":"text","text":""}'
    : `{"type":"tool_use","id":"toolu_${randomId()}","name":${JSON.stringify(toolCall.name)},"input":{}}`;
  const preamble = [
    sseEvent('message_start', JSON.stringify({ type: 'message_start', message })),
    sseEvent('content_block_start', `{"type":"content_block_start","index":0,"content_block":${block}}`),
    sseEvent('ping', '{"type": "ping"}'),
  ];
  const deltaPrefix = toolCall === undefined ? '{"type":"text_delta","text":' : '{"type":"input_json_delta","partial_json":';
  const content = chunkPieces(reply.pieces, chunkTokens).map((piece) =>
    sseEvent('content_block_delta', `{"type":"content_block_delta","index":0,"delta":${deltaPrefix}${JSON.stringify(piece)}}}`),
  );
  const delta = { stop_reason: STOP_REASONS[reply.finish], stop_sequence: reply.stopSequence };
  const epilogue = [
    sseEvent('content_block_stop', '{"type":"content_block_stop","index":0}'),
    sseEvent('message_delta', JSON.stringify({ type: 'message_delta', delta, usage: { output_tokens: reply.outputTokens } })),
    sseEvent('message_stop', '{"type":"message_stop"}'),
  ];
  return { preamble, content, epilogue };
}
