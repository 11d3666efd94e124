import { describe, expect, it } from 'vitest';
import { classifyFailure, type FailureClass, type FailureFacts } from './failure-class.js';

type Row = [description: string, facts: FailureFacts, expected: FailureClass];

function facts(status: number | undefined, errorType: string | undefined, message = ''): FailureFacts {
  return { status, errorType, message };
}

// Messages are real provider error bodies (trimmed where noted) as users have reported them.
const rows: Row[] = [
  // No status: the upstream never answered properly.
  ['connection reset', facts(undefined, undefined, 'socket hang up'), 'transient'],
  ['first-byte timeout', facts(undefined, 'timeout', 'no first byte within 30000 ms'), 'transient'],
  ['stream cut mid-way', facts(undefined, undefined, 'terminated'), 'transient'],

  // 429: rate limits, except a spent balance.
  ['OpenAI rate limit', facts(429, 'rate_limit_exceeded', 'Rate limit reached for gpt-4o-mini in organization org-x on requests per min (RPM): Limit 3, Used 3, Requested 1.'), 'rate_limited'],
  ['OpenAI request bigger than the TPM window', facts(429, 'rate_limit_exceeded', 'Request too large for gpt-4 in organization org-x on tokens per min (TPM): Limit 10000, Requested 12000.'), 'rate_limited'],
  ['Anthropic rate limit', facts(429, 'rate_limit_error', "This request would exceed your account's rate limit. Please try again later."), 'rate_limited'],
  ['Bedrock throttling', facts(429, 'ThrottlingException', 'Too many requests, please wait before trying again.'), 'rate_limited'],
  ['Groq rate limit without a type', facts(429, undefined, 'Rate limit reached for model `llama-3.1-8b-instant`'), 'rate_limited'],
  ['OpenAI insufficient_quota is a billing problem', facts(429, 'insufficient_quota', 'You exceeded your current quota, please check your plan and billing details.'), 'key_rejected'],
  ['insufficient_quota matched case-insensitively', facts(429, 'INSUFFICIENT_QUOTA', 'quota'), 'key_rejected'],
  // Gemini reuses the "current quota" wording for a per-minute limit that heals by itself.
  ['Gemini RESOURCE_EXHAUSTED per-minute quota', facts(429, 'RESOURCE_EXHAUSTED', 'You exceeded your current quota, please check your plan and billing details.'), 'rate_limited'],

  // 401/402/403: the key is no good.
  ['OpenAI bad key', facts(401, 'invalid_api_key', 'Incorrect API key provided: sk-abc***.'), 'key_rejected'],
  ['Anthropic bad key', facts(401, 'authentication_error', 'invalid x-api-key'), 'key_rejected'],
  ['payment required', facts(402, undefined, 'Insufficient credits'), 'key_rejected'],
  ['Anthropic permission error', facts(403, 'permission_error', 'Your API key does not have permission to use the specified resource.'), 'key_rejected'],
  ['a 403 is the key even when the text mentions a content filter', facts(403, undefined, 'content filter'), 'key_rejected'],

  // Transient statuses.
  ['408 request timeout', facts(408, undefined, 'Request Timeout'), 'transient'],
  ['409 conflict', facts(409, undefined, 'Conflict'), 'transient'],
  ['425 too early', facts(425, undefined, 'Too Early'), 'transient'],
  ['500', facts(500, 'server_error', 'The server had an error while processing your request.'), 'transient'],
  ['502', facts(502, undefined, 'Bad Gateway'), 'transient'],
  ['503', facts(503, undefined, 'Service Unavailable'), 'transient'],
  ['504', facts(504, undefined, 'Gateway Timeout'), 'transient'],
  ['Anthropic overloaded 529', facts(529, 'overloaded_error', 'Overloaded'), 'transient'],
  ['a 5xx mentioning the context window is still the upstream failing', facts(500, undefined, "This model's maximum context length is 8192 tokens"), 'transient'],
  ['an unreadable 200', facts(200, 'invalid_response', 'Unexpected end of JSON input'), 'transient'],
  ['an unexpected redirect', facts(302, undefined, 'Found'), 'transient'],

  // Context window, by code.
  ['OpenAI context_length_exceeded', facts(400, 'context_length_exceeded', "This model's maximum context length is 8192 tokens. However, your messages resulted in 8227 tokens. Please reduce the length of the messages."), 'context_window'],
  ['Groq context_length_exceeded with a terse message', facts(400, 'context_length_exceeded', 'Please reduce the length of the messages or completion.'), 'context_window'],
  ['code matched case-insensitively', facts(400, 'Context_Length_Exceeded', ''), 'context_window'],
  ['z.ai model_context_window_exceeded', facts(400, 'model_context_window_exceeded', ''), 'context_window'],
  // Context window, by message.
  ['DeepSeek: code is only invalid_request_error', facts(400, 'invalid_request_error', "This model's maximum context length is 131072 tokens. However, you requested 141403 tokens (133211 in the messages, 8192 in the completion). Please reduce the length of the messages or completion."), 'context_window'],
  ['legacy OpenAI completions', facts(400, undefined, "This model's maximum context length is 4097 tokens, however you requested 4231 tokens (3975 in your prompt; 256 for the completion). Please reduce your prompt; or completion length."), 'context_window'],
  ['Groq/Cerebras message without a code', facts(400, undefined, 'Please reduce the length of the messages or completion. Current length is 42328 while limit is 40000'), 'context_window'],
  ['Anthropic prompt is too long', facts(400, 'invalid_request_error', 'prompt is too long: 208656 tokens > 200000 maximum'), 'context_window'],
  ['Claude on Bedrock', facts(400, 'ValidationException', 'The model returned the following errors: prompt is too long: 200049 tokens > 200000 maximum'), 'context_window'],
  ['Bedrock input too long', facts(400, 'ValidationException', 'Input is too long for requested model.'), 'context_window'],
  ['Bedrock input too long inside a model error', facts(400, 'ValidationException', 'The model returned the following errors: Input is too long for requested model.'), 'context_window'],
  ['Bedrock too many input tokens', facts(400, 'ValidationException', 'Too many input tokens. Max input tokens: 8192, request input token count: 9279'), 'context_window'],
  ['Gemini token count', facts(400, 'INVALID_ARGUMENT', 'The input token count (1200293) exceeds the maximum number of tokens allowed (1048576).'), 'context_window'],
  ['Mistral', facts(400, 'invalid_request_message_error', 'Prompt contains 300000 tokens, too large for model with 131072 maximum context length'), 'context_window'],
  ['OpenAI Responses API input limit', facts(400, 'invalid_request_error', 'Input tokens exceed the configured limit of 272000 tokens. Your messages resulted in 300000 tokens.'), 'context_window'],
  ['a 413 that says the prompt is too long', facts(413, undefined, 'Prompt is too long'), 'context_window'],
  ['message matched case-insensitively', facts(400, undefined, 'PROMPT IS TOO LONG'), 'context_window'],

  // Content policy.
  ['Azure content_filter', facts(400, 'content_filter', "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry."), 'content_policy'],
  ['Azure content_filter code alone', facts(400, 'content_filter', 'Bad request'), 'content_policy'],
  ['Azure inner code as the type', facts(400, 'ResponsibleAIPolicyViolation', ''), 'content_policy'],
  ['Azure message only', facts(400, undefined, "The response was filtered due to the prompt triggering Azure OpenAI's content management policy."), 'content_policy'],
  ['OpenAI images safety system', facts(400, 'content_policy_violation', 'Your request was rejected as a result of our safety system.'), 'content_policy'],
  ['OpenAI safety system without a code', facts(400, 'invalid_request_error', 'Your request was rejected as a result of our safety system. Your prompt may contain text that is not allowed.'), 'content_policy'],
  ['OpenAI flagged prompt', facts(400, 'invalid_prompt', 'Invalid prompt: your prompt was flagged as potentially violating our usage policy. Please try again with a different prompt.'), 'content_policy'],
  ['Anthropic output filter', facts(400, 'invalid_request_error', 'Output blocked by content filtering policy'), 'content_policy'],

  // Everything else in 4xx is the client's own error.
  ['bad parameter', facts(400, 'invalid_request_error', "Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but got 200 instead."), 'client_error'],
  ['unknown model', facts(404, 'model_not_found', 'The model `gpt-9` does not exist or you do not have access to it.'), 'client_error'],
  ['Anthropic body too large', facts(413, 'request_too_large', 'Request exceeds the maximum allowed number of bytes.'), 'client_error'],
  ['unprocessable', facts(422, undefined, 'Input should be a valid string'), 'client_error'],
  ['teapot', facts(418, undefined, ''), 'client_error'],
  ['Gemini bad argument', facts(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received. Unknown name "foo": Cannot find field.'), 'client_error'],
  ['Bedrock max_tokens above the model limit is not a context overflow', facts(400, 'ValidationException', 'The maximum tokens you requested exceeds the model limit of 4096.'), 'client_error'],
];

describe('classifyFailure', () => {
  it.each(rows)('%s', (_description, input, expected) => {
    expect(classifyFailure(input)).toBe(expected);
  });
});
