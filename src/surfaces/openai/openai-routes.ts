import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RuntimeConfig } from '../../config/runtime-config.js';
import { GatewayError } from '../../errors/gateway-error.js';
import type { Gateway } from '../../gateway.js';
import { admitRequest, estimateInputTokens } from '../../pipeline/admission.js';
import type { Attempt, AttemptResult, ChainLink, RoutingOverrides } from '../../pipeline/attempt-loop.js';
import { buildChain, runAttempts } from '../../pipeline/attempt-loop.js';
import { RequestContext } from '../../pipeline/request-context.js';
import { readRoutingOverrides } from '../../pipeline/routing-overrides.js';
import { streamChatAttempt } from '../../pipeline/stream-chat.js';
import { RequestSignals } from '../../pipeline/request-signals.js';
import { callForJson } from '../../pipeline/upstream-call.js';
import type { ChatRequest, EmbeddingsRequest } from '../../providers/chat-types.js';
import type { UpstreamCall } from '../../providers/spec.js';
import { resolveModel } from '../../routing/resolve-model.js';
import { registerEndpoint } from '../register-endpoint.js';
import { OpenAIStreamWriter } from './openai-stream-writer.js';
import { validateChatRequest, validateEmbeddingsRequest } from './validate-request.js';

/** The OpenAI-compatible data plane: `/v1/chat/completions`, `/v1/embeddings`, `/v1/models`. */
export function registerOpenAIRoutes(app: FastifyInstance, gateway: Gateway): void {
  registerEndpoint(app, 'POST', '/v1/chat/completions', (request, reply) => observe(gateway, request, reply, chatCompletions));
  registerEndpoint(app, 'POST', '/v1/embeddings', (request, reply) => observe(gateway, request, reply, embeddings));
  registerEndpoint(app, 'GET', '/v1/models', (request, reply) => {
    gateway.governance.authenticate(request.headers, Date.now());
    return reply.type('application/json').send(modelList(gateway.config));
  });
}

type DataPlaneHandler = (gateway: Gateway, context: RequestContext, signals: RequestSignals, request: FastifyRequest, reply: FastifyReply) => Promise<void>;

/** Runs a data-plane handler and reports the finished request to the gateway's listeners. */
async function observe(gateway: Gateway, request: FastifyRequest, reply: FastifyReply, handler: DataPlaneHandler): Promise<void> {
  const context = new RequestContext(request.id, 'openai');
  gateway.tracer?.startRequest(context, request.raw);
  context.debug = request.headers['x-switchyard-debug'] === '1';
  const requestLog = gateway.config.observability.request_log;
  if (requestLog.content) {
    context.contentMaxBytes = requestLog.content_max_bytes;
    context.captureRequest(request.body);
  }
  const signals = new RequestSignals();
  gateway.requestStarted(signals);
  signals.watch(reply.raw);
  try {
    context.principal = gateway.governance.authenticate(request.headers, Date.now());
    context.estimatedInputTokens = estimateInputTokens(request);
    await handler(gateway, context, signals, request, reply);
    context.status = reply.statusCode;
  } catch (error) {
    context.status = error instanceof GatewayError ? error.status : 500;
    context.errorCode = error instanceof GatewayError ? error.code : 'internal_error';
    throw error;
  } finally {
    gateway.requestFinished(context, signals);
  }
}

/**
 * Removes the gateway-only `fallbacks` field before the body is forwarded. `delete` only when it
 * is there: deleting a property turns the object into a slow dictionary for every later step.
 */
function takeFallbacks(body: Record<string, unknown>): string[] | undefined {
  if (body.fallbacks === undefined) return undefined;
  const fallbacks = body.fallbacks as string[];
  delete body.fallbacks;
  return fallbacks;
}

const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** Writes a successful proxied JSON response straight to the socket: one writeHead, one end. */
function sendProxied(reply: FastifyReply, context: RequestContext, payload: Buffer | string): void {
  if (context.content !== null) context.captureResponse(payload.toString(), false);
  reply.hijack();
  const headers = context.responseHeaders(JSON_CONTENT_TYPE);
  headers.push('content-length', String(Buffer.byteLength(payload)));
  reply.raw.writeHead(200, headers);
  reply.raw.end(payload);
}

/** A translation problem in the client's payload (thrown by an adapter) is the client's 400. */
function translationFailed(error: unknown): GatewayError {
  const param = (error as { param?: unknown }).param;
  return new GatewayError('invalid_request', (error as Error).message, { param: typeof param === 'string' ? param : undefined });
}

function noteWarnings(call: UpstreamCall, context: RequestContext): UpstreamCall {
  for (const warning of call.warnings) if (!context.warnings.includes(warning)) context.warnings.push(warning);
  return call;
}

function chatCall(body: ChatRequest, attempt: Attempt, context: RequestContext): UpstreamCall {
  try {
    return noteWarnings(attempt.target.provider.adapter.chatRequest(body, attempt.adapterTarget), context);
  } catch (error) {
    throw translationFailed(error);
  }
}

