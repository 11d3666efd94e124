import { BUNDLED_PRICES, type BundledPrice } from './bundled-prices.js';

/** What one model costs, in USD per million tokens. */
export interface ModelPrice {
  input: number;
  output: number;
  cachedInput: number | undefined;
  maxOutputTokens: number | undefined;
  source: 'config' | 'bundled';
}

/** One `pricing:` entry of the config file. */
export interface PriceOverride {
  /** A provider id from config, not a provider type; absent means every provider. */
  provider?: string | undefined;
  model: string;
  input_per_mtok: number;
  output_per_mtok: number;
  cached_input_per_mtok?: number | undefined;
}

/** Beyond this many (provider, model) pairs the memo starts over, so odd model names cannot grow it without end. */
const MEMO_CAPACITY = 4096;

/** A price of 1 USD per million tokens is 1,000 nano-USD per token. */
const NANO_USD_PER_TOKEN_AT_ONE_USD_PER_MTOK = 1_000;

/**
 * OpenRouter vendors whose models only their vendor serves, so OpenRouter passes the vendor's
 * list price through. Open-weight vendors (deepseek, meta-llama, mistralai, qwen, …) are left
 * out: OpenRouter routes their models to other hosts at its own prices.
 */
const OPENROUTER_VENDOR_TYPES: ReadonlyMap<string, string> = new Map([
  ['openai', 'openai'],
  ['anthropic', 'anthropic'],
  ['google', 'gemini'],
  ['x-ai', 'xai'],
  ['cohere', 'cohere'],
  ['perplexity', 'perplexity'],
]);

const OPENROUTER_FREE_VARIANT: ModelPrice = Object.freeze({ input: 0, output: 0, cachedInput: 0, maxOutputTokens: undefined, source: 'bundled' });

const BEDROCK_GEOGRAPHY_PREFIX = /^(?:us|us-gov|eu|apac|jp|au|ca)\.(?=[a-z0-9-]+\.)/;
const BEDROCK_VERSION_SUFFIX = /-v?\d+:\d+$/;
const VERTEX_REVISION_SUFFIX = /-v\d+$/;
const DATE_SUFFIX = /-(?:\d{4}-\d{2}-\d{2}|\d{8})$/;
const LATEST_SUFFIX = /-latest$/;
const CLAUDE_DOTTED_VERSION = /(\d)\.(\d)/g;
const CLAUDE_ZERO_MINOR_ALIAS = /(claude-[a-z]+-\d+)-0$/;
const GEMINI_REVISION_SUFFIX = /^(gemini-\d.*)-\d{3}$/;
const BEDROCK_CLAUDE = /^(?:global\.)?anthropic\.(claude-.+)$/;
const OPENROUTER_VARIANT_SUFFIX = /:[a-z-]+$/;

/**
 * The form of a model id that dated snapshots, aliases and cloud-specific spellings of one model
 * share, e.g. `gpt-4o-mini-2024-07-18` and `gpt-4o-mini` → `gpt-4o-mini`,
 * `us.anthropic.claude-3-5-haiku-20241022-v1:0` → `anthropic.claude-3-5-haiku`. Only suffixes
 * and prefixes with a known meaning are removed, so one model never turns into another.
 */
export function normaliseModelId(model: string): string {
  let id = model.toLowerCase();
  id = stripVertexVersion(id);
  id = id.replace(BEDROCK_GEOGRAPHY_PREFIX, '');
  id = id.replace(BEDROCK_VERSION_SUFFIX, '');
  id = id.replace(DATE_SUFFIX, '');
  id = id.replace(LATEST_SUFFIX, '');
  id = canonicalClaudeName(id);
  return id.replace(GEMINI_REVISION_SUFFIX, '$1');
}

/** `claude-sonnet-4@20250514` → `claude-sonnet-4`; `claude-3-5-sonnet-v2@20241022` → `claude-3-5-sonnet`. */
function stripVertexVersion(id: string): string {
  const at = id.lastIndexOf('@');
  return at < 0 ? id : id.slice(0, at).replace(VERTEX_REVISION_SUFFIX, '');
}

