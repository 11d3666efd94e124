import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CHAT_COMPLETION_RESPONSE, CHAT_COMPLETIONS_PATH } from '../fixtures.js';
import { portOf, reportListening } from './child-protocol.js';

const RESPONSE_BYTES = Buffer.from(CHAT_COMPLETION_RESPONSE);
const RESPONSE_HEADERS = { 'content-type': 'application/json', 'content-length': String(RESPONSE_BYTES.length) };

/** Reads the whole request body (as a real provider would) before answering with the fixed completion. */
function answerChatCompletion(request: IncomingMessage, response: ServerResponse): void {
  request.resume();
  request.once('end', () => {
    if (request.method === 'POST' && request.url === CHAT_COMPLETIONS_PATH) response.writeHead(200, RESPONSE_HEADERS).end(RESPONSE_BYTES);
    else response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
}

const server = createServer({ keepAliveTimeout: 60_000 }, answerChatCompletion);
server.listen(0, '127.0.0.1', () => reportListening(portOf(server)));
