import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSimulatorCli } from './index.js';

let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'simulator-cli-'));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function waitForLine(lines: string[]): Promise<string> {
  for (let attempt = 0; attempt < 200 && lines.length === 0; attempt++) await new Promise((resolve) => setTimeout(resolve, 10));
  return lines[0] ?? '';
}

describe('runSimulatorCli', () => {
  it('starts from a YAML config, prints where it listens, serves, and stops with exit code 0', async () => {
    const configPath = join(directory, 'simulator.yaml');
    await writeFile(configPath, 'defaults:\n  output_tokens: 3\nkeys:\n  broken:\n    faults:\n      - { type: status, status: 500 }\n');
    const lines: string[] = [];
    const stop = new AbortController();
    const exitCode = runSimulatorCli(['--config', configPath, '--port', '0', '--host', '127.0.0.1'], (line) => lines.push(line), stop.signal);

    const line = await waitForLine(lines);
    expect(line).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+/);
    expect(line).toContain('OpenAI');
    expect(line).toContain('Anthropic');
    const url = /(http:\/\/127\.0\.0\.1:\d+)/.exec(line)?.[1] ?? '';
    const body = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }] });
    const ok = (await (await fetch(`${url}/v1/chat/completions`, { method: 'POST', body })).json()) as { usage: { completion_tokens: number } };
    expect(ok.usage.completion_tokens).toBe(3);
    const broken = await fetch(`${url}/v1/chat/completions`, { method: 'POST', body, headers: { authorization: 'Bearer broken' } });
    expect(broken.status).toBe(500);

    stop.abort();
    expect(await exitCode).toBe(0);
    await expect(fetch(`${url}/v1/models`)).rejects.toThrow();
  });

  it('accepts a JSON config', async () => {
    const configPath = join(directory, 'simulator.json');
    await writeFile(configPath, JSON.stringify({ port: 0, defaults: { latency_ms: 0 } }));
    const lines: string[] = [];
    const stop = new AbortController();
    const exitCode = runSimulatorCli(['--config', configPath], (line) => lines.push(line), stop.signal);
    expect(await waitForLine(lines)).toContain('listening');
    stop.abort();
    expect(await exitCode).toBe(0);
  });

  it('refuses bad arguments and invalid configs with exit code 2', async () => {
    const lines: string[] = [];
    const log = (line: string): void => {
      lines.push(line);
    };
    expect(await runSimulatorCli(['--port', 'abc'], log)).toBe(2);
    expect(await runSimulatorCli(['--verbose'], log)).toBe(2);
    expect(await runSimulatorCli(['--config'], log)).toBe(2);
    expect(await runSimulatorCli(['--config', join(directory, 'missing.yaml')], log)).toBe(2);
    const invalid = join(directory, 'invalid.yaml');
    await writeFile(invalid, 'defaults:\n  latency: 5\n');
    expect(await runSimulatorCli(['--config', invalid], log)).toBe(2);
    expect(lines.join('\n')).toContain('--port must be an integer');
    expect(lines[lines.length - 1]).toContain('latency');
  });
});
