import type { FastifyInstance } from 'fastify';
import { GatewayError } from '../errors/gateway-error.js';
import type { Gateway } from '../gateway.js';
import type { UsageGroup } from '../store/store.js';
import { registerEndpoint } from '../surfaces/register-endpoint.js';
import { requireAdmin } from './admin-auth.js';
import { usageQuery } from './admin-schemas.js';
import { parseBody } from './governance-routes.js';

/** The field naming a row's group: `virtual_key_id`, `team_id`, `customer_id`, or `model` / `provider`. */
const GROUP_FIELD: Record<UsageGroup, string> = { virtual_key: 'virtual_key_id', team: 'team_id', customer: 'customer_id', model: 'model', provider: 'provider' };

function currentMonth(now: Date): { from: number; to: number } {
  return { from: Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1), to: Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1) };
}

/** `GET /admin/v1/usage?group_by=…&from=…&to=…`: requests, tokens and cost per group over a time range. */
export function registerUsageRoutes(app: FastifyInstance, gateway: Gateway): void {
  registerEndpoint(app, 'GET', '/admin/v1/usage', async (request) => {
    requireAdmin(gateway, request);
    const query = parseBody(usageQuery, request.query, 'usage query');
    const month = currentMonth(new Date());
    const from = query.from === undefined ? month.from : Date.parse(query.from);
    const to = query.to === undefined ? month.to : Date.parse(query.to);
    if (from >= to) throw new GatewayError('invalid_request', 'usage query: from must be before to', { param: 'from' });
    // Usage still queued in this process is written first, so the answer includes every finished request.
    await gateway.governance.recorder.flush();
    const totals = await gateway.governance.store.usageTotals(query.group_by, from, to);
    const field = GROUP_FIELD[query.group_by];
    return {
      object: 'usage',
      group_by: query.group_by,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      rows: totals.map((row) => ({
        [field]: row.key,
        requests: row.requests,
        input_tokens: row.inputTokens,
        output_tokens: row.outputTokens,
        cached_input_tokens: row.cachedInputTokens,
        cost_usd: row.costNanoUsd / 1e9,
      })),
    };
  });
}
