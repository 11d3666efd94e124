/**
 * Reads what a provider's response headers say about its rate limits, on success and on 429:
 *
 * - `retry-after-ms` (milliseconds; OpenAI's SDKs honour it) wins over `retry-after`
 *   (seconds, fractional allowed, or an HTTP-date in any of the three RFC 9110 forms).
 * - OpenAI, Azure OpenAI, Groq and OpenAI-compatible hosts: `x-ratelimit-{limit,remaining,reset}-{requests,tokens}`,
 *   reset as a Go duration (`20ms`, `1s`, `6m0s`, `2m59.56s`) or plain seconds (`2`, `2.5`).
 * - Anthropic: `anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-{limit,remaining,reset}`,
 *   reset as an RFC 3339 timestamp. The combined `tokens-*` window is used when sent; otherwise
 *   the input/output window with less room left, since that is the one that will refuse first.
 *
 * Without a `retry-after*` header, `retryAfterMs` is the reset of whichever window is exhausted
 * (the later one if both are). Values that do not parse are ignored: Azure, for one, sends
 * `-1` for windows it does not track. Nothing here is ever NaN or negative, and `retryAfterMs`
 * is capped at 24 hours so a clock-skewed or hostile header cannot park a key for days.
 */
export interface RateLimitHints {
  /** How long to wait before this key may be used again, if the response said. */
  retryAfterMs: number | undefined;
  remainingRequests: number | undefined;
  remainingTokens: number | undefined;
  limitRequests: number | undefined;
  limitTokens: number | undefined;
  /** Time from now until the requests window resets. */
  resetRequestsMs: number | undefined;
  /** Time from now until the tokens window resets. */
  resetTokensMs: number | undefined;
}

/** node's IncomingHttpHeaders shape: lower-case names. */
export type HeaderBag = Record<string, string | string[] | undefined>;

export const MAX_RETRY_AFTER_MS = 24 * 60 * 60 * 1000;

/** The three header names of one rate-limit window, spelled out once at load time. */
interface WindowHeaders {
  readonly limit: string;
  readonly remaining: string;
  readonly reset: string;
}

function openAiWindow(name: string): WindowHeaders {
  return { limit: `x-ratelimit-limit-${name}`, remaining: `x-ratelimit-remaining-${name}`, reset: `x-ratelimit-reset-${name}` };
}

function anthropicWindow(name: string): WindowHeaders {
  const prefix = `anthropic-ratelimit-${name}`;
  return { limit: `${prefix}-limit`, remaining: `${prefix}-remaining`, reset: `${prefix}-reset` };
}

const OPENAI_REQUESTS = openAiWindow('requests');
const OPENAI_TOKENS = openAiWindow('tokens');
const ANTHROPIC_REQUESTS = anthropicWindow('requests');
const ANTHROPIC_TOKENS = anthropicWindow('tokens');
const ANTHROPIC_INPUT_TOKENS = anthropicWindow('input-tokens');
const ANTHROPIC_OUTPUT_TOKENS = anthropicWindow('output-tokens');

export function readRateLimitHints(headers: HeaderBag, nowEpochMs: number): RateLimitHints {
  const hints: RateLimitHints = {
    retryAfterMs: undefined,
    remainingRequests: readCount(headers, OPENAI_REQUESTS.remaining),
    remainingTokens: readCount(headers, OPENAI_TOKENS.remaining),
    limitRequests: readCount(headers, OPENAI_REQUESTS.limit),
    limitTokens: readCount(headers, OPENAI_TOKENS.limit),
    resetRequestsMs: readDuration(headers, OPENAI_REQUESTS.reset),
    resetTokensMs: readDuration(headers, OPENAI_TOKENS.reset),
  };
  fillAnthropicRequests(hints, headers, nowEpochMs);
  fillAnthropicTokens(hints, headers, nowEpochMs);
  hints.retryAfterMs = readRetryAfter(headers, nowEpochMs) ?? retryAfterFromExhaustedWindow(hints);
  return hints;
}

function fillAnthropicRequests(hints: RateLimitHints, headers: HeaderBag, nowEpochMs: number): void {
  hints.remainingRequests ??= readCount(headers, ANTHROPIC_REQUESTS.remaining);
  hints.limitRequests ??= readCount(headers, ANTHROPIC_REQUESTS.limit);
  hints.resetRequestsMs ??= readTimestamp(headers, ANTHROPIC_REQUESTS.reset, nowEpochMs);
}

