/** What every benchmark client sends: the gateway resolves `bench-model` to the upstream. */
export const CHAT_REQUEST_BODY = JSON.stringify({ model: 'bench-model', messages: [{ role: 'user', content: 'Say hello' }] });

export const CHAT_COMPLETIONS_PATH = '/v1/chat/completions';

/**
 * The virtual key every client sends. The governed gateway checks it (and its limits, budget and
 * team); the other targets ignore the header, so every target gets the same bytes.
 */
export const BENCH_VIRTUAL_KEY = 'sk-sy-bench-virtual-key-000000000000000000';

export const REQUEST_HEADERS = { 'content-type': 'application/json', authorization: `Bearer ${BENCH_VIRTUAL_KEY}` };

/** The fixed answer of the benchmark upstream: a realistic, non-streamed OpenAI chat completion with usage. */
export const CHAT_COMPLETION_RESPONSE = JSON.stringify({
  id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
  object: 'chat.completion',
  created: 1741569952,
  model: 'gpt-4o-mini-2024-07-18',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello! How can I assist you today?', refusal: null }, logprobs: null, finish_reason: 'stop' }],
  usage: { prompt_tokens: 9, completion_tokens: 10, total_tokens: 19, prompt_tokens_details: { cached_tokens: 0 } },
  service_tier: 'default',
  system_fingerprint: 'fp_06737a9306',
});
