/** Field names whose string values are secrets, wherever they appear in a logged body. */
const SECRET_FIELD = /(api[_-]?key|authorization|password|secret|(^|_)token|credential|private[_-]?key)$/i;
/** Secret-looking strings inside any text: provider and virtual keys, bearer tokens, AWS access key ids. */
const SECRET_TEXT = /\b(sk-[A-Za-z0-9_-]{8,}|AKIA[0-9A-Z]{16}|AIza[0-9A-Za-z_-]{20,})|Bearer\s+[A-Za-z0-9._~+/=-]{8,}/g;

export const REDACTED = '[redacted]';

function redactText(text: string): string {
  return text.replace(SECRET_TEXT, REDACTED);
}

/**
 * A body for the request log: JSON with secret fields and secret-looking strings replaced, cut
 * to `maxBytes` (at a character boundary, marked with an ellipsis).
 */
export function redactedBody(body: unknown, maxBytes: number): string {
  const text = typeof body === 'string' ? redactText(body) : JSON.stringify(body, (key, value: unknown) => (typeof value === 'string' ? (SECRET_FIELD.test(key) ? REDACTED : redactText(value)) : value)) ?? '';
  return truncateBytes(text, maxBytes);
}

export function truncateBytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let cut = Buffer.from(text).subarray(0, maxBytes).toString('utf8');
  // A multi-byte character cut in half decodes to U+FFFD; drop it.
  if (cut.endsWith('\uFFFD')) cut = cut.slice(0, -1);
  return `${cut}…`;
}
