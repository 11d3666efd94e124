import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BUNDLED_PRICES, PRICES_SOURCE_DATE, type BundledPrice } from './bundled-prices.js';
import { costNanoUsd, normaliseModelId, PriceTable, type ModelPrice, type PriceOverride } from './price-table.js';

const PROVIDER_TYPES = [
  'openai',
  'azure-openai',
  'anthropic',
  'gemini',
  'vertex',
  'bedrock',
  'cohere',
  'groq',
  'mistral',
  'deepseek',
  'xai',
  'together',
  'fireworks',
  'openrouter',
  'perplexity',
  'cerebras',
];

const bundledOnly = new PriceTable([]);

function inputPrice(providerType: string, model: string, table = bundledOnly): number | undefined {
  return table.find(`${providerType}-1`, providerType, model)?.input;
}

function price(input: number, output: number, cachedInput?: number): ModelPrice {
  return { input, output, cachedInput, maxOutputTokens: undefined, source: 'bundled' };
}

describe('PriceTable lookup order', () => {
  const overrides: PriceOverride[] = [
    { provider: 'openai-eu', model: 'gpt-4o-mini', input_per_mtok: 0.2, output_per_mtok: 0.8, cached_input_per_mtok: 0.1 },
    { model: 'gpt-4o-mini', input_per_mtok: 0.17, output_per_mtok: 0.7 },
    { provider: 'openai-eu', model: 'gpt-4o-mini', input_per_mtok: 99, output_per_mtok: 99 },
  ];
  const table = new PriceTable(overrides);

  it('prefers an override for the provider id', () => {
    expect(table.find('openai-eu', 'openai', 'gpt-4o-mini')).toEqual({ input: 0.2, output: 0.8, cachedInput: 0.1, maxOutputTokens: 16_384, source: 'config' });
  });

  it('then an override without a provider', () => {
    expect(table.find('openai-us', 'openai', 'gpt-4o-mini')).toEqual({ input: 0.17, output: 0.7, cachedInput: undefined, maxOutputTokens: 16_384, source: 'config' });
  });

  it('then the bundled price', () => {
    expect(table.find('openai-us', 'openai', 'gpt-4o')).toEqual({ input: 2.5, output: 10, cachedInput: 1.25, maxOutputTokens: 16_384, source: 'bundled' });
  });

  it('matches override models exactly, not by normalised id', () => {
    expect(table.find('openai-us', 'openai', 'gpt-4o-mini-2024-07-18')?.source).toBe('bundled');
  });

  it('prices a model only an override knows, with no output limit', () => {
    const custom = new PriceTable([{ provider: 'local', model: 'my-finetune', input_per_mtok: 1, output_per_mtok: 2 }]);
    expect(custom.find('local', 'openai-compatible', 'my-finetune')).toEqual({ input: 1, output: 2, cachedInput: undefined, maxOutputTokens: undefined, source: 'config' });
    expect(custom.find('other', 'openai-compatible', 'my-finetune')).toBeUndefined();
  });

  it('looks in the bundled list it is given', () => {
    const custom = new PriceTable([], [{ provider: 'openai', model: 'gpt-4o', input: 1, output: 1 }]);
    expect(inputPrice('openai', 'gpt-4o', custom)).toBe(1);
    expect(inputPrice('openai', 'gpt-4o-mini', custom)).toBeUndefined();
  });
});

