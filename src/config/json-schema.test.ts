import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configJsonSchema } from './json-schema.js';

describe('published config JSON Schema', () => {
  it('matches the schema the gateway validates with (run `npm run schema` after changing it)', () => {
    const committed = JSON.parse(readFileSync(new URL('../../schema/config.schema.json', import.meta.url), 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(configJsonSchema())));
  });

  it('refuses unknown keys, like the gateway', () => {
    const schema = configJsonSchema() as { additionalProperties?: unknown; properties: Record<string, unknown> };
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['server', 'providers', 'models', 'routing', 'auth', 'virtual_keys', 'pricing']));
  });
});
