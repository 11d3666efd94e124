import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './cli.js';

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, (line) => out.push(line), (line) => err.push(line));
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const directory = mkdtempSync(join(tmpdir(), 'switchyard-cli-'));
function file(name: string, text: string): string {
  const path = join(directory, name);
  writeFileSync(path, text);
  return path;
}

describe('switchyard validate', () => {
  it('accepts a good file and says what it holds', async () => {
    const path = file('good.yaml', 'providers:\n  - { id: p, type: openai, keys: [{ id: k, secret: s }] }\nmodels:\n  - { name: chat, targets: [{ provider: p, model: gpt-4o-mini }] }\n');
    const result = await run(['validate', '--config', path]);
    expect(result.code).toBe(0);
    expect(result.out).toContain('OK — 1 provider(s), 1 model group(s)');
  });

  it('prints every problem with its path and exits 1', async () => {
    const path = file('bad.yaml', 'server: { port: -1 }\nproviders:\n  - { id: p, type: opnai, keys: [] }\n');
    const result = await run(['validate', '--config', path]);
    expect(result.code).toBe(1);
    expect(result.err).toContain('server.port: must be ≥ 0');
    expect(result.err).toContain("providers[0].type: unknown provider type 'opnai' (did you mean 'openai'?)");
  });

  it('says when the file is missing', async () => {
    const result = await run(['validate', '--config', join(directory, 'nope.yaml')]);
    expect(result.code).toBe(1);
    expect(result.err).toContain('file not found');
  });

  it('rejects unknown commands and flags with the usage text', async () => {
    expect((await run(['frobnicate'])).code).toBe(2);
    const result = await run(['validate', '--nonsense']);
    expect(result.code).toBe(2);
    expect(result.err).toContain('Usage: switchyard');
  });
});