describe('normaliseModelId', () => {
  it.each<[string, string, string]>([
    ['OpenAI date suffix', 'gpt-4o-mini-2024-07-18', 'gpt-4o-mini'],
    ['Anthropic date suffix', 'claude-3-5-haiku-20241022', 'claude-3-5-haiku'],
    ['-latest alias', 'claude-3-7-sonnet-latest', 'claude-3-7-sonnet'],
    ['-latest alias (Mistral)', 'mistral-large-latest', 'mistral-large'],
    ['Anthropic -0 alias', 'claude-sonnet-4-0', 'claude-sonnet-4'],
    ['Vertex @version', 'claude-sonnet-4@20250514', 'claude-sonnet-4'],
    ['Vertex @version with revision', 'claude-3-5-sonnet-v2@20241022', 'claude-3-5-sonnet'],
    ['Bedrock version suffix', 'amazon.nova-pro-v1:0', 'amazon.nova-pro'],
    ['Bedrock version suffix without v', 'openai.gpt-oss-120b-1:0', 'openai.gpt-oss-120b'],
    ['Bedrock date and version', 'anthropic.claude-3-5-sonnet-20241022-v2:0', 'anthropic.claude-3-5-sonnet'],
    ['Bedrock us. profile', 'us.anthropic.claude-3-5-haiku-20241022-v1:0', 'anthropic.claude-3-5-haiku'],
    ['Bedrock eu. profile', 'eu.amazon.nova-lite-v1:0', 'amazon.nova-lite'],
    ['Bedrock apac. profile', 'apac.anthropic.claude-sonnet-4-20250514-v1:0', 'anthropic.claude-sonnet-4'],
    ['Bedrock global. profile is kept (priced apart)', 'global.anthropic.claude-sonnet-4-5-20250929-v1:0', 'global.anthropic.claude-sonnet-4-5'],
    ['Gemini revision suffix', 'gemini-2.0-flash-001', 'gemini-2.0-flash'],
    ['Gemini embedding keeps its number', 'gemini-embedding-001', 'gemini-embedding-001'],
    ['OpenRouter dotted Claude version', 'claude-3.5-haiku', 'claude-3-5-haiku'],
    ['case', 'meta-llama/Llama-3.3-70B-Instruct-Turbo', 'meta-llama/llama-3.3-70b-instruct-turbo'],
    ['dotted versions outside Claude stay', 'gpt-4.1-mini', 'gpt-4.1-mini'],
    ['v-numbers outside Bedrock and Vertex stay', 'amazon.titan-embed-text-v1', 'amazon.titan-embed-text-v1'],
    ['month-year suffixes stay', 'command-r-08-2024', 'command-r-08-2024'],
    ['already normal', 'gpt-4o', 'gpt-4o'],
  ])('%s: %s → %s', (_rule, model, expected) => {
    expect(normaliseModelId(model)).toBe(expected);
    expect(normaliseModelId(expected)).toBe(expected);
  });
});

describe('PriceTable model ids', () => {
  it.each<[string, string, number]>([
    ['openai', 'gpt-4o-mini-2024-07-18', 0.15],
    ['openai', 'gpt-4.1-2025-04-14', 2],
    ['openai', 'o3-mini-2025-01-31', 1.1],
    ['anthropic', 'claude-3-5-haiku-20241022', 0.8],
    ['anthropic', 'claude-3-5-haiku-latest', 0.8],
    ['anthropic', 'claude-sonnet-4-5-20250929', 3],
    ['anthropic', 'claude-opus-4-0', 15],
    ['mistral', 'mistral-large-latest', 2],
    ['mistral', 'mistral-large', 2],
    ['gemini', 'gemini-2.0-flash-001', 0.1],
    ['together', 'meta-llama/llama-3.3-70b-instruct-turbo', 0.88],
  ])('%s %s → input %s', (providerType, model, expected) => {
    expect(inputPrice(providerType, model)).toBe(expected);
  });

  it('prefers an exact snapshot entry over the normalised one', () => {
    expect(inputPrice('openai', 'gpt-4o-2024-05-13')).toBe(5);
    expect(inputPrice('openai', 'gpt-4o-2024-08-06')).toBe(2.5);
  });

  it.each<[string, string, number | undefined]>([
    ['gpt-4o', 'gpt-4o', 2.5],
    ['gpt-4o-mini', 'gpt-4o-mini', 0.15],
    ['gpt-4.1', 'gpt-4.1', 2],
    ['gpt-4.1-mini', 'gpt-4.1-mini', 0.4],
    ['o3', 'o3', 2],
    ['gpt-5', 'gpt-5', 1.25],
    ['an unlisted longer name', 'gpt-4o-mini-search-preview', undefined],
    ['an unlisted shorter name', 'gpt-4', 30],
    ['a name that only starts like a listed one', 'gpt-4o-turbo', undefined],
    ['a listed name plus text', 'claude-sonnet-4-5-extra', undefined],
  ])('never matches by prefix: %s', (_case, model, expected) => {
    expect(inputPrice(model.startsWith('claude') ? 'anthropic' : 'openai', model)).toBe(expected);
  });
});

