import type { GatewayError } from './gateway-error.js';

/** The client-facing API a request arrived on; decides the error envelope and stream framing. */
export type SurfaceName = 'openai' | 'anthropic' | 'genai' | 'bedrock';

/** Maps a URL to the surface whose envelope its errors use. */
export function surfaceOfUrl(url: string): SurfaceName {
  if (url.startsWith('/anthropic/')) return 'anthropic';
  if (url.startsWith('/genai/')) return 'genai';
  if (url.startsWith('/bedrock/')) return 'bedrock';
  return 'openai';
}

function openAIType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'api_error';
  return 'invalid_request_error';
}

function anthropicType(status: number): string {
  switch (status) {
    case 401:
      return 'authentication_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 503:
      return 'overloaded_error';
    default:
      return status >= 500 ? 'api_error' : 'invalid_request_error';
  }
}

function genAIStatus(status: number): string {
  if (status === 400 || status === 413 || status === 415) return 'INVALID_ARGUMENT';
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'PERMISSION_DENIED';
  if (status === 404) return 'NOT_FOUND';
  if (status === 429) return 'RESOURCE_EXHAUSTED';
  if (status === 504) return 'DEADLINE_EXCEEDED';
  if (status === 503) return 'UNAVAILABLE';
  return status >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION';
}

/** The JSON error body for `error` in the envelope of `surface` (SPEC section 4). */
export function errorEnvelope(surface: SurfaceName, error: GatewayError): string {
  switch (surface) {
    case 'anthropic':
      return JSON.stringify({ type: 'error', error: { type: anthropicType(error.status), message: error.message, code: error.code } });
    case 'genai':
      return JSON.stringify({ error: { code: error.status, message: error.message, status: genAIStatus(error.status), details: [{ reason: error.code }] } });
    case 'bedrock':
      return JSON.stringify({ message: error.message, code: error.code });
    case 'openai':
      return JSON.stringify({ error: { message: error.message, type: openAIType(error.status), code: error.code, param: error.param ?? null } });
  }
}