/** OpenRouter writes `claude-3.5-haiku`, Anthropic `claude-3-5-haiku`; `claude-sonnet-4-0` is Anthropic's alias of `claude-sonnet-4`. */
function canonicalClaudeName(id: string): string {
  if (!id.includes('claude-')) return id;
  return id.replace(CLAUDE_DOTTED_VERSION, '$1-$2').replace(CLAUDE_ZERO_MINOR_ALIAS, '$1');
}

/**
 * Cost of one request in nano-USD (1e-9 USD), rounded to a whole number so totals add up
 * exactly. Cached input tokens are part of `inputTokens` and are billed at `cachedInput`
 * (`input` when the price has none); the rest of the input at `input`.
 */
export function costNanoUsd(price: ModelPrice, usage: { inputTokens: number; outputTokens: number; cachedInputTokens: number }): number {
  const cachedTokens = Math.min(Math.max(usage.cachedInputTokens, 0), usage.inputTokens);
  const uncachedTokens = usage.inputTokens - cachedTokens;
  const usdPerMillion = uncachedTokens * price.input + cachedTokens * (price.cachedInput ?? price.input) + usage.outputTokens * price.output;
  return Math.round(usdPerMillion * NANO_USD_PER_TOKEN_AT_ONE_USD_PER_MTOK);
}

/** The bundled prices of one provider type, found by exact model id or by normalised id. */
class ProviderPriceList {
  private readonly byModel = new Map<string, BundledPrice>();
  private readonly byNormalisedModel = new Map<string, BundledPrice>();

  add(entry: BundledPrice): void {
    if (!this.byModel.has(entry.model)) this.byModel.set(entry.model, entry);
    const key = normaliseModelId(entry.model);
    const current = this.byNormalisedModel.get(key);
    // `gpt-4o` and `gpt-4o-2024-05-13` share a normalised id; other snapshots of gpt-4o cost what `gpt-4o` costs.
    if (current === undefined || (!isNormalForm(current, key) && isNormalForm(entry, key))) this.byNormalisedModel.set(key, entry);
  }

  find(model: string): BundledPrice | undefined {
    return this.byModel.get(model) ?? this.byNormalisedModel.get(normaliseModelId(model));
  }
}

function isNormalForm(entry: BundledPrice, normalisedModel: string): boolean {
  return entry.model.toLowerCase() === normalisedModel;
}

interface PriceSource {
  providerType: string;
  model: string;
}

/** Where a provider type sells another type's models at that type's list price. */
function fallbackSources(providerType: string, model: string): PriceSource[] {
  switch (providerType) {
    case 'azure-openai':
      return [{ providerType: 'openai', model }];
    case 'vertex':
      return vertexFallback(normaliseModelId(model));
    case 'bedrock':
      return bedrockFallback(normaliseModelId(model));
    case 'openrouter':
      return openRouterFallback(model);
    default:
      return [];
  }
}

function vertexFallback(normalisedModel: string): PriceSource[] {
  if (normalisedModel.startsWith('gemini-')) return [{ providerType: 'gemini', model: normalisedModel }];
  if (normalisedModel.startsWith('claude-')) return [{ providerType: 'anthropic', model: normalisedModel }];
  return [];
}

function bedrockFallback(normalisedModel: string): PriceSource[] {
  const claudeModel = BEDROCK_CLAUDE.exec(normalisedModel)?.[1];
  return claudeModel === undefined ? [] : [{ providerType: 'anthropic', model: claudeModel }];
}

