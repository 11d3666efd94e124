import type { FastifyRequest } from 'fastify';
import type { Gateway } from '../gateway.js';
import type { ChainLink } from './attempt-loop.js';
import type { RequestContext } from './request-context.js';

/** About four bytes of a JSON body per token: an upper estimate for most text, cheap to get. */
const BYTES_PER_TOKEN = 4;

/** Input tokens a request may hold, from its body size, before anything is sent upstream. */
export function estimateInputTokens(request: FastifyRequest): number {
  const length = Number(request.headers['content-length']);
  return Number.isFinite(length) ? Math.ceil(length / BYTES_PER_TOKEN) : 0;
}

/**
 * The governance step between resolving a route and calling upstream: checks that the request's
 * virtual key may use the model, then reserves it on every limit and budget of the key, its team
 * and its customer. Requests of an open gateway (no key) pass. Returns a promise only when the
 * limiter answers asynchronously (cluster mode); a refusal throws.
 */
export function admitRequest(gateway: Gateway, context: RequestContext, chain: readonly ChainLink[], requestFallbacks: readonly string[] | undefined, maxOutputTokens: number | undefined): Promise<void> | undefined {
  const principal = context.principal;
  if (principal === undefined) return undefined;
  gateway.governance.authorise(principal, context.requestedModel, chain, requestFallbacks);
  return gateway.governance.admit(context, principal, chain, maxOutputTokens);
}
