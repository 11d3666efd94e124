/**
 * List prices of widely used models, in USD per million tokens, from the providers' published
 * price lists as of PRICES_SOURCE_DATE: the standard (pay-as-you-go, non-batch) tier and, where
 * the price depends on prompt length, the lowest tier (Gemini 2.5 Pro and Gemini 3 Pro at
 * ≤200k prompt tokens, Grok 4 Fast at ≤128k). Request fees, search fees and cache-write
 * surcharges are not in the table. A `pricing:` entry in the config file overrides any figure
 * here; see docs/pricing.md.
 *
 * `cachedInput` is the price of an input token read from the provider's prompt cache (Anthropic:
 * cache read; DeepSeek: cache hit). Models a provider lists without a cached price leave it out,
 * and their cached tokens are billed at `input`.
 */
export const PRICES_SOURCE_DATE = '2025-11-30';

export interface BundledPrice {
  /** Provider type, as in `providers[].type`. */
  provider: string;
  /** Model id as the provider's API names it; lookups also match its normalised form. */
  model: string;
  input: number;
  output: number;
  cachedInput?: number;
  maxOutputTokens?: number;
}

type ModelListPrice = Omit<BundledPrice, 'provider'>;

function pricesOf(provider: string, models: readonly ModelListPrice[]): BundledPrice[] {
  return models.map((model) => ({ provider, ...model }));
}

const OPENAI: readonly ModelListPrice[] = [
  { model: 'gpt-5', input: 1.25, output: 10, cachedInput: 0.125, maxOutputTokens: 128_000 },
  { model: 'gpt-5-mini', input: 0.25, output: 2, cachedInput: 0.025, maxOutputTokens: 128_000 },
  { model: 'gpt-5-nano', input: 0.05, output: 0.4, cachedInput: 0.005, maxOutputTokens: 128_000 },
  { model: 'gpt-5-chat-latest', input: 1.25, output: 10, cachedInput: 0.125, maxOutputTokens: 16_384 },
  { model: 'gpt-5-codex', input: 1.25, output: 10, cachedInput: 0.125, maxOutputTokens: 128_000 },
  { model: 'gpt-5-pro', input: 15, output: 120, maxOutputTokens: 272_000 },
  { model: 'gpt-5.1', input: 1.25, output: 10, cachedInput: 0.125, maxOutputTokens: 128_000 },
  { model: 'gpt-5.1-codex', input: 1.25, output: 10, cachedInput: 0.125, maxOutputTokens: 128_000 },
  { model: 'gpt-5.1-codex-mini', input: 0.25, output: 2, cachedInput: 0.025, maxOutputTokens: 128_000 },
  { model: 'gpt-4.1', input: 2, output: 8, cachedInput: 0.5, maxOutputTokens: 32_768 },
  { model: 'gpt-4.1-mini', input: 0.4, output: 1.6, cachedInput: 0.1, maxOutputTokens: 32_768 },
  { model: 'gpt-4.1-nano', input: 0.1, output: 0.4, cachedInput: 0.025, maxOutputTokens: 32_768 },
  { model: 'gpt-4o', input: 2.5, output: 10, cachedInput: 1.25, maxOutputTokens: 16_384 },
  // The first gpt-4o snapshot kept its launch price; the exact id wins over the normalised `gpt-4o`.
  { model: 'gpt-4o-2024-05-13', input: 5, output: 15, maxOutputTokens: 4_096 },
  { model: 'gpt-4o-mini', input: 0.15, output: 0.6, cachedInput: 0.075, maxOutputTokens: 16_384 },
  { model: 'chatgpt-4o-latest', input: 5, output: 15, maxOutputTokens: 16_384 },
  { model: 'o1', input: 15, output: 60, cachedInput: 7.5, maxOutputTokens: 100_000 },
  { model: 'o1-mini', input: 1.1, output: 4.4, cachedInput: 0.55, maxOutputTokens: 65_536 },
  { model: 'o1-pro', input: 150, output: 600, maxOutputTokens: 100_000 },
  { model: 'o3', input: 2, output: 8, cachedInput: 0.5, maxOutputTokens: 100_000 },
  { model: 'o3-pro', input: 20, output: 80, maxOutputTokens: 100_000 },
  { model: 'o3-mini', input: 1.1, output: 4.4, cachedInput: 0.55, maxOutputTokens: 100_000 },
  { model: 'o4-mini', input: 1.1, output: 4.4, cachedInput: 0.275, maxOutputTokens: 100_000 },
  { model: 'codex-mini-latest', input: 1.5, output: 6, cachedInput: 0.375, maxOutputTokens: 100_000 },
  { model: 'gpt-4-turbo', input: 10, output: 30, maxOutputTokens: 4_096 },
  { model: 'gpt-4', input: 30, output: 60, maxOutputTokens: 8_192 },
  { model: 'gpt-3.5-turbo', input: 0.5, output: 1.5, maxOutputTokens: 4_096 },
  { model: 'text-embedding-3-small', input: 0.02, output: 0 },
  { model: 'text-embedding-3-large', input: 0.13, output: 0 },
  { model: 'text-embedding-ada-002', input: 0.1, output: 0 },
];

