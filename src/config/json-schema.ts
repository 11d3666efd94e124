import { z } from 'zod';
import { configSchema } from './schema.js';

/** A `${VAR}` reference, allowed wherever the schema takes a number or boolean. */
const ENVIRONMENT_REFERENCE = { type: 'string', pattern: '\\$\\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\\}' } as const;

/**
 * The config's JSON Schema, for editor completion and validation (`# yaml-language-server:
 * $schema=…`). Derived from the zod schema, so it cannot drift from what the gateway accepts.
 */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, {
    io: 'input',
    unrepresentable: 'any',
    override: (context) => {
      const definition = context.zodSchema._zod.def;
      if (definition.type !== 'pipe') return;
      const input = (definition as unknown as { in: z.core.$ZodType }).in._zod.def;
      if (input.type !== 'transform') return;
      const output = z.toJSONSchema((definition as unknown as { out: z.core.$ZodType }).out, { io: 'input' });
      delete output.$schema;
      for (const key of Object.keys(context.jsonSchema)) delete (context.jsonSchema as Record<string, unknown>)[key];
      Object.assign(context.jsonSchema, { anyOf: [output, ENVIRONMENT_REFERENCE] });
    },
  });
  return { ...schema, title: 'Switchyard gateway configuration' };
}
