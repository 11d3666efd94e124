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

describe('switchyard migrate', () => {
  it('applies the migrations once, then reports the store up to date', async () => {
    const store = `sqlite:${join(directory, 'migrate.db')}`;
    const first = await run(['migrate', '--store', store]);
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/migrating sqlite store at sqlite:.*migrate\.db/);
    expect(first.out).toContain('applied 0001_initial');
    expect(first.out).toContain('applied 0002_request_log');
    const second = await run(['migrate', '--store', store]);
    expect(second.code).toBe(0);
    expect(second.out).toContain('up to date at schema version 2');
  });

  it('takes the store from the config file', async () => {
    const path = file('with-store.yaml', `store: sqlite:${join(directory, 'from-config.db')}\n`);
    const result = await run(['migrate', '--config', path]);
    expect(result.code).toBe(0);
    expect(result.out).toContain('from-config.db');
  });

  it('says what is wrong when the store cannot be opened', async () => {
    const unknown = await run(['migrate', '--store', 'mysql://localhost/db']);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('cannot open the store');
    const unreachable = await run(['migrate', '--store', 'postgres://postgres@127.0.0.1:1/test']);
    expect(unreachable.code).toBe(1);
    expect(unreachable.err).toContain('127.0.0.1:1');
  });
});