// Azure OpenAI lists the OpenAI models at OpenAI's global prices, so lookups fall back to the
// openai list; only the Azure-specific names are here. Data Zone and regional deployments cost
// more and need a `pricing:` entry.
const AZURE_OPENAI: readonly ModelListPrice[] = [{ model: 'gpt-35-turbo', input: 0.5, output: 1.5, maxOutputTokens: 4_096 }];

const ANTHROPIC: readonly ModelListPrice[] = [
  { model: 'claude-opus-4-5', input: 5, output: 25, cachedInput: 0.5, maxOutputTokens: 64_000 },
  { model: 'claude-sonnet-4-5', input: 3, output: 15, cachedInput: 0.3, maxOutputTokens: 64_000 },
  { model: 'claude-haiku-4-5', input: 1, output: 5, cachedInput: 0.1, maxOutputTokens: 64_000 },
  { model: 'claude-opus-4-1', input: 15, output: 75, cachedInput: 1.5, maxOutputTokens: 32_000 },
  { model: 'claude-opus-4', input: 15, output: 75, cachedInput: 1.5, maxOutputTokens: 32_000 },
  { model: 'claude-sonnet-4', input: 3, output: 15, cachedInput: 0.3, maxOutputTokens: 64_000 },
  { model: 'claude-3-7-sonnet', input: 3, output: 15, cachedInput: 0.3, maxOutputTokens: 64_000 },
  { model: 'claude-3-5-sonnet', input: 3, output: 15, cachedInput: 0.3, maxOutputTokens: 8_192 },
  { model: 'claude-3-5-haiku', input: 0.8, output: 4, cachedInput: 0.08, maxOutputTokens: 8_192 },
  { model: 'claude-3-opus', input: 15, output: 75, cachedInput: 1.5, maxOutputTokens: 4_096 },
  { model: 'claude-3-haiku', input: 0.25, output: 1.25, cachedInput: 0.03, maxOutputTokens: 4_096 },
];

const GEMINI: readonly ModelListPrice[] = [
  { model: 'gemini-3-pro-preview', input: 2, output: 12, cachedInput: 0.2, maxOutputTokens: 65_536 },
  { model: 'gemini-2.5-pro', input: 1.25, output: 10, cachedInput: 0.125, maxOutputTokens: 65_536 },
  { model: 'gemini-2.5-flash', input: 0.3, output: 2.5, cachedInput: 0.03, maxOutputTokens: 65_536 },
  { model: 'gemini-2.5-flash-lite', input: 0.1, output: 0.4, cachedInput: 0.01, maxOutputTokens: 65_536 },
  { model: 'gemini-2.0-flash', input: 0.1, output: 0.4, cachedInput: 0.025, maxOutputTokens: 8_192 },
  { model: 'gemini-2.0-flash-lite', input: 0.075, output: 0.3, maxOutputTokens: 8_192 },
  { model: 'gemini-embedding-001', input: 0.15, output: 0 },
];

// Vertex AI lists most Gemini models at the Gemini API's prices and Claude (global endpoint) at
// Anthropic's, so lookups fall back to those lists; only the models Vertex prices differently are here.
const VERTEX: readonly ModelListPrice[] = [
  { model: 'gemini-2.0-flash', input: 0.15, output: 0.6, maxOutputTokens: 8_192 },
];

