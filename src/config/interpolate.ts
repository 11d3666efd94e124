import type { ConfigProblem } from './config-problem.js';
import { formatPath } from './config-problem.js';

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
const PLACEHOLDER = /__switchyard_env_(\d+)__/g;
const ESCAPED = '__switchyard_dollar_brace__';

export interface ProtectedText {
  text: string;
  references: readonly { name: string; fallback: string | undefined }[];
}

/**
 * Step one of `${VAR}` / `${VAR:-default}` interpolation, run on the raw file text: each
 * reference becomes a plain placeholder token, so `{ secret: ${KEY} }` parses as YAML flow
 * syntax and a secret's own characters can never change the document's structure.
 * `$${` is a literal `${`.
 */
export function protectReferences(text: string): ProtectedText {
  const references: { name: string; fallback: string | undefined }[] = [];
  const replaced = text.split('$${').join(ESCAPED).replace(REFERENCE, (_match, name: string, fallback: string | undefined) => {
    references.push({ name, fallback });
    return `__switchyard_env_${references.length - 1}__`;
  });
  return { text: replaced, references };
}

/**
 * Step two, on the parsed tree: placeholders are replaced by environment values. An unset
 * variable without a default is a problem reported with its path, not an empty string.
 */
export function resolveReferences(value: unknown, references: ProtectedText['references'], environment: NodeJS.ProcessEnv, problems: ConfigProblem[], path: PropertyKey[] = []): unknown {
  if (typeof value === 'string') return resolveString(value, references, environment, problems, path);
  if (Array.isArray(value)) return value.map((item, index) => resolveReferences(item, references, environment, problems, [...path, index]));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = resolveReferences(item, references, environment, problems, [...path, key]);
    return out;
  }
  return value;
}

function resolveString(text: string, references: ProtectedText['references'], environment: NodeJS.ProcessEnv, problems: ConfigProblem[], path: PropertyKey[]): string {
  if (!text.includes('__switchyard_')) return text;
  return text
    .replace(PLACEHOLDER, (_match, index: string) => {
      const reference = references[Number(index)];
      if (reference === undefined) return '';
      const found = environment[reference.name];
      if (found !== undefined && found !== '') return found;
      if (reference.fallback !== undefined) return reference.fallback;
      problems.push({ path: formatPath(path), message: `environment variable ${reference.name} is not set (use \${${reference.name}:-default} for a default)` });
      return '';
    })
    .split(ESCAPED)
    .join('${');
}
