import { StringDecoder } from 'node:string_decoder';
import type { SseEvent } from '../providers/spec.js';

/**
 * Incremental server-sent-events parser. Bytes go in as they arrive from the socket (split
 * anywhere, even inside a UTF-8 sequence); complete events come out. Handles LF, CRLF and CR
 * line endings, multi-line `data:`, `event:` names and `:` comments.
 */
export class SseParser {
  private readonly decoder = new StringDecoder('utf8');
  private buffer = '';
  private eventName: string | undefined = undefined;
  private data: string[] = [];

  push(bytes: Buffer | string, out: SseEvent[]): void {
    this.buffer += typeof bytes === 'string' ? bytes : this.decoder.write(bytes);
    let start = 0;
    for (;;) {
      const newline = this.findLineEnd(start);
      if (newline === -1) break;
      this.readLine(this.buffer.slice(start, newline), out);
      start = newline + (this.buffer[newline] === '\r' && this.buffer[newline + 1] === '\n' ? 2 : 1);
    }
    this.buffer = start === 0 ? this.buffer : this.buffer.slice(start);
  }

  /** Upstream ended: a final event not followed by a blank line still counts. */
  end(out: SseEvent[]): void {
    this.buffer += this.decoder.end();
    if (this.buffer !== '') this.readLine(this.buffer, out);
    this.buffer = '';
    this.dispatch(out);
  }

  private findLineEnd(from: number): number {
    const lf = this.buffer.indexOf('\n', from);
    const cr = this.buffer.indexOf('\r', from);
    if (cr === -1) return lf;
    // A CR at the very end may be the first half of CRLF: wait for more bytes.
    if (cr === this.buffer.length - 1) return lf === -1 ? -1 : Math.min(lf, cr);
    return lf === -1 ? cr : Math.min(lf, cr);
  }

  private readLine(line: string, out: SseEvent[]): void {
    if (line === '') {
      this.dispatch(out);
      return;
    }
    if (line.charCodeAt(0) === 58 /* : */) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32 /* space */) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.eventName = value;
  }

  private dispatch(out: SseEvent[]): void {
    if (this.data.length > 0) out.push({ event: this.eventName, data: this.data.length === 1 ? (this.data[0] as string) : this.data.join('\n') });
    this.data = [];
    this.eventName = undefined;
  }
}
