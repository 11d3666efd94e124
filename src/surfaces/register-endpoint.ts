import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import { GatewayError } from '../errors/gateway-error.js';

type Handler = (request: FastifyRequest, reply: FastifyReply) => unknown;

const OTHER_METHODS: readonly HTTPMethods[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/**
 * Registers a handler for one method and a 405 `method_not_allowed` for the others on the
 * same path, so a known path called the wrong way says so instead of answering 404.
 */
export function registerEndpoint(app: FastifyInstance, method: 'GET' | 'POST', url: string, handler: Handler): void {
  registerResource(app, url, { [method]: handler });
}

/** Registers the handlers of several methods on one path, and 405 for every other method. */
export function registerResource(app: FastifyInstance, url: string, handlers: Partial<Record<Method, Handler>>): void {
  const methods = Object.keys(handlers) as Method[];
  for (const method of methods) app.route({ method, url, handler: handlers[method] as Handler });
  const allow = methods.map((method) => (method === 'GET' ? 'GET, HEAD' : method)).join(', ');
  const others = OTHER_METHODS.filter((other) => !methods.includes(other as Method));
  app.route({
    method: others,
    url,
    handler: async (request) => {
      throw new GatewayError('method_not_allowed', `${request.method} is not allowed on ${url}; use ${methods.join(' or ')}`, { headers: { allow } });
    },
  });
}
