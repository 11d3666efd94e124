import type { IncomingHttpHeaders } from 'node:http';
import { STRATEGIES } from '../config/schema.js';
import type { Strategy } from '../config/schema.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { RoutingOverrides } from './attempt-loop.js';
import { NO_OVERRIDES } from './attempt-loop.js';

const STRATEGY_NAMES: ReadonlySet<string> = new Set(STRATEGIES);
const MAX_TIMEOUT_MS = 3_600_000;

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function positiveInteger(headers: IncomingHttpHeaders, name: string, max: number): number | undefined {
  const text = headerValue(headers, name);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new GatewayError('invalid_request', `header ${name}: must be a whole number from 1 to ${max}, got "${text.slice(0, 40)}"`, { param: name });
  }
  return value;
}

/**
 * Reads the per-request routing headers of SPEC section 3. Requests that send none of them (the
 * usual case) get the shared NO_OVERRIDES object: nothing is allocated.
 */
export function readRoutingOverrides(headers: IncomingHttpHeaders): RoutingOverrides {
  const strategyText = headerValue(headers, 'x-switchyard-strategy');
  const timeoutMs = positiveInteger(headers, 'x-switchyard-timeout-ms', MAX_TIMEOUT_MS);
  const maxAttemptsPerTarget = positiveInteger(headers, 'x-switchyard-max-attempts', 100);
  const sessionKey = headerValue(headers, 'x-switchyard-session');
  if (strategyText === undefined && timeoutMs === undefined && maxAttemptsPerTarget === undefined && sessionKey === undefined) return NO_OVERRIDES;
  if (strategyText !== undefined && !STRATEGY_NAMES.has(strategyText)) {
    throw new GatewayError('invalid_request', `header x-switchyard-strategy: must be one of ${STRATEGIES.join(', ')}; got "${strategyText.slice(0, 40)}"`, { param: 'x-switchyard-strategy' });
  }
  return { strategy: strategyText as Strategy | undefined, timeoutMs, maxAttemptsPerTarget, sessionKey };
}
