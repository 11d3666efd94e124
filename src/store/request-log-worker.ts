import { parentPort, workerData } from 'node:worker_threads';
import { SqlStore } from './sql-store.js';
import { openSqliteDriver } from './sqlite-driver.js';
import type { RequestLogRecord } from './store.js';

/**
 * The thread that writes a SQLite store's request log (see off-thread-request-log.ts): its own
 * connection to the same file, so index maintenance for every logged request never runs on the
 * thread that serves requests. WAL mode lets the main connection keep reading meanwhile.
 */
export type RequestLogJob = { id: number; operation: 'insert'; rows: RequestLogRecord[] } | { id: number; operation: 'delete'; before: number } | { id: number; operation: 'close' };

export type RequestLogJobResult = { id: number; ok: true; value: number } | { id: number; ok: false; message: string; name: string };

const { path } = workerData as { path: string };
const store = new SqlStore(openSqliteDriver(path), `sqlite:${path}`);

async function perform(job: RequestLogJob): Promise<number> {
  switch (job.operation) {
    case 'insert':
      await store.insertRequestLogs(job.rows);
      return job.rows.length;
    case 'delete':
      return store.deleteRequestLogsBefore(job.before);
    case 'close':
      await store.close();
      return 0;
  }
}

parentPort?.on('message', (job: RequestLogJob) => {
  perform(job).then(
    (value) => parentPort?.postMessage({ id: job.id, ok: true, value } satisfies RequestLogJobResult),
    (error: unknown) => parentPort?.postMessage({ id: job.id, ok: false, message: (error as Error).message, name: (error as Error).name } satisfies RequestLogJobResult),
  );
});