describe('PriceTable fallbacks between provider types', () => {
  it('azure-openai uses OpenAI prices, and its own names first', () => {
    expect(inputPrice('azure-openai', 'gpt-4o-mini')).toBe(0.15);
    expect(inputPrice('azure-openai', 'gpt-4.1-nano-2025-04-14')).toBe(0.1);
    expect(inputPrice('azure-openai', 'gpt-35-turbo')).toBe(0.5);
    expect(inputPrice('azure-openai', 'my-deployment')).toBeUndefined();
  });

  it('vertex uses its own entries, then Gemini for gemini models and Anthropic for claude models', () => {
    expect(inputPrice('vertex', 'gemini-2.0-flash-001')).toBe(0.15);
    expect(inputPrice('vertex', 'gemini-2.5-pro')).toBe(1.25);
    expect(inputPrice('vertex', 'gemini-2.5-flash-lite')).toBe(0.1);
    expect(inputPrice('vertex', 'claude-sonnet-4@20250514')).toBe(3);
    expect(inputPrice('vertex', 'claude-3-5-sonnet-v2@20241022')).toBe(3);
    expect(inputPrice('vertex', 'claude-haiku-4-5@20251001')).toBe(1);
    expect(inputPrice('vertex', 'gpt-4o')).toBeUndefined();
  });

  it('bedrock uses its own entries, then Anthropic prices for claude ids', () => {
    expect(inputPrice('bedrock', 'anthropic.claude-3-5-haiku-20241022-v1:0')).toBe(0.8);
    expect(inputPrice('bedrock', 'eu.anthropic.claude-3-7-sonnet-20250219-v1:0')).toBe(3);
    expect(inputPrice('bedrock', 'us.anthropic.claude-sonnet-4-5-20250929-v1:0')).toBe(3.3);
    expect(inputPrice('bedrock', 'anthropic.claude-sonnet-4-5-20250929-v1:0')).toBe(3.3);
    expect(inputPrice('bedrock', 'global.anthropic.claude-sonnet-4-5-20250929-v1:0')).toBe(3);
    expect(inputPrice('bedrock', 'global.anthropic.claude-sonnet-4-20250514-v1:0')).toBe(3);
    expect(inputPrice('bedrock', 'apac.amazon.nova-pro-v1:0')).toBe(0.8);
    expect(inputPrice('bedrock', 'us.meta.llama3-1-70b-instruct-v1:0')).toBe(0.72);
    expect(inputPrice('bedrock', 'amazon.titan-embed-text-v2:0')).toBe(0.02);
    expect(inputPrice('bedrock', 'amazon.titan-embed-text-v1')).toBeUndefined();
    expect(inputPrice('bedrock', 'claude-3-5-haiku')).toBeUndefined();
  });

  it('openrouter uses its own entries, then the vendor of closed models', () => {
    expect(inputPrice('openrouter', 'openai/gpt-4o:extended')).toBe(6);
    expect(inputPrice('openrouter', 'openai/gpt-4o-mini')).toBe(0.15);
    expect(inputPrice('openrouter', 'anthropic/claude-3.5-haiku')).toBe(0.8);
    expect(inputPrice('openrouter', 'anthropic/claude-sonnet-4.5')).toBe(3);
    expect(inputPrice('openrouter', 'anthropic/claude-3.7-sonnet:thinking')).toBe(3);
    expect(inputPrice('openrouter', 'google/gemini-2.5-flash')).toBe(0.3);
    expect(inputPrice('openrouter', 'x-ai/grok-4')).toBe(3);
    expect(inputPrice('openrouter', 'gpt-4o-mini')).toBeUndefined();
  });

  it('openrouter does not reuse the vendor price of open-weight models other hosts serve', () => {
    expect(inputPrice('openrouter', 'deepseek/deepseek-chat')).toBeUndefined();
    expect(inputPrice('openrouter', 'meta-llama/llama-3.3-70b-instruct')).toBeUndefined();
    expect(inputPrice('openrouter', 'mistralai/mistral-large')).toBeUndefined();
  });

  it('openrouter :free variants cost nothing', () => {
    expect(bundledOnly.find('or', 'openrouter', 'meta-llama/llama-3.3-70b-instruct:free')).toEqual(price(0, 0, 0));
  });

  it('no fallback for other types, even when another type lists the model', () => {
    expect(inputPrice('groq', 'gpt-4o-mini')).toBeUndefined();
    expect(inputPrice('openai-compatible', 'gpt-4o-mini')).toBeUndefined();
    expect(inputPrice('simulator', 'gpt-4o-mini')).toBeUndefined();
    expect(inputPrice('openai', 'claude-3-5-haiku')).toBeUndefined();
    expect(inputPrice('anthropic', 'anthropic.claude-3-5-haiku-20241022-v1:0')).toBeUndefined();
  });

  it('an unknown provider type gets no price', () => {
    expect(inputPrice('no-such-type', 'gpt-4o')).toBeUndefined();
  });
});

