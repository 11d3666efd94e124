/**
 * Every failure the gateway reports to a client is a GatewayError with a stable code.
 * The code → status table is checked for completeness by the compiler: adding a code
 * without a status (or the reverse) does not build.
 */
export const ERROR_STATUS = {
  invalid_request: 400,
  invalid_api_key: 401,
  model_not_allowed: 403,
  model_not_found: 404,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  budget_exceeded: 429,
  internal_error: 500,
  upstream_error: 502,
  no_healthy_target: 503,
  upstream_timeout: 504,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface GatewayErrorOptions {
  /** Overrides the table's status: used when an upstream's client error is passed through (400/404/422). */
  status?: number;
  /** The offending request field, when there is one (OpenAI's `param`). */
  param?: string;
  retryable?: boolean;
  /** Extra response headers, e.g. Retry-After. */
  headers?: Record<string, string>;
  cause?: unknown;
}

export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly param: string | undefined;
  readonly retryable: boolean;
  readonly headers: Record<string, string> | undefined;

  constructor(code: ErrorCode, message: string, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.code = code;
    this.status = options.status ?? ERROR_STATUS[code];
    this.param = options.param;
    this.retryable = options.retryable ?? false;
    this.headers = options.headers;
  }
}

export function isGatewayError(value: unknown): value is GatewayError {
  return value instanceof GatewayError;
}
