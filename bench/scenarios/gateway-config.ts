import type { LabSettings } from './settings.js';
import type { LabStrategy, Scenario } from './scenario-types.js';
import { simulatorKeyOf } from './scenario-types.js';

/** The public model every scenario's load asks for. */
export const PUBLIC_MODEL = 'chat';
const UPSTREAM_MODEL = 'sim-model';
/** A momentary "everything is cooling" waits this long for a route rather than failing at once. */
const QUEUE_MAX_WAIT_MS = 3_000;
/** Below the client's own timeout, so a request the gateway cannot place ends as a gateway error, not a client timeout. */
const GATEWAY_REQUEST_TIMEOUT_MS = 8_000;

/** Keys level: one provider holding the scenario's routes as keys, with the strategy on `providers[].strategy`. */
function keysLevelConfig(scenario: Scenario, strategy: LabStrategy, baseUrl: string): { providers: unknown[]; models: unknown[] } {
  const keys = scenario.routes.map((route) => ({ id: route.id, secret: simulatorKeyOf(route.id), weight: route.weight }));
  return {
    providers: [{ id: 'pool', type: 'openai', base_url: baseUrl, strategy, keys }],
    models: [{ name: PUBLIC_MODEL, strategy, targets: [{ provider: 'pool', model: UPSTREAM_MODEL }] }],
  };
}

/** Targets level: one provider (with one key) per route, weighted as targets of the group, strategy on `models[].strategy`. */
function targetsLevelConfig(scenario: Scenario, strategy: LabStrategy, baseUrl: string): { providers: unknown[]; models: unknown[] } {
  const providers = scenario.routes.map((route) => ({ id: route.id, type: 'openai', base_url: baseUrl, strategy, keys: [{ id: `${route.id}-key`, secret: simulatorKeyOf(route.id) }] }));
  const targets = scenario.routes.map((route) => ({ provider: route.id, model: UPSTREAM_MODEL, weight: route.weight }));
  return { providers, models: [{ name: PUBLIC_MODEL, strategy, targets }] };
}

/** The raw (unvalidated) gateway config for one scenario under one strategy; the child validates and compiles it. */
export function gatewayConfig(scenario: Scenario, strategy: LabStrategy, simulatorUrl: string, settings: LabSettings): unknown {
  const baseUrl = `${simulatorUrl}/v1`;
  const routesConfig = scenario.level === 'keys' ? keysLevelConfig(scenario, strategy, baseUrl) : targetsLevelConfig(scenario, strategy, baseUrl);
  return {
    ...routesConfig,
    routing: {
      strategy,
      request_timeout_ms: Math.min(GATEWAY_REQUEST_TIMEOUT_MS, Math.max(1_000, settings.clientTimeoutMs - 2_000)),
      queue: { max_wait_ms: QUEUE_MAX_WAIT_MS },
    },
  };
}

/** The response header naming the route that served a request. */
export function routeHeaderOf(scenario: Scenario): 'x-switchyard-key' | 'x-switchyard-provider' {
  return scenario.level === 'keys' ? 'x-switchyard-key' : 'x-switchyard-provider';
}
