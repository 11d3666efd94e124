import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { RequestLogJob, RequestLogJobResult } from './request-log-worker.js';
import type { RequestLogRecord, Store } from './store.js';

type Pending = { resolve: (value: number) => void; reject: (error: Error) => void };

/**
 * Starts the worker next to this file: the compiled `.js`, or, when running from source (tests),
 * the `.ts` through tsx's loader registered inside the worker.
 */
function startWorker(path: string): Worker {
  const extension = extname(fileURLToPath(import.meta.url));
  const entry = new URL(`./request-log-worker${extension}`, import.meta.url);
  if (extension !== '.ts') return new Worker(entry, { workerData: { path } });
  const bootstrap = `import('tsx/esm/api').then((api) => { api.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(bootstrap, { eval: true, workerData: { path } });
}

/**
 * A SQLite store whose request-log writes and retention deletes run on a worker thread with its
 * own connection (every logged row updates nine indexes: about 10 µs of CPU that would otherwise
 * be taken from request handling). Everything else goes to the store itself, on this thread.
 */
export class OffThreadRequestLog {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  constructor(private readonly path: string) {}

  private started(): Worker {
    if (this.worker !== undefined) return this.worker;
    const worker = startWorker(this.path);
    worker.on('message', (result: RequestLogJobResult) => this.settle(result));
    worker.on('error', (error) => this.failAll(error));
    worker.on('exit', () => {
      this.worker = undefined;
      this.failAll(new Error('the request-log writer thread stopped'));
    });
    worker.unref();
    this.worker = worker;
    return worker;
  }

  private settle(result: RequestLogJobResult): void {
    const waiting = this.pending.get(result.id);
    if (waiting === undefined) return;
    this.pending.delete(result.id);
    if (result.ok) waiting.resolve(result.value);
    else waiting.reject(Object.assign(new Error(result.message), { name: result.name }));
    if (this.pending.size === 0) this.worker?.unref();
  }

  private failAll(error: Error): void {
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }

  private run(job: RequestLogJob): Promise<number> {
    const worker = this.started();
    worker.ref();
    return new Promise((resolve, reject) => {
      this.pending.set(job.id, { resolve, reject });
      worker.postMessage(job);
    });
  }

  async insert(rows: readonly RequestLogRecord[]): Promise<void> {
    if (rows.length === 0) return;
    await this.run({ id: ++this.nextId, operation: 'insert', rows: rows as RequestLogRecord[] });
  }

  delete(before: number): Promise<number> {
    return this.run({ id: ++this.nextId, operation: 'delete', before });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    if (worker === undefined) return;
    await this.run({ id: ++this.nextId, operation: 'close' });
    await worker.terminate();
  }
}

/** Wraps a SQLite file store so its request-log writes run off the request thread. */
export function withOffThreadRequestLog(store: Store, path: string): Store {
  const log = new OffThreadRequestLog(path);
  return new Proxy(store, {
    get(target, property, receiver) {
      switch (property) {
        case 'insertRequestLogs':
          return (rows: readonly RequestLogRecord[]) => log.insert(rows);
        case 'deleteRequestLogsBefore':
          return (before: number) => log.delete(before);
        case 'close':
          return async () => {
            await log.close();
            await target.close();
          };
        default: {
          const value = Reflect.get(target, property, receiver) as unknown;
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        }
      }
    },
  });
}
