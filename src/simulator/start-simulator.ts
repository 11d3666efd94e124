import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { anthropicFormat, countTokensEndpoint, messagesEndpoint } from './anthropic-format.js';
import { CONTROL_PREFIX, handleControl } from './control.js';
import { embeddingsEndpoint } from './embeddings.js';
import { Exchange } from './exchange.js';
import { anthropicModelsEndpoint, openAiModelsEndpoint } from './models.js';
import { chatCompletionsEndpoint, openAiFormat } from './openai-format.js';
import { ignoreError, readBody } from './request-body.js';
import { behaviourSchema, simulatorOptionsSchema, type Behaviour, type SimulatorOptions } from './schema.js';
import { SimulatorState } from './simulator-state.js';
import type { SimulatorStats } from './stats-recorder.js';
import type { DataEndpoint, WireFormat } from './wire-format.js';

export interface SimulatorHandle {
  /** `http://127.0.0.1:PORT`; clients use `${url}/v1` as their base URL. */
  url: string;
  port: number;
  /** Stops listening and drops open connections (hanging requests included). */
  close(): Promise<void>;
  /** Replaces one key's behaviour; fields it leaves out come from the defaults. Throws on an invalid behaviour. */
  setBehaviour(key: string, behaviour: Behaviour): void;
  setDefaultBehaviour(behaviour: Behaviour): void;
  /** Back to the behaviours from the start options; clears stats, fault counts and rate-limit windows. */
  reset(): void;
  stats(): SimulatorStats;
}

const POST_ENDPOINTS: ReadonlyMap<string, DataEndpoint> = new Map([
  ['/v1/chat/completions', chatCompletionsEndpoint],
  ['/v1/embeddings', embeddingsEndpoint],
  ['/v1/messages', messagesEndpoint],
  ['/v1/messages/count_tokens', countTokensEndpoint],
]);

const MODELS_PATH = '/v1/models';
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

export async function startSimulator(options: SimulatorOptions = {}): Promise<SimulatorHandle> {
  const config = simulatorOptionsSchema.parse(options);
  const state = new SimulatorState(config);
  const server = createServer((request, response) => handleRequest(state, request, response));
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  const host = config.host ?? '127.0.0.1';
  const port = await listen(server, host, config.port ?? 0);
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    close: () => closeServer(server),
    setBehaviour: (key, behaviour) => state.setKey(key, behaviourSchema.parse(behaviour)),
    setDefaultBehaviour: (behaviour) => state.setDefaults(behaviourSchema.parse(behaviour)),
    reset: () => state.reset(),
    stats: () => state.stats.snapshot(),
  };
}

function handleRequest(state: SimulatorState, request: IncomingMessage, response: ServerResponse): void {
  request.on('error', ignoreError);
  response.on('error', ignoreError);
  const url = request.url ?? '/';
  const queryStart = url.indexOf('?');
  const path = queryStart < 0 ? url : url.slice(0, queryStart);
  if (path.startsWith(CONTROL_PREFIX)) {
    handleControl(state, path, request, response);
    return;
  }
  const method = request.method ?? 'GET';
  const postEndpoint = method === 'POST' ? POST_ENDPOINTS.get(path) : undefined;
  if (postEndpoint !== undefined) {
    const exchange = new Exchange(state, postEndpoint, request, response);
    readBody(request, (text) => {
      if (text === undefined) exchange.refuse(413, 'Request body too large.');
      else exchange.serve(text);
    });
    return;
  }
  if (method === 'GET' && path === MODELS_PATH) {
    const endpoint = request.headers['anthropic-version'] === undefined ? openAiModelsEndpoint : anthropicModelsEndpoint;
    new Exchange(state, endpoint, request, response).serve(undefined);
    return;
  }
  sendRoutingError(request, response, method, path);
}

function sendRoutingError(request: IncomingMessage, response: ServerResponse, method: string, path: string): void {
  const format: WireFormat = path.startsWith('/v1/messages') || request.headers['anthropic-version'] !== undefined ? anthropicFormat : openAiFormat;
  const known = POST_ENDPOINTS.has(path) || path === MODELS_PATH;
  const problem = known
    ? { status: 405, message: `Method ${method} is not allowed on ${path}.` }
    : format.notFound(method, path);
  const body = format.errorBody(problem);
  const headers: Record<string, string> = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) };
  format.addResponseHeaders(headers);
  response.writeHead(problem.status, headers);
  response.end(body);
  request.resume();
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
