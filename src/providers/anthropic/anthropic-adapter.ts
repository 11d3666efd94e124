import type { ChatRequest } from '../chat-types.js';
import type { AdapterTarget, ProviderAdapter, UpstreamCall } from '../spec.js';
import { AnthropicStreamTranslator, anthropicToOpenAIResponse, parseAnthropicError } from './anthropic-to-openai.js';
import { openAIToAnthropicRequest } from './openai-to-anthropic.js';

export const ANTHROPIC_API_VERSION = '2023-06-01';
export const ANTHROPIC_DEFAULT_BASE_URL = 'https://api.anthropic.com/v1';

function unixSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** The adapter's own headers, then the provider's configured ones; a configured name wins in any letter case. */
function upstreamHeaders(target: AdapterTarget): Record<string, string> {
  const headers: Record<string, string> = {
    'x-api-key': target.key.secret,
    'anthropic-version': ANTHROPIC_API_VERSION,
    'content-type': 'application/json',
  };
  for (const [name, value] of Object.entries(target.headers ?? {})) {
    const lowerName = name.toLowerCase();
    for (const ownName of Object.keys(headers)) if (ownName.toLowerCase() === lowerName) delete headers[ownName];
    headers[name] = value;
  }
  return headers;
}

function chatRequest(request: ChatRequest, target: AdapterTarget): UpstreamCall {
  const { body, warnings } = openAIToAnthropicRequest(request, target.model);
  return { method: 'POST', url: `${target.baseUrl}/messages`, headers: upstreamHeaders(target), body: JSON.stringify(body), warnings };
}

export const anthropicAdapter: ProviderAdapter = {
  type: 'anthropic',
  format: 'anthropic',
  defaultBaseUrl: ANTHROPIC_DEFAULT_BASE_URL,
  keyOptional: false,
  capabilities: { chat: true, stream: true, embeddings: false, tools: true, images: true, jsonMode: true },
  chatRequest,
  chatResponse: (body, target) => anthropicToOpenAIResponse(body, target.model, unixSeconds()),
  chatStream: (target) => new AnthropicStreamTranslator(target.model, unixSeconds()),
  parseError: parseAnthropicError,
};
