import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';

/** Something that can cut an exchange short: the request's signals hold the current one. */
export interface Abortable {
  abort(reason: Error): void;
}

/** Where an exchange registers itself while it runs, so the request can abort it. */
export interface AbortRegistry {
  readonly aborted: boolean;
  attach(exchange: Abortable | undefined): void;
  headersReceived(): void;
}

export interface BufferedResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * A whole upstream response read into memory through undici's dispatch API: no Readable body
 * stream and no abort-signal listeners per call. Aborting goes straight to undici's controller.
 */
export class BufferedExchange implements Dispatcher.DispatchHandler, Abortable {
  private controller: Dispatcher.DispatchController | undefined = undefined;
  private status = 0;
  private headers: IncomingHttpHeaders = {};
  private readonly chunks: Buffer[] = [];
  private resolve!: (response: BufferedResponse) => void;
  private reject!: (error: Error) => void;
  readonly done: Promise<BufferedResponse>;

  constructor(private readonly registry: AbortRegistry) {
    this.done = new Promise<BufferedResponse>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  abort(reason: Error): void {
    this.controller?.abort(reason);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    this.registry.attach(this);
    if (this.registry.aborted) controller.abort(new Error('request aborted'));
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    this.registry.headersReceived();
    this.status = statusCode;
    this.headers = headers;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    this.registry.attach(undefined);
    const body = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
    this.resolve({ status: this.status, headers: this.headers, body });
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.registry.attach(undefined);
    this.reject(error);
  }
}
