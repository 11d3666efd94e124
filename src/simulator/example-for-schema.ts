import { isRecord } from './message-text.js';

/**
 * A small value that satisfies a JSON schema's `required` properties: strings "example",
 * numbers 1, booleans true, arrays [], objects filled in the same way. Good enough for the
 * schemas clients send as tool parameters; exotic keywords are ignored.
 */
export function exampleForSchema(schema: unknown, depth = 0): unknown {
  if (!isRecord(schema) || depth > 8) return {};
  const enumValues = schema.enum;
  if (Array.isArray(enumValues) && enumValues.length > 0) return enumValues[0];
  if ('const' in schema) return schema.const;
  const variants = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(variants) && variants.length > 0) return exampleForSchema(variants[0], depth + 1);
  switch (schemaType(schema)) {
    case 'string':
      return 'example';
    case 'number':
    case 'integer':
      return 1;
    case 'boolean':
      return true;
    case 'array':
      return [];
    case 'null':
      return null;
    default:
      return exampleObject(schema, depth);
  }
}

function exampleObject(schema: Record<string, unknown>, depth: number): Record<string, unknown> {
  const properties = isRecord(schema.properties) ? schema.properties : {};
  const required = Array.isArray(schema.required) ? schema.required : [];
  const result: Record<string, unknown> = {};
  for (const name of required) {
    if (typeof name === 'string') result[name] = exampleForSchema(properties[name], depth + 1);
  }
  return result;
}

function schemaType(schema: Record<string, unknown>): string {
  const type = schema.type;
  if (typeof type === 'string') return type;
  if (Array.isArray(type)) {
    const first = type.find((entry): entry is string => typeof entry === 'string' && entry !== 'null');
    return first ?? 'null';
  }
  return 'object';
}