// Claude on Bedrock costs what Anthropic charges (the lookup falls back to the anthropic list),
// except the Claude 4.5 models through in-region and geographic (`us.`, `eu.`, …) endpoints,
// which Bedrock lists 10% higher than through `global.` profiles.
const BEDROCK: readonly ModelListPrice[] = [
  { model: 'anthropic.claude-opus-4-5-20251101-v1:0', input: 5.5, output: 27.5, cachedInput: 0.55, maxOutputTokens: 64_000 },
  { model: 'anthropic.claude-sonnet-4-5-20250929-v1:0', input: 3.3, output: 16.5, cachedInput: 0.33, maxOutputTokens: 64_000 },
  { model: 'anthropic.claude-haiku-4-5-20251001-v1:0', input: 1.1, output: 5.5, cachedInput: 0.11, maxOutputTokens: 64_000 },
  { model: 'amazon.nova-premier-v1:0', input: 2.5, output: 12.5, cachedInput: 0.625 },
  { model: 'amazon.nova-pro-v1:0', input: 0.8, output: 3.2, cachedInput: 0.2 },
  { model: 'amazon.nova-lite-v1:0', input: 0.06, output: 0.24, cachedInput: 0.015 },
  { model: 'amazon.nova-micro-v1:0', input: 0.035, output: 0.14, cachedInput: 0.00875 },
  { model: 'amazon.titan-embed-text-v2:0', input: 0.02, output: 0 },
  { model: 'meta.llama4-maverick-17b-instruct-v1:0', input: 0.24, output: 0.97 },
  { model: 'meta.llama4-scout-17b-instruct-v1:0', input: 0.17, output: 0.66 },
  { model: 'meta.llama3-3-70b-instruct-v1:0', input: 0.72, output: 0.72 },
  { model: 'meta.llama3-1-70b-instruct-v1:0', input: 0.72, output: 0.72 },
  { model: 'meta.llama3-1-8b-instruct-v1:0', input: 0.22, output: 0.22 },
  { model: 'mistral.mistral-large-2407-v1:0', input: 2, output: 6 },
  { model: 'mistral.pixtral-large-2502-v1:0', input: 2, output: 6 },
  { model: 'deepseek.r1-v1:0', input: 1.35, output: 5.4 },
  { model: 'openai.gpt-oss-120b-1:0', input: 0.15, output: 0.6 },
  { model: 'openai.gpt-oss-20b-1:0', input: 0.07, output: 0.3 },
  { model: 'cohere.command-r-plus-v1:0', input: 3, output: 15 },
  { model: 'cohere.command-r-v1:0', input: 0.5, output: 1.5 },
];

const COHERE: readonly ModelListPrice[] = [
  { model: 'command-a-03-2025', input: 2.5, output: 10 },
  { model: 'command-r-plus-08-2024', input: 2.5, output: 10 },
  { model: 'command-r-plus', input: 2.5, output: 10 },
  { model: 'command-r-08-2024', input: 0.15, output: 0.6 },
  { model: 'command-r', input: 0.15, output: 0.6 },
  { model: 'command-r7b-12-2024', input: 0.0375, output: 0.15 },
  { model: 'embed-v4.0', input: 0.12, output: 0 },
  { model: 'embed-english-v3.0', input: 0.1, output: 0 },
  { model: 'embed-multilingual-v3.0', input: 0.1, output: 0 },
];

const GROQ: readonly ModelListPrice[] = [
  { model: 'llama-3.1-8b-instant', input: 0.05, output: 0.08 },
  { model: 'llama-3.3-70b-versatile', input: 0.59, output: 0.79 },
  { model: 'meta-llama/llama-4-scout-17b-16e-instruct', input: 0.11, output: 0.34 },
  { model: 'meta-llama/llama-4-maverick-17b-128e-instruct', input: 0.2, output: 0.6 },
  { model: 'qwen/qwen3-32b', input: 0.29, output: 0.59 },
  { model: 'moonshotai/kimi-k2-instruct', input: 1, output: 3 },
  { model: 'moonshotai/kimi-k2-instruct-0905', input: 1, output: 3 },
];

// Mistral's `-latest` aliases, priced as the version each pointed to on PRICES_SOURCE_DATE.
const MISTRAL: readonly ModelListPrice[] = [
  { model: 'mistral-large-latest', input: 2, output: 6 },
  { model: 'mistral-medium-latest', input: 0.4, output: 2 },
  { model: 'mistral-small-latest', input: 0.1, output: 0.3 },
  { model: 'magistral-medium-latest', input: 2, output: 5 },
  { model: 'magistral-small-latest', input: 0.5, output: 1.5 },
  { model: 'codestral-latest', input: 0.3, output: 0.9 },
  { model: 'devstral-medium-latest', input: 0.4, output: 2 },
  { model: 'devstral-small-latest', input: 0.1, output: 0.3 },
  { model: 'pixtral-large-latest', input: 2, output: 6 },
  { model: 'ministral-8b-latest', input: 0.1, output: 0.1 },
  { model: 'ministral-3b-latest', input: 0.04, output: 0.04 },
  { model: 'open-mistral-nemo', input: 0.15, output: 0.15 },
  { model: 'mistral-embed', input: 0.1, output: 0 },
];

// Both names are DeepSeek-V3.2-Exp (without and with thinking), at one price since September 2025.
const DEEPSEEK: readonly ModelListPrice[] = [
  { model: 'deepseek-chat', input: 0.28, output: 0.42, cachedInput: 0.028, maxOutputTokens: 8_192 },
  { model: 'deepseek-reasoner', input: 0.28, output: 0.42, cachedInput: 0.028, maxOutputTokens: 65_536 },
];

