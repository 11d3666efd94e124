import type { FastifyInstance } from 'fastify';
import { GatewayError } from '../errors/gateway-error.js';
import { attemptJson } from '../pipeline/request-context.js';
import type { Gateway } from '../gateway.js';
import type { RequestLogCursor, RequestLogRecord } from '../store/store.js';
import { registerEndpoint } from '../surfaces/register-endpoint.js';
import { requireAdmin } from './admin-auth.js';
import { logsQuery } from './admin-schemas.js';
import { parseBody } from './governance-routes.js';

function encodeCursor(cursor: RequestLogCursor): string {
  return Buffer.from(JSON.stringify([cursor.at, cursor.id])).toString('base64url');
}

function decodeCursor(text: string): RequestLogCursor {
  try {
    const [at, id] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown[];
    if (typeof at === 'number' && typeof id === 'string') return { at, id };
  } catch {
    // falls through to the error below
  }
  throw new GatewayError('invalid_request', 'logs query: cursor is not one this API returned; pass next_cursor unchanged', { param: 'cursor' });
}

function logView(record: RequestLogRecord) {
  return {
    id: record.id,
    at: new Date(record.at).toISOString(),
    virtual_key_id: record.virtualKeyId,
    team_id: record.teamId,
    customer_id: record.customerId,
    surface: record.surface,
    requested_model: record.requestedModel,
    provider: record.provider,
    model: record.model,
    key_id: record.keyId,
    attempts: record.attempts.map(attemptJson),
    status: record.status,
    error_code: record.errorCode,
    latency_ms: record.latencyMs,
    ttft_ms: record.ttftMs,
    input_tokens: record.inputTokens,
    output_tokens: record.outputTokens,
    cached_input_tokens: record.cachedInputTokens,
    cost_usd: record.costNanoUsd / 1e9,
    stream: record.stream,
    content: record.content,
  };
}

/** `GET /admin/v1/logs`: the request log, newest first, filtered, one page at a time. */
export function registerLogsRoutes(app: FastifyInstance, gateway: Gateway): void {
  registerEndpoint(app, 'GET', '/admin/v1/logs', async (request) => {
    requireAdmin(gateway, request);
    const query = parseBody(logsQuery, request.query, 'logs query');
    const writer = gateway.requestLog;
    if (writer === undefined) throw new GatewayError('not_found', 'the request log is off: set observability.request_log.enabled to true');
    // Rows still queued in this process are written first, so the answer includes every finished request.
    await writer.flush();
    const filter = {
      from: query.from === undefined ? undefined : Date.parse(query.from),
      to: query.to === undefined ? undefined : Date.parse(query.to),
      virtualKeyId: query.virtual_key_id,
      teamId: query.team_id,
      customerId: query.customer_id,
      model: query.model,
      requestedModel: query.requested_model,
      provider: query.provider,
      status: query.status,
      errorCode: query.error_code,
    };
    const page = await gateway.governance.store.searchRequestLogs(filter, query.limit, query.cursor === undefined ? undefined : decodeCursor(query.cursor));
    return { object: 'list', data: page.rows.map(logView), next_cursor: page.next === null ? null : encodeCursor(page.next) };
  });
}
