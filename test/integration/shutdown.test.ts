import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatorHandle } from '../../src/simulator/index.js';
import { startSimulator } from '../../src/simulator/index.js';
import { openStore } from '../../src/store/open-store.js';
import { startGateway } from '../../src/main.js';
import { createLogger } from '../../src/telemetry/logger.js';

let simulator: SimulatorHandle;
let directory: string;

beforeAll(async () => {
  // 20 tokens at 40 tokens/s: each stream takes about half a second.
  simulator = await startSimulator({ keys: { 'sk-slow': { tokens_per_second: 40, output_tokens: 20 }, 'sk-very-slow': { tokens_per_second: 2, output_tokens: 100 } } });
  directory = mkdtempSync(join(tmpdir(), 'switchyard-shutdown-'));
});

afterAll(async () => {
  await simulator.close();
});

function writeConfig(name: string, drainMs: number): string {
  const path = join(directory, name);
  writeFileSync(
    path,
    JSON.stringify({
      server: { port: 0, drain_timeout_ms: drainMs },
      store: `sqlite:${join(directory, `${name}.db`)}`,
      providers: [
        { id: 'slow', type: 'openai', base_url: `${simulator.url}/v1`, keys: [{ id: 's', secret: 'sk-slow' }] },
        { id: 'very-slow', type: 'openai', base_url: `${simulator.url}/v1`, keys: [{ id: 'v', secret: 'sk-very-slow' }] },
      ],
    }),
  );
  return path;
}

const silentLogger = () => createLogger({}, new Writable({ write: (_chunk, _encoding, done) => done() }));

async function openStream(url: string, model: string): Promise<Response> {
  const response = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: 'hi' }] }) });
  expect(response.status).toBe(200);
  return response;
}

describe('graceful shutdown', () => {
  it('finishes in-flight streams and refuses new connections', async () => {
    const running = await startGateway({ configPath: writeConfig('drain.json', 10_000), logger: silentLogger() });
    const streams = await Promise.all([1, 2, 3].map(() => openStream(running.url, 'slow/m')));
    const bodies = streams.map((response) => response.text());
    const shutdown = running.shutdown();
    expect(running.gateway.draining).toBe(true);
    await expect(fetch(`${running.url}/healthz`)).rejects.toThrow();
    const texts = await Promise.all(bodies);
    for (const text of texts) {
      expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
      expect(text).toContain('Simulated');
    }
    await shutdown;
  });

  it('ends streams still open at the drain deadline with an error event, not a clean end', async () => {
    const running = await startGateway({ configPath: writeConfig('deadline.json', 300), logger: silentLogger() });
    const response = await openStream(running.url, 'very-slow/m');
    const body = response.text();
    const started = Date.now();
    await running.shutdown();
    const text = await body;
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(text).not.toContain('[DONE]');
    expect(text).toMatch(/"error":\{"message":"upstream stream failed: the gateway is shutting down"/);
  });

  it('the CLI process exits 0 on SIGTERM after finishing its stream', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/cli-entry.ts', 'start', '--config', writeConfig('cli.json', 10_000)], {
      env: { ...process.env, SWITCHYARD_LOG_FORMAT: 'json' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`gateway did not start:\n${output}`)), 15_000);
      child.stdout.on('data', () => {
        const match = /Switchyard listening on (http:\/\/[\d.:]+)/.exec(output);
        if (match?.[1]) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
    });
    const response = await openStream(url, 'slow/m');
    const body = response.text();
    child.kill('SIGTERM');
    const [code] = await Promise.all([new Promise<number | null>((resolve) => child.on('exit', resolve)), body]);
    expect(await body).toContain('data: [DONE]');
    expect(code).toBe(0);
    expect(output).toContain('shutdown complete');
    expect(output).toMatch(/store: sqlite:.*cli\.json\.db \(schema version 2, applied 0001_initial, 0002_request_log\)/);
    expect(output).toContain('auth: OPEN');
    // The stream's usage was written to the store before the process exited.
    const store = await openStore(`sqlite:${join(directory, 'cli.json.db')}`);
    try {
      const rows = await store.usageTotals('provider', 0, Date.now() + 60_000);
      expect(rows).toEqual([expect.objectContaining({ key: 'slow', requests: 1 })]);
    } finally {
      await store.close();
    }
  });
});
