import Fastify from 'fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Agent, request as upstreamRequest } from 'undici';
import { CHAT_COMPLETIONS_PATH } from '../fixtures.js';
import { portOf, reportListening, upstreamUrlArgument } from './child-protocol.js';

/**
 * The reference proxy every ratio is measured against: fastify's default JSON parser, one undici
 * request per client request over a shared keep-alive Agent, and the upstream's status,
 * content-type and body bytes sent back. Nothing else.
 */
const upstreamUrl = `${upstreamUrlArgument()}${CHAT_COMPLETIONS_PATH}`;
const agent = new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000, connections: 256, pipelining: 1 });

async function forwardChatCompletion(request: FastifyRequest, reply: FastifyReply): Promise<Buffer> {
  const upstream = await upstreamRequest(upstreamUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(request.body),
    dispatcher: agent,
  });
  const body = Buffer.from(await upstream.body.arrayBuffer());
  const contentType = upstream.headers['content-type'];
  if (typeof contentType === 'string') void reply.type(contentType);
  void reply.code(upstream.statusCode);
  return body;
}

const app = Fastify({ logger: false });
app.post(CHAT_COMPLETIONS_PATH, forwardChatCompletion);
await app.listen({ port: 0, host: '127.0.0.1' });
reportListening(portOf(app.server));
