import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import { GatewayError } from '../errors/gateway-error.js';

type Handler = (request: FastifyRequest, reply: FastifyReply) => unknown;

const OTHER_METHODS: readonly HTTPMethods[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/**
 * Registers a handler for one method and a 405 `method_not_allowed` for the others on the
 * same path, so a known path called the wrong way says so instead of answering 404.
 */
export function registerEndpoint(app: FastifyInstance, method: 'GET' | 'POST', url: string, handler: Handler): void {
  app.route({ method, url, handler });
  const others = OTHER_METHODS.filter((other) => other !== method);
  app.route({
    method: others,
    url,
    handler: async (request) => {
      throw new GatewayError('method_not_allowed', `${request.method} is not allowed on ${url}; use ${method}`, { headers: { allow: method === 'GET' ? 'GET, HEAD' : method } });
    },
  });
}
