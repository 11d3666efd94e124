/** The OpenAI wire format: error envelope, headers and `POST /v1/chat/completions`. */
import { estimateTokens, generateReply, type FinishReason, type GenerationRequest, type LastTurn, type Reply, type SimulatedTool, type ToolChoiceMode } from './generate-reply.js';
import { contentCharacters, contentText, isRecord, optionalNonNegativeInteger, stringList, toolCallCharacters } from './message-text.js';
import { openAiRateLimitHeaders } from './rate-limiter.js';
import {
  chunkPieces,
  nextRequestId,
  problem,
  randomId,
  sseData,
  type DataEndpoint,
  type EndpointContext,
  type PreparedAnswer,
  type RequestProblem,
  type StreamFrames,
  type WireFormat,
} from './wire-format.js';

const SYSTEM_FINGERPRINT = 'fp_simulator';

export const openAiFormat: WireFormat = {
  name: 'openai',
  apiKey: (headers) => bearerToken(headers.authorization) ?? singleHeader(headers['x-api-key']),
  checkHeaders: () => undefined,
  addResponseHeaders(headers) {
    headers['x-request-id'] = nextRequestId();
    headers['openai-version'] = '2020-10-01';
  },
  addRateLimitHeaders: (snapshot, _now, headers) => openAiRateLimitHeaders(snapshot, headers),
  errorBody: (error) => openAiErrorBody(error.status, error.message, error),
  defaultErrorMessage,
  rateLimitMessage: (limitedBy, limit) =>
    `Rate limit reached (simulated) on ${limitedBy} per min: Limit ${limit}. Please try again later.`,
  malformedJson: () =>
    problem(400, "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)"),
  notFound: (method, path) => problem(404, `Invalid URL (${method} ${path})`),
  streamErrorFrame: (message) => sseData(JSON.stringify({ error: { message, type: 'server_error', param: null, code: null } })),
};

export function bearerToken(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const match = /^Bearer\s+(.+)$/i.exec(value.trim());
  return match?.[1];
}

export function singleHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function openAiErrorBody(status: number, message: string, details: { param?: string | null; code?: string | null; type?: string }): string {
  const kind = openAiErrorKind(status);
  const error = {
    message,
    type: details.type ?? kind.type,
    param: details.param ?? null,
    code: details.code === undefined ? kind.code : details.code,
  };
  return JSON.stringify({ error });
}

function openAiErrorKind(status: number): { type: string; code: string | null } {
  if (status === 401) return { type: 'invalid_request_error', code: 'invalid_api_key' };
  if (status === 403) return { type: 'invalid_request_error', code: 'permission_denied' };
  if (status === 404) return { type: 'invalid_request_error', code: 'model_not_found' };
  if (status === 429) return { type: 'requests', code: 'rate_limit_exceeded' };
  if (status >= 500) return { type: 'server_error', code: 'server_error' };
  return { type: 'invalid_request_error', code: null };
}

function defaultErrorMessage(status: number): string {
  if (status === 401) return 'Incorrect API key provided (simulated).';
  if (status === 403) return 'You are not allowed to use this model (simulated).';
  if (status === 404) return 'The model does not exist or you do not have access to it (simulated).';
  if (status === 429) return 'Rate limit reached (simulated). Please try again later.';
  if (status === 503) return 'The engine is currently overloaded, please try again later (simulated).';
  if (status >= 500) return 'The server had an error while processing your request. Sorry about that! (simulated)';
  return `Invalid request (simulated ${status}).`;
}

interface OpenAiChatRequest {
  generation: GenerationRequest;
  stream: boolean;
  includeUsage: boolean;
}

export const chatCompletionsEndpoint: DataEndpoint = {
  format: openAiFormat,
  appliesBehaviour: true,
  prepare: prepareChatCompletion,
};

function prepareChatCompletion(body: unknown, context: EndpointContext): PreparedAnswer | RequestProblem {
  const request = parseChatRequest(body);
  if (request.kind === 'problem') return request;
  const reply = generateReply(request.generation, context.behaviour.outputTokens);
  const model = request.generation.model;
  const tokens = { inputTokens: reply.inputTokens, outputTokens: reply.outputTokens };
  if (!request.stream) return { kind: 'json', ...tokens, body: chatCompletionBody(reply, model) };
  return { kind: 'stream', ...tokens, frames: chatCompletionFrames(reply, model, request.includeUsage, context.behaviour.chunkTokens) };
}

function parseChatRequest(body: unknown): (OpenAiChatRequest & { kind: 'chat' }) | RequestProblem {
  if (!isRecord(body)) return problem(400, 'Invalid request body: expected a JSON object.');
  const { model, messages } = body;
  if (typeof model !== 'string' || model === '') return problem(400, 'you must provide a model parameter');
  if (messages === undefined) return problem(400, "Missing required parameter: 'messages'.", { param: 'messages', code: 'missing_required_parameter' });
  if (!Array.isArray(messages)) return problem(400, "Invalid type for 'messages': expected an array of objects.", { param: 'messages', code: 'invalid_type' });
  if (messages.length === 0) {
    return problem(400, "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.", { param: 'messages', code: 'empty_array' });
  }
  const streamOptions = isRecord(body.stream_options) ? body.stream_options : {};
  const generation: GenerationRequest = {
    model,
    maxTokens: optionalNonNegativeInteger(body.max_completion_tokens) ?? optionalNonNegativeInteger(body.max_tokens),
    stopSequences: stringList(body.stop),
    tools: parseTools(body.tools),
    toolChoice: parseToolChoice(body.tool_choice),
    lastTurn: lastTurnOf(messages),
    json: parseResponseFormat(body.response_format),
    inputTokens: estimateTokens(messagesCharacters(messages)),
  };
  return { kind: 'chat', generation, stream: body.stream === true, includeUsage: streamOptions.include_usage === true };
}