describe('PriceTable memo', () => {
  it('returns the same object for the same provider id and model', () => {
    const table = new PriceTable([]);
    const first = table.find('openai-1', 'openai', 'gpt-4o-mini');
    expect(first).toBeDefined();
    expect(table.find('openai-1', 'openai', 'gpt-4o-mini')).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
  });

  it('remembers misses too', () => {
    const table = new PriceTable([]);
    expect(table.find('openai-1', 'openai', 'unknown-model')).toBeUndefined();
    expect(table.find('openai-1', 'openai', 'unknown-model')).toBeUndefined();
  });

  it('is bounded: after 4096 other lookups an earlier one is resolved again', () => {
    const table = new PriceTable([]);
    const first = table.find('openai-1', 'openai', 'gpt-4o-mini');
    for (let index = 0; index < 4096; index++) table.find('openai-1', 'openai', `made-up-model-${index}`);
    const again = table.find('openai-1', 'openai', 'gpt-4o-mini');
    expect(again).toEqual(first);
    expect(again).not.toBe(first);
  });
});

describe('costNanoUsd', () => {
  it('bills a million input tokens at the per-million price', () => {
    expect(costNanoUsd(price(0.15, 0.6), { inputTokens: 1_000_000, outputTokens: 0, cachedInputTokens: 0 })).toBe(150_000_000);
  });

  it('bills output tokens at the output price', () => {
    expect(costNanoUsd(price(0.15, 0.6), { inputTokens: 0, outputTokens: 1_000, cachedInputTokens: 0 })).toBe(600_000);
  });

  it('bills cached tokens, a part of the input, at the cached price', () => {
    // 600 uncached × 2.5 + 400 cached × 1.25 + 100 output × 10, in USD per million → × 1000 nano-USD
    expect(costNanoUsd(price(2.5, 10, 1.25), { inputTokens: 1_000, outputTokens: 100, cachedInputTokens: 400 })).toBe(3_000_000);
  });

  it('bills cached tokens at the input price when the model has no cached price', () => {
    expect(costNanoUsd(price(2.5, 10), { inputTokens: 1_000, outputTokens: 0, cachedInputTokens: 400 })).toBe(2_500_000);
  });

  it('never bills more cached tokens than input tokens', () => {
    expect(costNanoUsd(price(2.5, 10, 1.25), { inputTokens: 100, outputTokens: 0, cachedInputTokens: 400 })).toBe(125_000);
  });

  it('rounds to whole nano-USD', () => {
    expect(costNanoUsd(price(0.035, 0.14, 0.00875), { inputTokens: 1, outputTokens: 0, cachedInputTokens: 1 })).toBe(9);
    expect(costNanoUsd(price(0.0004, 0), { inputTokens: 1, outputTokens: 0, cachedInputTokens: 0 })).toBe(0);
    expect(costNanoUsd(price(0.0015, 0), { inputTokens: 1, outputTokens: 0, cachedInputTokens: 0 })).toBe(2);
    expect(Number.isInteger(costNanoUsd(price(0.1, 0.3), { inputTokens: 7, outputTokens: 13, cachedInputTokens: 0 }))).toBe(true);
  });

  it('is 0 for no tokens', () => {
    expect(costNanoUsd(price(15, 75, 1.5), { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 })).toBe(0);
  });
});