/** `anthropic/claude-3.7-sonnet:thinking` → the anthropic entry for `claude-3.7-sonnet`. */
function openRouterFallback(model: string): PriceSource[] {
  const withoutVariant = model.replace(OPENROUTER_VARIANT_SUFFIX, '');
  const slash = withoutVariant.indexOf('/');
  if (slash < 0) return [];
  const vendorType = OPENROUTER_VENDOR_TYPES.get(withoutVariant.slice(0, slash));
  return vendorType === undefined ? [] : [{ providerType: vendorType, model: withoutVariant.slice(slash + 1) }];
}

function isOpenRouterFreeVariant(providerType: string, model: string): boolean {
  return providerType === 'openrouter' && model.endsWith(':free');
}

function priceFromBundled(entry: BundledPrice): ModelPrice {
  return Object.freeze({ input: entry.input, output: entry.output, cachedInput: entry.cachedInput, maxOutputTokens: entry.maxOutputTokens, source: 'bundled' });
}

/** A `pricing:` entry says nothing about output limits, so the bundled one, if any, still holds. */
function priceFromOverride(override: PriceOverride, maxOutputTokens: number | undefined): ModelPrice {
  return Object.freeze({
    input: override.input_per_mtok,
    output: override.output_per_mtok,
    cachedInput: override.cached_input_per_mtok,
    maxOutputTokens,
    source: 'config',
  });
}

function providerModelKey(providerId: string, model: string): string {
  return `${providerId}\u0000${model}`;
}

/**
 * Prices of the models the gateway sends upstream: `pricing:` entries from config first, then
 * the bundled list. Results are memoised per (provider id, model) because every request asks.
 */
export class PriceTable {
  private readonly overridesByProvider = new Map<string, PriceOverride>();
  private readonly overridesForAnyProvider = new Map<string, PriceOverride>();
  private readonly bundledByType = new Map<string, ProviderPriceList>();
  private readonly memo = new Map<string, ModelPrice | undefined>();

  constructor(overrides: readonly PriceOverride[], bundled: readonly BundledPrice[] = BUNDLED_PRICES) {
    for (const override of overrides) this.addOverride(override);
    for (const entry of bundled) this.listFor(entry.provider).add(entry);
  }

  /** The price of `model` on the provider with this id and type; undefined when nothing prices it. */
  find(providerId: string, providerType: string, model: string): ModelPrice | undefined {
    const key = providerModelKey(providerId, model);
    if (this.memo.has(key)) return this.memo.get(key);
    const price = this.resolve(providerId, providerType, model);
    if (this.memo.size >= MEMO_CAPACITY) this.memo.clear();
    this.memo.set(key, price);
    return price;
  }

  private resolve(providerId: string, providerType: string, model: string): ModelPrice | undefined {
    const override = this.overridesByProvider.get(providerModelKey(providerId, model)) ?? this.overridesForAnyProvider.get(model);
    const bundled = this.findBundled(providerType, model);
    return override === undefined ? bundled : priceFromOverride(override, bundled?.maxOutputTokens);
  }

  private findBundled(providerType: string, model: string): ModelPrice | undefined {
    const own = this.bundledByType.get(providerType)?.find(model);
    if (own !== undefined) return priceFromBundled(own);
    if (isOpenRouterFreeVariant(providerType, model)) return OPENROUTER_FREE_VARIANT;
    for (const source of fallbackSources(providerType, model)) {
      const borrowed = this.bundledByType.get(source.providerType)?.find(source.model);
      if (borrowed !== undefined) return priceFromBundled(borrowed);
    }
    return undefined;
  }

  // The first of duplicate entries wins, as in the config's own use of `pricing:`.
  private addOverride(override: PriceOverride): void {
    const overrides = override.provider === undefined ? this.overridesForAnyProvider : this.overridesByProvider;
    const key = override.provider === undefined ? override.model : providerModelKey(override.provider, override.model);
    if (!overrides.has(key)) overrides.set(key, override);
  }

  private listFor(providerType: string): ProviderPriceList {
    let list = this.bundledByType.get(providerType);
    if (list === undefined) {
      list = new ProviderPriceList();
      this.bundledByType.set(providerType, list);
    }
    return list;
  }
}
