import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { GatewayError } from '../errors/gateway-error.js';
import type { Gateway } from '../gateway.js';

/** Admits a request carrying `Authorization: Bearer <admin.token>`; compares in constant time. */
export function requireAdmin(gateway: Gateway, request: FastifyRequest): void {
  const token = gateway.config.adminToken;
  if (token === undefined) throw new GatewayError('invalid_api_key', 'the admin API is disabled: set admin.token in the config to enable it');
  const header = request.headers.authorization;
  const sent = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7) : undefined;
  if (sent === undefined) throw new GatewayError('invalid_api_key', 'the admin API needs Authorization: Bearer <admin.token>');
  const expected = Buffer.from(token);
  const actual = Buffer.from(sent);
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) throw new GatewayError('invalid_api_key', 'the admin token is not valid');
}