const XAI: readonly ModelListPrice[] = [
  { model: 'grok-4', input: 3, output: 15, cachedInput: 0.75 },
  { model: 'grok-4-0709', input: 3, output: 15, cachedInput: 0.75 },
  { model: 'grok-4-fast-reasoning', input: 0.2, output: 0.5, cachedInput: 0.05 },
  { model: 'grok-4-fast-non-reasoning', input: 0.2, output: 0.5, cachedInput: 0.05 },
  { model: 'grok-4-1-fast-reasoning', input: 0.2, output: 0.5, cachedInput: 0.05 },
  { model: 'grok-4-1-fast-non-reasoning', input: 0.2, output: 0.5, cachedInput: 0.05 },
  { model: 'grok-code-fast-1', input: 0.2, output: 1.5, cachedInput: 0.02 },
  { model: 'grok-3', input: 3, output: 15, cachedInput: 0.75 },
  { model: 'grok-3-mini', input: 0.3, output: 0.5, cachedInput: 0.075 },
];

const TOGETHER: readonly ModelListPrice[] = [
  { model: 'meta-llama/Llama-3.3-70B-Instruct-Turbo', input: 0.88, output: 0.88 },
  { model: 'meta-llama/Meta-Llama-3.1-8B-Instruct-Turbo', input: 0.18, output: 0.18 },
  { model: 'meta-llama/Meta-Llama-3.1-70B-Instruct-Turbo', input: 0.88, output: 0.88 },
  { model: 'meta-llama/Meta-Llama-3.1-405B-Instruct-Turbo', input: 3.5, output: 3.5 },
  { model: 'meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8', input: 0.27, output: 0.85 },
  { model: 'meta-llama/Llama-4-Scout-17B-16E-Instruct', input: 0.18, output: 0.59 },
  { model: 'deepseek-ai/DeepSeek-V3', input: 1.25, output: 1.25 },
  { model: 'deepseek-ai/DeepSeek-R1', input: 3, output: 7 },
];

const FIREWORKS: readonly ModelListPrice[] = [
  { model: 'accounts/fireworks/models/llama-v3p3-70b-instruct', input: 0.9, output: 0.9 },
  { model: 'accounts/fireworks/models/llama-v3p1-8b-instruct', input: 0.2, output: 0.2 },
  { model: 'accounts/fireworks/models/llama-v3p1-405b-instruct', input: 3, output: 3 },
  { model: 'accounts/fireworks/models/llama4-maverick-instruct-basic', input: 0.22, output: 0.88 },
  { model: 'accounts/fireworks/models/deepseek-v3', input: 0.9, output: 0.9 },
  { model: 'accounts/fireworks/models/deepseek-v3-0324', input: 0.9, output: 0.9 },
  { model: 'accounts/fireworks/models/deepseek-r1-0528', input: 3, output: 8 },
  { model: 'accounts/fireworks/models/gpt-oss-120b', input: 0.15, output: 0.6 },
];

// OpenRouter passes through the list prices of closed models (the lookup reuses the vendor's
// entry for `openai/…`, `anthropic/…`, `google/…`, …); only variants it prices itself are here.
const OPENROUTER: readonly ModelListPrice[] = [{ model: 'openai/gpt-4o:extended', input: 6, output: 18, maxOutputTokens: 64_000 }];

// Token prices only: Perplexity also charges per request, by search context size.
const PERPLEXITY: readonly ModelListPrice[] = [
  { model: 'sonar', input: 1, output: 1 },
  { model: 'sonar-pro', input: 3, output: 15 },
  { model: 'sonar-reasoning', input: 1, output: 5 },
  { model: 'sonar-reasoning-pro', input: 2, output: 8 },
];

const CEREBRAS: readonly ModelListPrice[] = [
  { model: 'llama3.1-8b', input: 0.1, output: 0.1 },
  { model: 'llama-3.3-70b', input: 0.85, output: 1.2 },
  { model: 'qwen-3-32b', input: 0.4, output: 0.8 },
];

export const BUNDLED_PRICES: readonly BundledPrice[] = Object.freeze([
  ...pricesOf('openai', OPENAI),
  ...pricesOf('azure-openai', AZURE_OPENAI),
  ...pricesOf('anthropic', ANTHROPIC),
  ...pricesOf('gemini', GEMINI),
  ...pricesOf('vertex', VERTEX),
  ...pricesOf('bedrock', BEDROCK),
  ...pricesOf('cohere', COHERE),
  ...pricesOf('groq', GROQ),
  ...pricesOf('mistral', MISTRAL),
  ...pricesOf('deepseek', DEEPSEEK),
  ...pricesOf('xai', XAI),
  ...pricesOf('together', TOGETHER),
  ...pricesOf('fireworks', FIREWORKS),
  ...pricesOf('openrouter', OPENROUTER),
  ...pricesOf('perplexity', PERPLEXITY),
  ...pricesOf('cerebras', CEREBRAS),
]);