function fillAnthropicTokens(hints: RateLimitHints, headers: HeaderBag, nowEpochMs: number): void {
  if (hints.remainingTokens !== undefined || hints.limitTokens !== undefined || hints.resetTokensMs !== undefined) return;
  const window = anthropicTokenWindow(headers, nowEpochMs);
  if (window === undefined) return;
  hints.remainingTokens = readCount(headers, window.remaining);
  hints.limitTokens = readCount(headers, window.limit);
  hints.resetTokensMs = readTimestamp(headers, window.reset, nowEpochMs);
}

/** The Anthropic token window to report, or undefined when none was sent. */
function anthropicTokenWindow(headers: HeaderBag, nowEpochMs: number): WindowHeaders | undefined {
  if (hasAnyHeaderOf(headers, ANTHROPIC_TOKENS)) return ANTHROPIC_TOKENS;
  const inputRemaining = readCount(headers, ANTHROPIC_INPUT_TOKENS.remaining);
  const outputRemaining = readCount(headers, ANTHROPIC_OUTPUT_TOKENS.remaining);
  if (outputRemaining === undefined) return inputRemaining === undefined ? undefined : ANTHROPIC_INPUT_TOKENS;
  if (inputRemaining === undefined) return ANTHROPIC_OUTPUT_TOKENS;
  if (outputRemaining !== inputRemaining) {
    return outputRemaining < inputRemaining ? ANTHROPIC_OUTPUT_TOKENS : ANTHROPIC_INPUT_TOKENS;
  }
  // Equal room left (typically both 0): the later reset is the honest wait.
  const inputReset = readTimestamp(headers, ANTHROPIC_INPUT_TOKENS.reset, nowEpochMs) ?? 0;
  const outputReset = readTimestamp(headers, ANTHROPIC_OUTPUT_TOKENS.reset, nowEpochMs) ?? 0;
  return outputReset > inputReset ? ANTHROPIC_OUTPUT_TOKENS : ANTHROPIC_INPUT_TOKENS;
}

function hasAnyHeaderOf(headers: HeaderBag, window: WindowHeaders): boolean {
  return headers[window.remaining] !== undefined || headers[window.limit] !== undefined || headers[window.reset] !== undefined;
}

function retryAfterFromExhaustedWindow(hints: RateLimitHints): number | undefined {
  const requestsWait = hints.remainingRequests === 0 ? hints.resetRequestsMs : undefined;
  const tokensWait = hints.remainingTokens === 0 ? hints.resetTokensMs : undefined;
  if (requestsWait === undefined) return capRetryAfter(tokensWait);
  if (tokensWait === undefined) return capRetryAfter(requestsWait);
  return capRetryAfter(Math.max(requestsWait, tokensWait));
}

function readRetryAfter(headers: HeaderBag, nowEpochMs: number): number | undefined {
  const milliseconds = parseNonNegativeDecimal(firstValue(headers['retry-after-ms']));
  if (milliseconds !== undefined) return capRetryAfter(Math.ceil(milliseconds));
  const text = firstValue(headers['retry-after']);
  if (text === undefined) return undefined;
  const seconds = parseNonNegativeDecimal(text);
  if (seconds !== undefined) return capRetryAfter(Math.ceil(seconds * 1000));
  const date = parseHttpDate(text.trim());
  return date === undefined ? undefined : capRetryAfter(Math.max(0, Math.ceil(date - nowEpochMs)));
}

function capRetryAfter(milliseconds: number | undefined): number | undefined {
  return milliseconds === undefined ? undefined : Math.min(milliseconds, MAX_RETRY_AFTER_MS);
}

function readCount(headers: HeaderBag, name: string): number | undefined {
  return parseNonNegativeDecimal(firstValue(headers[name]));
}

function readDuration(headers: HeaderBag, name: string): number | undefined {
  const text = firstValue(headers[name]);
  return text === undefined ? undefined : parseResetDuration(text);
}