describe('BUNDLED_PRICES', () => {
  it('has no duplicate (provider, model)', () => {
    const keys = BUNDLED_PRICES.map((entry) => `${entry.provider} ${entry.model}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('lists only known provider types, each at least once', () => {
    const types = new Set(BUNDLED_PRICES.map((entry) => entry.provider));
    expect([...types].sort()).toEqual([...PROVIDER_TYPES].sort());
  });

  it('has finite, non-negative prices and whole positive output limits', () => {
    for (const entry of BUNDLED_PRICES) {
      for (const value of [entry.input, entry.output, entry.cachedInput ?? 0]) {
        expect(Number.isFinite(value), entry.model).toBe(true);
        expect(value, entry.model).toBeGreaterThanOrEqual(0);
      }
      if (entry.maxOutputTokens !== undefined) expect(Number.isInteger(entry.maxOutputTokens) && entry.maxOutputTokens > 0, entry.model).toBe(true);
    }
  });

  it('never prices cached input above input', () => {
    for (const entry of BUNDLED_PRICES) if (entry.cachedInput !== undefined) expect(entry.cachedInput, entry.model).toBeLessThanOrEqual(entry.input);
  });

  it('finds every entry by its own model id', () => {
    for (const entry of BUNDLED_PRICES) expect(bundledOnly.find(`${entry.provider}-1`, entry.provider, entry.model), entry.model).toMatchObject({ input: entry.input, output: entry.output });
  });

  it('gives entries that share a normalised id one price, unless one of them is that id', () => {
    const byNormalisedId = new Map<string, BundledPrice[]>();
    for (const entry of BUNDLED_PRICES) {
      const key = `${entry.provider} ${normaliseModelId(entry.model)}`;
      byNormalisedId.set(key, [...(byNormalisedId.get(key) ?? []), entry]);
    }
    for (const [key, entries] of byNormalisedId) {
      const normalisedModel = key.slice(key.indexOf(' ') + 1);
      if (entries.some((entry) => entry.model.toLowerCase() === normalisedModel)) continue;
      const prices = new Set(entries.map((entry) => `${entry.input}/${entry.output}/${entry.cachedInput}`));
      expect(prices.size, key).toBe(1);
    }
  });

  it('has a valid ISO source date', () => {
    expect(PRICES_SOURCE_DATE).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(new Date(`${PRICES_SOURCE_DATE}T00:00:00Z`).toISOString().slice(0, 10)).toBe(PRICES_SOURCE_DATE);
  });
});

describe('docs/pricing.md', () => {
  const page = readFileSync(new URL('../../docs/pricing.md', import.meta.url), 'utf8');
  const lines = new Set(page.split('\n').map((line) => line.trim()));

  it('has a table row for every bundled price', () => {
    const missing = BUNDLED_PRICES.map(docsTableRow).filter((row) => !lines.has(row));
    expect(missing).toEqual([]);
  });

  it('has no table row for a price that is not bundled', () => {
    const expected = new Set(BUNDLED_PRICES.map(docsTableRow));
    const rows = [...lines].filter((line) => PROVIDER_TYPES.some((type) => line.startsWith(`| ${type} |`)));
    expect(rows.filter((row) => !expected.has(row))).toEqual([]);
  });

  it('names the source date', () => {
    expect(page).toContain(PRICES_SOURCE_DATE);
  });
});

function docsTableRow(entry: BundledPrice): string {
  return `| ${entry.provider} | ${entry.model} | ${entry.input} | ${entry.output} | ${entry.cachedInput ?? '—'} |`;
}
