import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RuntimeConfig } from '../../config/runtime-config.js';
import { GatewayError } from '../../errors/gateway-error.js';
import type { Gateway } from '../../gateway.js';
import type { Attempt, AttemptResult, ChainLink } from '../../pipeline/attempt-loop.js';
import { buildChain, runAttempts } from '../../pipeline/attempt-loop.js';
import { RequestContext } from '../../pipeline/request-context.js';
import { streamChatAttempt } from '../../pipeline/stream-chat.js';
import { callForJson, RequestSignals } from '../../pipeline/upstream-call.js';
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
  registerEndpoint(app, 'GET', '/v1/models', (_request, reply) => reply.type('application/json').send(modelList(gateway.config)));
}

type DataPlaneHandler = (gateway: Gateway, context: RequestContext, request: FastifyRequest, reply: FastifyReply) => Promise<void>;

/** Runs a data-plane handler and reports the finished request to the gateway's listeners. */
async function observe(gateway: Gateway, request: FastifyRequest, reply: FastifyReply, handler: DataPlaneHandler): Promise<void> {
  const context = new RequestContext(request.id, 'openai');
  try {
    await handler(gateway, context, request, reply);
    context.status = reply.statusCode;
  } catch (error) {
    context.status = error instanceof GatewayError ? error.status : 500;
    context.errorCode = error instanceof GatewayError ? error.code : 'internal_error';
    throw error;
  } finally {
    gateway.requestFinished(context);
  }
}

/** Builds an upstream call, turning a translation problem in the client's payload into a 400. */
function buildCall(build: () => UpstreamCall, context: RequestContext): UpstreamCall {
  let call: UpstreamCall;
  try {
    call = build();
  } catch (error) {
    const param = (error as { param?: unknown }).param;
    throw new GatewayError('invalid_request', (error as Error).message, { param: typeof param === 'string' ? param : undefined });
  }
  for (const warning of call.warnings) if (!context.warnings.includes(warning)) context.warnings.push(warning);
  return call;
}

function watchClient(reply: FastifyReply, signals: RequestSignals): void {
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) signals.client.abort();
  });
}

async function chatCompletions(gateway: Gateway, context: RequestContext, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const config = gateway.config;
  const body = validateChatRequest(request.body);
  context.requestedModel = body.model;
  context.stream = body.stream === true;
  const chain = buildChain(config, resolveModel(config, body.model), body.fallbacks as string[] | undefined);
  delete body.fallbacks;
  const signals = new RequestSignals(gateway.shutdownSignal);
  watchClient(reply, signals);

  if (context.stream) {
    await streamChat(gateway, config, chain, context, body, signals, reply);
    return;
  }
  const payload = await runAttempts(context, config, chain, (attempt) => completeChat(gateway, context, body, signals, attempt), () => signals.clientGone);
  void reply.headers(context.routingHeaders()).type('application/json').send(payload);
}

async function streamChat(
  gateway: Gateway,
  config: RuntimeConfig,
  chain: readonly ChainLink[],
  context: RequestContext,
  body: ChatRequest,
  signals: RequestSignals,
  reply: FastifyReply,
): Promise<void> {
  const writer = new OpenAIStreamWriter(body.stream_options?.include_usage === true);
  const commit = (headers: Record<string, string>) => {
    reply.hijack();
    reply.raw.writeHead(200, { ...headers, 'content-type': writer.contentType, 'cache-control': 'no-cache', connection: 'keep-alive' });
    return reply.raw;
  };
  await runAttempts(
    context,
    config,
    chain,
    (attempt) => {
      const call = buildCall(() => attempt.target.provider.adapter.chatRequest(body, attempt.adapterTarget), context);
      return streamChatAttempt(gateway.transport, call, attempt, signals, context, writer, commit);
    },
    () => signals.clientGone,
  );
  if (signals.clientGone && !reply.sent) {
    context.errorCode = 'client_closed';
    reply.hijack();
    reply.raw.destroy();
  }
}

async function completeChat(gateway: Gateway, context: RequestContext, body: ChatRequest, signals: RequestSignals, attempt: Attempt): Promise<AttemptResult<string>> {
  const adapter = attempt.target.provider.adapter;
  const call = buildCall(() => adapter.chatRequest(body, attempt.adapterTarget), context);
  const result = await callForJson(gateway.transport, attempt.target.provider, call, signals, context, attempt.startedAt);
  if (!result.ok) return result;
  const { response, usage } = adapter.chatResponse(result.value.json, attempt.adapterTarget);
  context.usage = usage;
  // Same wire format: the upstream's bytes go to the client untouched.
  return { ok: true, value: adapter.format === 'openai' ? result.value.text : JSON.stringify(response) };
}

async function embeddings(gateway: Gateway, context: RequestContext, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const config = gateway.config;
  const body = validateEmbeddingsRequest(request.body);
  context.requestedModel = body.model;
  const chain = buildChain(config, resolveModel(config, body.model), body.fallbacks as string[] | undefined);
  delete body.fallbacks;
  const signals = new RequestSignals(gateway.shutdownSignal);
  watchClient(reply, signals);
  const payload = await runAttempts(context, config, chain, (attempt) => embedOnce(gateway, context, body, signals, attempt), () => signals.clientGone);
  void reply.headers(context.routingHeaders()).type('application/json').send(payload);
}

async function embedOnce(gateway: Gateway, context: RequestContext, body: EmbeddingsRequest, signals: RequestSignals, attempt: Attempt): Promise<AttemptResult<string>> {
  const provider = attempt.target.provider;
  const adapter = provider.adapter;
  if (adapter.embeddingsRequest === undefined || adapter.embeddingsResponse === undefined) {
    throw new GatewayError('invalid_request', `provider '${provider.id}' (type ${provider.type}) does not offer embeddings`, { param: 'model' });
  }
  const call = buildCall(() => adapter.embeddingsRequest!(body, attempt.adapterTarget), context);
  const result = await callForJson(gateway.transport, provider, call, signals, context, attempt.startedAt);
  if (!result.ok) return result;
  const { response, usage } = adapter.embeddingsResponse(result.value.json, attempt.adapterTarget);
  context.usage = usage;
  return { ok: true, value: adapter.format === 'openai' ? result.value.text : JSON.stringify(response) };
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