function embeddingsCall(body: EmbeddingsRequest, attempt: Attempt, context: RequestContext): UpstreamCall {
  const provider = attempt.target.provider;
  if (provider.adapter.embeddingsRequest === undefined) {
    throw new GatewayError('invalid_request', `provider '${provider.id}' (type ${provider.type}) does not offer embeddings`, { param: 'model' });
  }
  try {
    return noteWarnings(provider.adapter.embeddingsRequest(body, attempt.adapterTarget), context);
  } catch (error) {
    throw translationFailed(error);
  }
}

async function chatCompletions(gateway: Gateway, context: RequestContext, signals: RequestSignals, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const config = gateway.config;
  const body = validateChatRequest(request.body);
  context.requestedModel = body.model;
  context.stream = body.stream === true;
  const overrides = readRoutingOverrides(request.headers);
  const requestFallbacks = takeFallbacks(body);
  const chain = buildChain(config, resolveModel(config, body.model), requestFallbacks);
  const maxOutputTokens = body.max_completion_tokens ?? body.max_tokens ?? undefined;
  const admitting = admitRequest(gateway, context, chain, requestFallbacks, maxOutputTokens);
  if (admitting !== undefined) await admitting;
  const estimate = context.estimatedInputTokens + (maxOutputTokens ?? config.governance.default_max_output_tokens);
  if (context.stream) {
    await streamChat(gateway, config, chain, context, body, signals, reply, overrides, estimate);
    return;
  }
  const payload = await runAttempts(context, config, chain, signals, (attempt) => completeChat(gateway, context, body, signals, attempt), overrides, estimate);
  sendProxied(reply, context, payload);
}

async function streamChat(
  gateway: Gateway,
  config: RuntimeConfig,
  chain: readonly ChainLink[],
  context: RequestContext,
  body: ChatRequest,
  signals: RequestSignals,
  reply: FastifyReply,
  overrides: RoutingOverrides,
  estimate: number,
): Promise<void> {
  const writer = new OpenAIStreamWriter(body.stream_options?.include_usage === true);
  const commit = (committed: RequestContext) => {
    reply.hijack();
    const headers = committed.responseHeaders(writer.contentType);
    headers.push('cache-control', 'no-cache', 'connection', 'keep-alive');
    reply.raw.writeHead(200, headers);
    return reply.raw;
  };
  await runAttempts(context, config, chain, signals, (attempt) => streamChatAttempt(gateway.transport, chatCall(body, attempt, context), attempt, signals, context, writer, commit), overrides, estimate);
  if (signals.clientGone && !reply.sent) {
    context.errorCode = 'client_closed';
    reply.hijack();
    reply.raw.destroy();
  }
}

async function completeChat(gateway: Gateway, context: RequestContext, body: ChatRequest, signals: RequestSignals, attempt: Attempt): Promise<AttemptResult<Buffer | string>> {
  const adapter = attempt.target.provider.adapter;
  const result = await callForJson(gateway.transport, attempt.target.provider, attempt.key, chatCall(body, attempt, context), signals, context, attempt.startedAt);
  if (!result.ok) return result;
  const { response, usage } = adapter.chatResponse(result.value.json, attempt.adapterTarget);
  context.usage = usage;
  // Same wire format: the upstream's bytes go to the client untouched.
  return { ok: true, value: adapter.format === 'openai' ? result.value.bytes : JSON.stringify(response) };
}

async function embeddings(gateway: Gateway, context: RequestContext, signals: RequestSignals, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const config = gateway.config;
  const body = validateEmbeddingsRequest(request.body);
  context.requestedModel = body.model;
  const requestFallbacks = takeFallbacks(body);
  const chain = buildChain(config, resolveModel(config, body.model), requestFallbacks);
  const admitting = admitRequest(gateway, context, chain, requestFallbacks, 0);
  if (admitting !== undefined) await admitting;
  const payload = await runAttempts(context, config, chain, signals, (attempt) => embedOnce(gateway, context, body, signals, attempt), readRoutingOverrides(request.headers), context.estimatedInputTokens);
  sendProxied(reply, context, payload);
}

async function embedOnce(gateway: Gateway, context: RequestContext, body: EmbeddingsRequest, signals: RequestSignals, attempt: Attempt): Promise<AttemptResult<Buffer | string>> {
  const provider = attempt.target.provider;
  const result = await callForJson(gateway.transport, provider, attempt.key, embeddingsCall(body, attempt, context), signals, context, attempt.startedAt);
  if (!result.ok) return result;
  const { response, usage } = (provider.adapter.embeddingsResponse as NonNullable<typeof provider.adapter.embeddingsResponse>)(result.value.json, attempt.adapterTarget);
  context.usage = usage;
  return { ok: true, value: provider.adapter.format === 'openai' ? result.value.bytes : JSON.stringify(response) };
}

const modelLists = new WeakMap<RuntimeConfig, string>();

/** `GET /v1/models` in OpenAI's list shape; rendered once per config snapshot. */
function modelList(config: RuntimeConfig): string {
  let body = modelLists.get(config);
  if (body === undefined) {
    const data = config.modelNames.map((id) => {
      const group = config.groups.get(id);
      const owner = group ? 'switchyard' : (config.bareModels.get(id)?.id ?? id.slice(0, id.indexOf('/')));
      return { id, object: 'model', created: 0, owned_by: owner };
    });
    body = JSON.stringify({ object: 'list', data });
    modelLists.set(config, body);
  }
  return body;
}
