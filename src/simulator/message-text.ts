/** Reading the text out of OpenAI and Anthropic message shapes, leniently. */

/** Characters of text in a message `content` (a string or an array of parts/blocks). */
export function contentCharacters(content: unknown): number {
  if (typeof content === 'string') return content.length;
  if (!Array.isArray(content)) return 0;
  let total = 0;
  for (const part of content) total += partCharacters(part);
  return total;
}

function partCharacters(part: unknown): number {
  if (typeof part === 'string') return part.length;
  if (!isRecord(part)) return 0;
  if (typeof part.text === 'string') return part.text.length;
  if ('content' in part) return contentCharacters(part.content);
  if (part.type === 'tool_use') return JSON.stringify(part.input ?? {}).length;
  return 0;
}

/** Characters of the arguments of OpenAI `tool_calls` on an assistant message. */
export function toolCallCharacters(toolCalls: unknown): number {
  if (!Array.isArray(toolCalls)) return 0;
  let total = 0;
  for (const call of toolCalls) {
    if (isRecord(call) && isRecord(call.function) && typeof call.function.arguments === 'string') {
      total += call.function.arguments.length;
    }
  }
  return total;
}

/** The plain text of a `content` value: the string itself, or its text parts joined. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  const texts: string[] = [];
  for (const part of content) {
    if (typeof part === 'string') texts.push(part);
    else if (isRecord(part) && typeof part.text === 'string') texts.push(part.text);
  }
  return texts.join(' ');
}

export function stringList(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (!Array.isArray(value)) return [];
  return value.filter((entry): entry is string => typeof entry === 'string');
}

export function optionalNonNegativeInteger(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
