import { randomBytes } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import Fastify from 'fastify';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { errorEnvelope, surfaceOfUrl } from './errors/error-envelope.js';
import { GatewayError, isGatewayError } from './errors/gateway-error.js';
import type { Gateway } from './gateway.js';
import { registerAdminRoutes } from './admin/admin-routes.js';
import { registerOpenAIRoutes } from './surfaces/openai/openai-routes.js';
import { registerEndpoint } from './surfaces/register-endpoint.js';

export interface AppOptions {
  logger?: Logger | undefined;
}

const REQUEST_ID = /^[\x21-\x7e]{1,128}$/;
/** Generated ids are a random per-process prefix and a counter: unique across nodes, and cheap. */
const REQUEST_ID_PREFIX = randomBytes(8).toString('hex');
let requestCounter = 0;

/** An `x-request-id` the client sent is echoed when it is sane; otherwise one is generated. */
function requestIdOf(request: IncomingMessage): string {
  const sent = request.headers['x-request-id'];
  if (typeof sent === 'string' && REQUEST_ID.test(sent)) return sent;
  requestCounter++;
  return `${REQUEST_ID_PREFIX}-${requestCounter.toString(36)}`;
}

/**
 * Builds the gateway's HTTP app. It never listens: `main.ts` does, and tests call `inject()`
 * or listen on an ephemeral port themselves.
 */
export function buildApp(gateway: Gateway, options: AppOptions = {}): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: gateway.config.server.max_body_bytes,
    genReqId: requestIdOf,
    return503OnClosing: false,
    forceCloseConnections: 'idle',
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, parseJsonBody);
  app.setErrorHandler((error, request, reply) => sendError(toGatewayError(error, gateway, options.logger), request, reply));
  app.setNotFoundHandler((request, reply) => sendError(new GatewayError('not_found', `no endpoint at ${request.method} ${request.url.split('?')[0] ?? ''}`), request, reply));
  registerOpsRoutes(app, gateway);
  registerOpenAIRoutes(app, gateway);
  registerAdminRoutes(app, gateway);
  return app;
}

function registerOpsRoutes(app: FastifyInstance, gateway: Gateway): void {
  registerEndpoint(app, 'GET', '/healthz', (_request, reply) => reply.send({ status: 'ok' }));
  registerEndpoint(app, 'GET', '/readyz', async (_request, reply) => {
    if (gateway.draining) return reply.code(503).send({ status: 'draining' });
    const storeProblem = await storeUnreachable(gateway);
    if (storeProblem !== undefined) return reply.code(503).send({ status: 'store_unreachable', store: gateway.governance.store.location, error: storeProblem });
    return reply.send({ status: 'ready', config: gateway.config.source, store: gateway.governance.store.location });
  });
  registerEndpoint(app, 'GET', '/metrics', async (_request, reply) => {
    if (!gateway.config.observability.metrics.enabled) throw new GatewayError('not_found', 'metrics are off: set observability.metrics.enabled to true');
    return reply.type(gateway.metrics.contentType).send(await gateway.metrics.render());
  });
}

const READINESS_STORE_TIMEOUT_MS = 2_000;

/** Why the store does not answer a trivial query within the readiness timeout; undefined when it does. */
async function storeUnreachable(gateway: Gateway): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${READINESS_STORE_TIMEOUT_MS} ms`), READINESS_STORE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([gateway.governance.store.ping().then(() => undefined), timeout]);
  } catch (error) {
    return (error as Error).message;
  } finally {
    clearTimeout(timer);
  }
}

function parseJsonBody(_request: FastifyRequest, body: Buffer, done: (error: Error | null, value?: unknown) => void): void {
  if (body.length === 0) {
    done(new GatewayError('invalid_request', 'request body is empty; expected a JSON object'));
    return;
  }
  if (!isUtf8(body)) {
    done(new GatewayError('invalid_request', 'request body is not valid UTF-8'));
    return;
  }
  try {
    done(null, JSON.parse(body.toString('utf8')));
  } catch (error) {
    done(new GatewayError('invalid_request', `request body is not valid JSON: ${(error as Error).message}`));
  }
}

function toGatewayError(error: unknown, gateway: Gateway, logger: Logger | undefined): GatewayError {
  if (isGatewayError(error)) return error;
  const fastifyError = error as Partial<FastifyError>;
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new GatewayError('payload_too_large', `request body is larger than the limit of ${gateway.config.server.max_body_bytes} bytes (server.max_body_bytes)`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new GatewayError('unsupported_media_type', 'Content-Type must be application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new GatewayError('invalid_request', 'request body is empty; expected a JSON object');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new GatewayError('invalid_request', 'Content-Length does not match the body');
    default:
      break;
  }
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return new GatewayError('invalid_request', fastifyError.message ?? 'bad request', { status: fastifyError.statusCode });
  }
  logger?.error({ err: error }, 'unexpected error while handling a request');
  return new GatewayError('internal_error', 'the gateway failed to handle this request; the error is in its log', { cause: error });
}

function sendError(error: GatewayError, request: FastifyRequest, reply: FastifyReply): void {
  if (reply.sent || reply.raw.headersSent) {
    reply.raw.destroy();
    return;
  }
  if (error.headers) void reply.headers(error.headers);
  void reply.code(error.status).header('x-request-id', request.id).type('application/json').send(errorEnvelope(surfaceOfUrl(request.url), error));
}
