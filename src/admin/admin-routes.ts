import type { FastifyInstance } from 'fastify';
import type { Gateway } from '../gateway.js';
import { registerEndpoint } from '../surfaces/register-endpoint.js';
import { requireAdmin } from './admin-auth.js';
import { registerGovernanceRoutes } from './governance-routes.js';
import { registerLogsRoutes } from './logs-routes.js';
import { registerOpenApiRoute } from './openapi.js';
import { registerUsageRoutes } from './usage-routes.js';
import { routesView } from './routes-view.js';

/** The admin API under `/admin/v1/` (SPEC section 7); every endpoint needs the admin token. */
export function registerAdminRoutes(app: FastifyInstance, gateway: Gateway): void {
  registerEndpoint(app, 'GET', '/admin/v1/routes', (request, reply) => {
    requireAdmin(gateway, request);
    return reply.send(routesView(gateway.config));
  });
  registerGovernanceRoutes(app, gateway);
  registerUsageRoutes(app, gateway);
  registerLogsRoutes(app, gateway);
  registerOpenApiRoute(app);
}
