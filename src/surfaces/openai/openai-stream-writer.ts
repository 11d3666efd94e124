import type { ChatChunk } from '../../providers/chat-types.js';
import type { ChatStreamWriter } from '../../pipeline/stream-chat.js';

/** OpenAI chat-completions SSE framing: `data: <chunk>` events, `data: [DONE]` at a clean end. */
export class OpenAIStreamWriter implements ChatStreamWriter {
  readonly contentType = 'text/event-stream; charset=utf-8';

  /** Whether the client asked for the usage chunk (`stream_options.include_usage`). */
  constructor(private readonly includeUsage: boolean) {}

  chunk(chunk: ChatChunk, raw: string | undefined): string {
    if (chunk.choices.length === 0 && !this.includeUsage) return '';
    return `data: ${raw ?? JSON.stringify(chunk)}\n\n`;
  }

  /** OpenAI has no error event type: a final `data:` chunk carrying `error`, and no `[DONE]`. */
  error(message: string, type: string): string {
    return `data: ${JSON.stringify({ error: { message, type, code: 'upstream_error', param: null } })}\n\n`;
  }

  done(): string {
    return 'data: [DONE]\n\n';
  }
}
