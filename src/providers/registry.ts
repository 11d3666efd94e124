import { anthropicAdapter } from './anthropic/anthropic-adapter.js';
import { createOpenAICompatibleAdapter } from './openai/openai-compatible-adapter.js';
import { OPENAI_PRESETS } from './openai/presets.js';
import type { ProviderAdapter } from './spec.js';

const adapters = new Map<string, ProviderAdapter>();
for (const preset of OPENAI_PRESETS) adapters.set(preset.type, createOpenAICompatibleAdapter(preset));
adapters.set(anthropicAdapter.type, anthropicAdapter);

export function findAdapter(type: string): ProviderAdapter | undefined {
  return adapters.get(type);
}

export function adapterTypes(): string[] {
  return [...adapters.keys()];
}
