/**
 * Sorts an upstream failure into the class that decides what the attempt loop does next
 * (SPEC section 6):
 *
 * | class            | when                                              | next step                          |
 * |------------------|---------------------------------------------------|------------------------------------|
 * | `rate_limited`   | 429                                               | another key; honour the reset time |
 * | `key_rejected`   | 401/402/403, and 429 `insufficient_quota`         | another key at once                |
 * | `transient`      | no status (network, timeout, broken stream), 408, 409, 425, 5xx, 529, non-error statuses | backoff, may reuse the key |
 * | `context_window` | a 4xx saying the prompt does not fit the model    | not retried on this model          |
 * | `content_policy` | a 4xx saying a safety filter refused the request  | not retried on this model          |
 * | `client_error`   | any other 4xx                                     | not retried; passed to the client  |
 *
 * Provider signals were checked against real error bodies (OpenAI, Azure OpenAI, Anthropic,
 * Gemini, Bedrock, Mistral, Groq, DeepSeek, Cerebras); they live in the two tables below so a
 * new provider's wording is a one-line change.
 */
export type FailureClass =
  | 'rate_limited'
  | 'key_rejected'
  | 'transient'
  | 'client_error'
  | 'context_window'
  | 'content_policy';

export interface FailureFacts {
  /** HTTP status; undefined for a network failure, a timeout or a broken stream. */
  status: number | undefined;
  /** The provider's error type or code string, e.g. `rate_limit_exceeded`, `insufficient_quota`. */
  errorType: string | undefined;
  message: string;
}

type RequestFaultClass = 'context_window' | 'content_policy';

/**
 * Error type/code strings (compared lower-cased, exactly) that name a request fault on their own.
 * Checked before the message, because a code is a stable contract and a message is prose.
 */
const REQUEST_FAULT_ERROR_TYPES: ReadonlyMap<string, RequestFaultClass> = new Map<string, RequestFaultClass>([
  // OpenAI, Azure OpenAI, Groq and most OpenAI-compatible servers.
  ['context_length_exceeded', 'context_window'],
  ['context_window_exceeded', 'context_window'],
  // z.ai and a few OpenAI-compatible hosts.
  ['model_context_window_exceeded', 'context_window'],
  // OpenAI images/moderated endpoints.
  ['content_policy_violation', 'content_policy'],
  // Azure OpenAI: `code: "content_filter"`, `innererror.code: "ResponsibleAIPolicyViolation"`.
  ['content_filter', 'content_policy'],
  ['responsibleaipolicyviolation', 'content_policy'],
]);

interface MessagePattern {
  readonly pattern: RegExp;
  readonly failureClass: RequestFaultClass;
  /** Who sends it, and an example, so a pattern can be checked or retired later. */
  readonly source: string;
}

/** Message patterns, matched case-insensitively against the provider's error message. */
const REQUEST_FAULT_MESSAGES: readonly MessagePattern[] = [
  {
    pattern: /maximum context length/i,
    failureClass: 'context_window',
    source: `OpenAI, Azure, DeepSeek, vLLM, OpenRouter: "This model's maximum context length is 8192 tokens. However, …"`,
  },
  {
    pattern: /context[_ ]length[_ ]exceeded/i,
    failureClass: 'context_window',
    source: 'gateways and SDKs that fold the OpenAI code into the message',
  },
  {
    pattern: /reduce the length of the messages/i,
    failureClass: 'context_window',
    source: 'Groq, Cerebras: "Please reduce the length of the messages or completion."',
  },
  {
    pattern: /prompt is too long/i,
    failureClass: 'context_window',
    source: 'Anthropic, and Claude on Bedrock: "prompt is too long: 208656 tokens > 200000 maximum"',
  },
  {
    pattern: /input is too long for (the )?requested model/i,
    failureClass: 'context_window',
    source: 'Bedrock ValidationException: "Input is too long for requested model."',
  },
  {
    pattern: /too many input tokens/i,
    failureClass: 'context_window',
    source: 'Bedrock ValidationException: "Too many input tokens. Max input tokens: 8192, …"',
  },
  {
    pattern: /exceeds the maximum number of tokens/i,
    failureClass: 'context_window',
    source: 'Gemini INVALID_ARGUMENT: "The input token count (1200293) exceeds the maximum number of tokens allowed (1048576)."',
  },
  {
    pattern: /too large for model with \d+ maximum context length/i,
    failureClass: 'context_window',
    source: 'Mistral: "Prompt contains 300000 tokens, too large for model with 131072 maximum context length"',
  },
  {
    pattern: /input tokens exceed the configured limit/i,
    failureClass: 'context_window',
    source: 'OpenAI Responses API: "Input tokens exceed the configured limit of 272000 tokens."',
  },
  {
    pattern: /content management policy|responsibleaipolicyviolation/i,
    failureClass: 'content_policy',
    source: `Azure OpenAI: "The response was filtered due to the prompt triggering Azure OpenAI's content management policy."`,
  },
  {
    pattern: /content[_ ]policy[_ ]violation|content[_ ]filter/i,
    failureClass: 'content_policy',
    source: 'OpenAI/Azure codes folded into messages; Anthropic: "Output blocked by content filtering policy"',
  },
  {
    pattern: /rejected as a result of (our|the) safety system/i,
    failureClass: 'content_policy',
    source: 'OpenAI images: "Your request was rejected as a result of our safety system."',
  },
  {
    pattern: /flagged as potentially violating our usage polic/i,
    failureClass: 'content_policy',
    source: 'OpenAI `invalid_prompt`: "Invalid prompt: your prompt was flagged as potentially violating our usage policy."',
  },
];

/**
 * OpenAI's out-of-credit error. Matched by code only: Gemini sends the same "You exceeded your
 * current quota" message for an ordinary per-minute 429 that does heal by itself.
 */
const BILLING_QUOTA_ERROR_TYPE = 'insufficient_quota';

export function classifyFailure(facts: FailureFacts): FailureClass {
  const { status } = facts;
  if (status === undefined) return 'transient';
  if (status === 429) return isBillingQuota(facts.errorType) ? 'key_rejected' : 'rate_limited';
  if (status === 401 || status === 402 || status === 403) return 'key_rejected';
  if (status === 408 || status === 409 || status === 425) return 'transient';
  if (status >= 400 && status < 500) return classifyRequestFault(facts);
  // 5xx, 529 (Anthropic overloaded), and statuses that should never have been a failure at
  // all (an unreadable 2xx, an unexpected redirect): the upstream misbehaved, not the request.
  return 'transient';
}

function isBillingQuota(errorType: string | undefined): boolean {
  return errorType !== undefined && errorType.toLowerCase() === BILLING_QUOTA_ERROR_TYPE;
}

function classifyRequestFault(facts: FailureFacts): FailureClass {
  if (facts.errorType !== undefined) {
    const byType = REQUEST_FAULT_ERROR_TYPES.get(facts.errorType.toLowerCase());
    if (byType !== undefined) return byType;
  }
  for (const entry of REQUEST_FAULT_MESSAGES) {
    if (entry.pattern.test(facts.message)) return entry.failureClass;
  }
  return 'client_error';
}
