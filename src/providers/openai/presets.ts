import type { OpenAIPreset } from './openai-compatible-adapter.js';

const openaiDefaults = { keyOptional: false, embeddings: false, tools: true, images: false, unsupported: [], renames: {}, streamOptions: true } as const;

/**
 * OpenAI and the providers that speak its format, with their documented differences.
 * Base URLs are the providers' published ones; `unsupported` lists parameters their API
 * references reject or ignore.
 */
export const OPENAI_PRESETS: readonly OpenAIPreset[] = [
  { ...openaiDefaults, type: 'openai', defaultBaseUrl: 'https://api.openai.com/v1', embeddings: true, images: true },
  {
    ...openaiDefaults,
    type: 'groq',
    defaultBaseUrl: 'https://api.groq.com/openai/v1',
    images: true,
    unsupported: ['logprobs', 'top_logprobs', 'logit_bias', 'n'],
  },
  {
    ...openaiDefaults,
    type: 'mistral',
    defaultBaseUrl: 'https://api.mistral.ai/v1',
    embeddings: true,
    images: true,
    unsupported: ['logit_bias', 'logprobs', 'top_logprobs', 'user', 'service_tier', 'store'],
    renames: { max_completion_tokens: 'max_tokens', seed: 'random_seed' },
    streamOptions: false,
  },
  {
    ...openaiDefaults,
    type: 'deepseek',
    defaultBaseUrl: 'https://api.deepseek.com/v1',
    unsupported: ['n', 'logit_bias', 'seed', 'service_tier'],
    renames: { max_completion_tokens: 'max_tokens' },
  },
  { ...openaiDefaults, type: 'xai', defaultBaseUrl: 'https://api.x.ai/v1', images: true },
  { ...openaiDefaults, type: 'together', defaultBaseUrl: 'https://api.together.xyz/v1', embeddings: true, images: true },
  { ...openaiDefaults, type: 'fireworks', defaultBaseUrl: 'https://api.fireworks.ai/inference/v1', embeddings: true, images: true },
  { ...openaiDefaults, type: 'openrouter', defaultBaseUrl: 'https://openrouter.ai/api/v1', images: true },
  {
    ...openaiDefaults,
    type: 'perplexity',
    defaultBaseUrl: 'https://api.perplexity.ai',
    tools: false,
    unsupported: ['logit_bias', 'logprobs', 'top_logprobs', 'n', 'seed', 'tools', 'tool_choice', 'parallel_tool_calls'],
    renames: { max_completion_tokens: 'max_tokens' },
    streamOptions: false,
  },
  {
    ...openaiDefaults,
    type: 'cerebras',
    defaultBaseUrl: 'https://api.cerebras.ai/v1',
    unsupported: ['frequency_penalty', 'presence_penalty', 'logit_bias', 'service_tier', 'parallel_tool_calls'],
  },
  { ...openaiDefaults, type: 'ollama', defaultBaseUrl: 'http://127.0.0.1:11434/v1', keyOptional: true, embeddings: true, images: true },
  { ...openaiDefaults, type: 'vllm', defaultBaseUrl: 'http://127.0.0.1:8000/v1', keyOptional: true, embeddings: true, images: true },
  { ...openaiDefaults, type: 'openai-compatible', defaultBaseUrl: '', keyOptional: true, embeddings: true, images: true },
  // The built-in simulator speaks the OpenAI format; its base URL is the embedded simulator's.
  { ...openaiDefaults, type: 'simulator', defaultBaseUrl: '', keyOptional: true, embeddings: true, images: true },
];
