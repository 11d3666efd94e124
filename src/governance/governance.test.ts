import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { compileConfig } from '../config/compile.js';
import { validateConfig } from '../config/load-config.js';
import { openStore } from '../store/open-store.js';
import { createLogger } from '../telemetry/logger.js';
import { Governance } from './governance.js';

describe('Governance key directory', () => {
  it('warns once about a key that names a missing team, not at every rebuild', async () => {
    const lines: string[] = [];
    const logger = createLogger({}, new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(chunk.toString()), done()) }));
    const config = compileConfig(validateConfig({ virtual_keys: [{ id: 'orphan', name: 'orphan', key: 'sk-sy-orphan-key-0000000000001', team_id: 'nowhere' }] }, 'test'), { source: 'test' });
    const store = await openStore('sqlite::memory:');
    await store.migrate();
    const governance = await Governance.open(config, store, { logger });
    await governance.refresh();
    await governance.refresh();
    const warnings = lines.filter((line) => line.includes("names team 'nowhere'"));
    expect(warnings).toHaveLength(1);
    expect(governance.authRequired).toBe(true);
    await governance.close();
    await store.close();
  });
});
