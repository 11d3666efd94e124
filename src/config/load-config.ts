import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import type { ConfigProblem } from './config-problem.js';
import { ConfigError, problemsFromZod } from './config-problem.js';
import type { ProtectedText } from './interpolate.js';
import { protectReferences, resolveReferences } from './interpolate.js';
import type { Config, ConfigInput } from './schema.js';
import { configSchema } from './schema.js';

/** Reads, interpolates and validates a YAML or JSON config file. Throws ConfigError listing every problem. */
export async function loadConfigFile(path: string, environment: NodeJS.ProcessEnv = process.env): Promise<Config> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message;
    throw new ConfigError([{ path: '', message: `cannot read ${path}: ${reason}` }], path);
  }
  return parseConfigText(text, path, environment);
}

export function parseConfigText(text: string, source: string, environment: NodeJS.ProcessEnv = process.env): Config {
  const protectedText = protectReferences(text);
  const raw = parseDocumentText(protectedText.text, source);
  return validateConfig(raw, source, environment, protectedText.references);
}

/** Validates a config tree; `references` are the `${…}` placeholders protectReferences left in it. */
export function validateConfig(raw: unknown, source: string, environment: NodeJS.ProcessEnv = process.env, references: ProtectedText['references'] = []): Config {
  const problems: ConfigProblem[] = [];
  const interpolated = resolveReferences(raw ?? {}, references, environment, problems);
  const result = configSchema.safeParse(interpolated);
  if (!result.success) problems.push(...problemsFromZod(result.error.issues, knownKeysAt));
  if (problems.length > 0 || !result.success) throw new ConfigError(problems, source);
  return result.data;
}

function parseDocumentText(text: string, source: string): unknown {
  if (extname(source).toLowerCase() === '.json') {
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new ConfigError([{ path: '', message: `invalid JSON: ${(error as Error).message}` }], source);
    }
  }
  const document = parseDocument(text, { prettyErrors: true });
  if (document.errors.length > 0) {
    throw new ConfigError(
      document.errors.map((error) => ({ path: '', message: `invalid YAML: ${error.message.split('\n')[0] ?? error.message}` })),
      source,
    );
  }
  return document.toJS() as unknown;
}

/** The key names the schema allows at a path: used to suggest a fix for a misspelt key. */
function knownKeysAt(path: readonly PropertyKey[]): string[] {
  let schema: z.core.$ZodType | undefined = configSchema;
  for (const segment of path) {
    schema = schema === undefined ? undefined : childSchema(unwrap(schema), segment);
  }
  const object = schema === undefined ? undefined : unwrap(schema);
  return object instanceof z.ZodObject ? Object.keys(object.shape) : [];
}

function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  let current = schema;
  for (;;) {
    if (current instanceof z.ZodOptional || current instanceof z.ZodDefault || current instanceof z.ZodNullable) current = current.unwrap();
    else if (current instanceof z.ZodPipe) current = current.out;
    else return current;
  }
}

function childSchema(schema: z.core.$ZodType, segment: PropertyKey): z.core.$ZodType | undefined {
  if (typeof segment === 'number' && schema instanceof z.ZodArray) return schema.element;
  if (typeof segment === 'string' && schema instanceof z.ZodObject) return (schema.shape as Record<string, z.core.$ZodType>)[segment];
  return undefined;
}

/** Provider types picked up from the environment in demo mode, with the variable that enables each. */
const ENVIRONMENT_PROVIDERS: readonly { type: string; variable: string }[] = [
  { type: 'openai', variable: 'OPENAI_API_KEY' },
  { type: 'anthropic', variable: 'ANTHROPIC_API_KEY' },
  { type: 'groq', variable: 'GROQ_API_KEY' },
  { type: 'mistral', variable: 'MISTRAL_API_KEY' },
  { type: 'deepseek', variable: 'DEEPSEEK_API_KEY' },
  { type: 'xai', variable: 'XAI_API_KEY' },
  { type: 'together', variable: 'TOGETHER_API_KEY' },
  { type: 'fireworks', variable: 'FIREWORKS_API_KEY' },
  { type: 'openrouter', variable: 'OPENROUTER_API_KEY' },
  { type: 'perplexity', variable: 'PERPLEXITY_API_KEY' },
  { type: 'cerebras', variable: 'CEREBRAS_API_KEY' },
];

/**
 * The config used when no file is given: the built-in simulator as provider `demo` (so any
 * `demo/<model>` answers offline), a public model `chat` on it, and every provider whose API key
 * is in the environment, reachable as `<type>/<model>`.
 */
export function demoConfig(environment: NodeJS.ProcessEnv = process.env): Config {
  const providers: NonNullable<ConfigInput['providers']> = [{ id: 'demo', type: 'simulator', models: ['sim-small', 'sim-large'] }];
  for (const { type, variable } of ENVIRONMENT_PROVIDERS) {
    const secret = environment[variable];
    if (secret) providers.push({ id: type, type, keys: [{ id: 'env', secret }] });
  }
  const input: ConfigInput = {
    server: {
      host: environment.SWITCHYARD_HOST ?? '127.0.0.1',
      port: environment.SWITCHYARD_PORT ?? environment.PORT ?? 8080,
    },
    providers,
    models: [{ name: 'chat', targets: [{ provider: 'demo', model: 'sim-small' }] }],
    ...(environment.SWITCHYARD_ADMIN_TOKEN ? { admin: { token: environment.SWITCHYARD_ADMIN_TOKEN } } : {}),
    ...(environment.SWITCHYARD_STORE ? { store: environment.SWITCHYARD_STORE } : {}),
  };
  return validateConfig(input, 'demo', environment);
}