function parseTools(tools: unknown): SimulatedTool[] {
  if (!Array.isArray(tools)) return [];
  const parsed: SimulatedTool[] = [];
  for (const tool of tools) {
    if (isRecord(tool) && isRecord(tool.function) && typeof tool.function.name === 'string') {
      parsed.push({ name: tool.function.name, schema: tool.function.parameters });
    }
  }
  return parsed;
}

function parseToolChoice(choice: unknown): ToolChoiceMode {
  if (choice === 'none') return { mode: 'none' };
  if (isRecord(choice) && isRecord(choice.function) && typeof choice.function.name === 'string') {
    return { mode: 'named', name: choice.function.name };
  }
  return { mode: 'auto' };
}

function parseResponseFormat(format: unknown): { schema: unknown } | undefined {
  if (!isRecord(format)) return undefined;
  if (format.type === 'json_object') return { schema: undefined };
  if (format.type === 'json_schema') return { schema: isRecord(format.json_schema) ? format.json_schema.schema : undefined };
  return undefined;
}

function lastTurnOf(messages: unknown[]): LastTurn {
  const last = messages[messages.length - 1];
  if (!isRecord(last)) return { kind: 'other' };
  if (last.role === 'user') return { kind: 'user' };
  if (last.role === 'tool' || last.role === 'function') return { kind: 'tool_result', content: contentText(last.content) };
  return { kind: 'other' };
}

function messagesCharacters(messages: unknown[]): number {
  let total = 0;
  for (const message of messages) {
    if (isRecord(message)) total += contentCharacters(message.content) + toolCallCharacters(message.tool_calls);
  }
  return total;
}

const FINISH_REASONS: Record<FinishReason, string> = {
  end: 'stop',
  stop_sequence: 'stop',
  length: 'length',
  tool_call: 'tool_calls',
};

function usageObject(reply: Reply): Record<string, unknown> {
  return {
    prompt_tokens: reply.inputTokens,
    completion_tokens: reply.outputTokens,
    total_tokens: reply.inputTokens + reply.outputTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function chatCompletionBody(reply: Reply, model: string): string {
  const message = reply.toolCall === undefined
    ? { role: 'assistant', content: reply.text, refusal: null, annotations: [] }
    : {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: `call_${randomId()}`, type: 'function', function: { name: reply.toolCall.name, arguments: reply.toolCall.arguments } }],
        refusal: null,
        annotations: [],
      };
  return JSON.stringify({
    id: `chatcmpl-${randomId()}`,
    object: 'chat.completion',
    created: nowSeconds(),
    model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: FINISH_REASONS[reply.finish] }],
    usage: usageObject(reply),
    service_tier: 'default',
    system_fingerprint: SYSTEM_FINGERPRINT,
  });
}

/**
 * Chunks as OpenAI streams them: the first carries the role (and, for a tool call, its id and
 * name), then one per content piece, one with the finish reason, the usage chunk with
 * `choices: []` when `include_usage` is set (every other chunk then has `usage: null`), `[DONE]`.
 */
function chatCompletionFrames(reply: Reply, model: string, includeUsage: boolean, chunkTokens: number): StreamFrames {
  const head = `{"id":"chatcmpl-${randomId()}","object":"chat.completion.chunk","created":${nowSeconds()},"model":${JSON.stringify(model)},"service_tier":"default","system_fingerprint":"${SYSTEM_FINGERPRINT}","choices":[`;
  const tail = includeUsage ? '],"usage":null}' : ']}';
  const toolCall = reply.toolCall;
  const firstDelta = toolCall === undefined
    ? '{"role":"assistant","content":"","refusal":null}'
    : `{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_${randomId()}","type":"function","function":{"name":${JSON.stringify(toolCall.name)},"arguments":""}}],"refusal":null}`;
  const content = chunkPieces(reply.pieces, chunkTokens).map((piece) => {
    const delta = toolCall === undefined
      ? `{"content":${JSON.stringify(piece)}}`
      : `{"tool_calls":[{"index":0,"function":{"arguments":${JSON.stringify(piece)}}}]}`;
    return sseData(head + choiceJson(delta, null) + tail);
  });
  const epilogue = [sseData(head + choiceJson('{}', `"${FINISH_REASONS[reply.finish]}"`) + tail)];
  if (includeUsage) epilogue.push(sseData(`${head}],"usage":${JSON.stringify(usageObject(reply))}}`));
  epilogue.push('data: [DONE]\n\n');
  return { preamble: [sseData(head + choiceJson(firstDelta, null) + tail)], content, epilogue };
}

function choiceJson(delta: string, finishReason: string | null): string {
  return `{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finishReason ?? 'null'}}`;
}