function readTimestamp(headers: HeaderBag, name: string, nowEpochMs: number): number | undefined {
  const text = firstValue(headers[name]);
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  if (!RFC_3339.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  return Number.isFinite(at) ? Math.max(0, Math.ceil(at - nowEpochMs)) : undefined;
}

/** A repeated header arrives as an array; the first occurrence is the one that counts. */
function firstValue(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : value?.[0];
}

const NON_NEGATIVE_DECIMAL = /^\s*(\d+(\.\d*)?|\.\d+)\s*$/;

function parseNonNegativeDecimal(text: string | undefined): number | undefined {
  if (text === undefined || !NON_NEGATIVE_DECIMAL.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

const RFC_3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;
// RFC 9110 section 5.6.7: recipients must accept all three HTTP-date forms.
const IMF_FIXDATE = /^[a-z]{3}, \d{2} [a-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/i;
const RFC_850_DATE = /^[a-z]{6,9}, \d{2}-[a-z]{3}-\d{2} \d{2}:\d{2}:\d{2} GMT$/i;
const ASCTIME_DATE = /^[a-z]{3} [a-z]{3} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/i;

/** Epoch ms of an HTTP-date, or undefined. The regexes keep `Date.parse`'s guesswork out ("2" is a date to V8). */
function parseHttpDate(text: string): number | undefined {
  let at = Number.NaN;
  if (IMF_FIXDATE.test(text) || RFC_850_DATE.test(text)) at = Date.parse(text);
  // asctime carries no zone and means GMT; V8 would read it as local time.
  else if (ASCTIME_DATE.test(text)) at = Date.parse(`${text} GMT`);
  return Number.isFinite(at) ? at : undefined;
}

const NANOSECONDS_PER_MILLISECOND = 1_000_000;

/**
 * Milliseconds in an OpenAI-style reset duration — Go's `time.Duration` text: `20ms`, `1s`,
 * `6m0s`, `1h2m3.5s`, `0.5s`, also `us`/`µs`/`ns` — or a bare number of seconds (`2`, `2.5`),
 * which some OpenAI-compatible hosts send. Rounded up to whole milliseconds: waiting a fraction
 * too long is harmless, retrying a fraction too early earns another 429. Undefined for
 * anything else, including negative durations.
 */
export function parseResetDuration(text: string): number | undefined {
  const bareSeconds = parseNonNegativeDecimal(text);
  if (bareSeconds !== undefined) return Math.ceil(bareSeconds * 1000);
  const nanoseconds = parseGoDurationNanoseconds(text.trim());
  return nanoseconds === undefined ? undefined : Math.ceil(nanoseconds / NANOSECONDS_PER_MILLISECOND);
}

/**
 * A hand-rolled scanner rather than a global regex: it runs on every upstream response and
 * allocates nothing. Each component is `digits[.digits]unit`; the value is kept as an integer
 * mantissa and a power of ten so `1.1s` is exactly 1 100 000 000 ns, not 1 100 000 000.0000002.
 */
function parseGoDurationNanoseconds(text: string): number | undefined {
  if (text.length === 0) return undefined;
  let total = 0;
  let index = 0;
  while (index < text.length) {
    let mantissa = 0;
    let scale = 1;
    let digits = 0;
    let seenPoint = false;
    for (; index < text.length; index++) {
      const code = text.charCodeAt(index);
      if (code >= 48 && code <= 57) {
        mantissa = mantissa * 10 + (code - 48);
        if (seenPoint) scale *= 10;
        digits++;
      } else if (code === 46 && !seenPoint) {
        seenPoint = true;
      } else {
        break;
      }
    }
    if (digits === 0) return undefined;
    const unit = readUnit(text, index);
    if (unit === undefined) return undefined;
    total += (mantissa * unit.nanoseconds) / scale;
    index += unit.length;
  }
  return Number.isFinite(total) ? total : undefined;
}

interface DurationUnit {
  readonly length: number;
  readonly nanoseconds: number;
}

const HOUR: DurationUnit = { length: 1, nanoseconds: 3_600_000_000_000 };
const MINUTE: DurationUnit = { length: 1, nanoseconds: 60_000_000_000 };
const SECOND: DurationUnit = { length: 1, nanoseconds: 1_000_000_000 };
const MILLISECOND: DurationUnit = { length: 2, nanoseconds: 1_000_000 };
const MICROSECOND: DurationUnit = { length: 2, nanoseconds: 1_000 };
const NANOSECOND: DurationUnit = { length: 2, nanoseconds: 1 };

function readUnit(text: string, index: number): DurationUnit | undefined {
  const first = text[index];
  const second = text[index + 1];
  switch (first) {
    case 'h':
      return HOUR;
    case 'm':
      return second === 's' ? MILLISECOND : MINUTE;
    case 's':
      return SECOND;
    case 'u':
    case 'µ':
    case 'μ':
      return second === 's' ? MICROSECOND : undefined;
    case 'n':
      return second === 's' ? NANOSECOND : undefined;
    default:
      return undefined;
  }
}
