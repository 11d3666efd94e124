/**
 * `GET /v1/models` in both formats. The simulator answers for any model name; this list only
 * tells clients a few names to try.
 */
import { anthropicFormat } from './anthropic-format.js';
import { openAiFormat } from './openai-format.js';
import type { DataEndpoint, PreparedAnswer } from './wire-format.js';

export const SIMULATED_MODELS = [
  'gpt-4o-mini',
  'gpt-4o',
  'text-embedding-3-small',
  'claude-3-5-haiku-latest',
  'claude-sonnet-4-5',
] as const;

const CREATED_SECONDS = 1_700_000_000;

function jsonAnswer(value: unknown): PreparedAnswer {
  return { kind: 'json', inputTokens: 0, outputTokens: 0, body: JSON.stringify(value) };
}

export const openAiModelsEndpoint: DataEndpoint = {
  format: openAiFormat,
  appliesBehaviour: false,
  prepare: () =>
    jsonAnswer({
      object: 'list',
      data: SIMULATED_MODELS.map((id) => ({ id, object: 'model', created: CREATED_SECONDS, owned_by: 'switchyard-simulator' })),
    }),
};

export const anthropicModelsEndpoint: DataEndpoint = {
  format: anthropicFormat,
  appliesBehaviour: false,
  prepare: () =>
    jsonAnswer({
      data: SIMULATED_MODELS.map((id) => ({
        type: 'model',
        id,
        display_name: `${id} (simulated)`,
        created_at: new Date(CREATED_SECONDS * 1000).toISOString(),
      })),
      has_more: false,
      first_id: SIMULATED_MODELS[0],
      last_id: SIMULATED_MODELS[SIMULATED_MODELS.length - 1],
    }),
};
