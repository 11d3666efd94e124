/**
 * The control API under `/_simulator/`: read stats, set behaviours per key or as defaults,
 * reset. Plain JSON, with `{ "error": { "message" } }` on failure.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { readBody } from './request-body.js';
import { behaviourSchema, type Behaviour } from './schema.js';
import type { SimulatorState } from './simulator-state.js';

export const CONTROL_PREFIX = '/_simulator/';
const KEYS_PREFIX = `${CONTROL_PREFIX}keys/`;

export function handleControl(state: SimulatorState, path: string, request: IncomingMessage, response: ServerResponse): void {
  const method = request.method ?? 'GET';
  const route = `${method} ${path.startsWith(KEYS_PREFIX) ? `${KEYS_PREFIX}:key` : path}`;
  switch (route) {
    case 'GET /_simulator/stats':
      sendControlJson(response, 200, state.stats.snapshot());
      return;
    case 'GET /_simulator/config':
      sendControlJson(response, 200, state.config());
      return;
    case 'POST /_simulator/reset':
      state.reset();
      sendControlJson(response, 200, { ok: true });
      return;
    case 'PUT /_simulator/defaults':
      withBehaviour(request, response, (behaviour) => {
        state.setDefaults(behaviour);
        return { ok: true, defaults: behaviour };
      });
      return;
    case 'PUT /_simulator/keys/:key':
      withKey(path, response, (key) =>
        withBehaviour(request, response, (behaviour) => {
          state.setKey(key, behaviour);
          return { ok: true, key, behaviour };
        }),
      );
      return;
    case 'DELETE /_simulator/keys/:key':
      withKey(path, response, (key) => sendControlJson(response, 200, { ok: true, key, removed: state.deleteKey(key) }));
      return;
    default:
      sendControlError(response, 404, `No control endpoint ${method} ${path}`);
  }
}

function withKey(path: string, response: ServerResponse, action: (key: string) => void): void {
  let key: string;
  try {
    key = decodeURIComponent(path.slice(KEYS_PREFIX.length));
  } catch {
    sendControlError(response, 400, 'The key in the path is not valid percent-encoding.');
    return;
  }
  if (key === '') sendControlError(response, 400, 'The key in the path is empty.');
  else action(key);
}

function withBehaviour(request: IncomingMessage, response: ServerResponse, apply: (behaviour: Behaviour) => unknown): void {
  readBody(request, (text) => {
    if (text === undefined) {
      sendControlError(response, 413, 'The behaviour is too large.');
      return;
    }
    const parsed = parseBehaviour(text);
    if (parsed.ok) sendControlJson(response, 200, apply(parsed.behaviour));
    else sendControlError(response, 400, parsed.message, parsed.issues);
  });
}

type ParsedBehaviour = { ok: true; behaviour: Behaviour } | { ok: false; message: string; issues?: unknown };

function parseBehaviour(text: string): ParsedBehaviour {
  let json: unknown;
  try {
    json = JSON.parse(text === '' ? '{}' : text);
  } catch {
    return { ok: false, message: 'The body is not valid JSON.' };
  }
  const result = behaviourSchema.safeParse(json);
  if (result.success) return { ok: true, behaviour: result.data };
  return { ok: false, message: `Invalid behaviour: ${z.prettifyError(result.error)}`, issues: result.error.issues };
}

function sendControlError(response: ServerResponse, status: number, message: string, issues?: unknown): void {
  sendControlJson(response, status, { error: issues === undefined ? { message } : { message, issues } });
}

export function sendControlJson(response: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
  response.end(body);
}
