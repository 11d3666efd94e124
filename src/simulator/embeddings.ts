/** `POST /v1/embeddings`: deterministic unit vectors derived from a hash of each input. */
import { estimateTokens } from './generate-reply.js';
import { isRecord } from './message-text.js';
import { openAiFormat } from './openai-format.js';
import { problem, type DataEndpoint, type PreparedAnswer, type RequestProblem } from './wire-format.js';

export const DEFAULT_EMBEDDING_DIMENSIONS = 8;
const MAX_EMBEDDING_DIMENSIONS = 8192;

export const embeddingsEndpoint: DataEndpoint = {
  format: openAiFormat,
  appliesBehaviour: true,
  prepare: prepareEmbeddings,
};

interface EmbeddingsRequest {
  model: string;
  /** Each input as a string (token arrays are joined with commas) and its token count. */
  inputs: { text: string; tokens: number }[];
  dimensions: number;
  base64: boolean;
}

function prepareEmbeddings(body: unknown): PreparedAnswer | RequestProblem {
  const request = parseEmbeddingsRequest(body);
  if ('kind' in request) return request;
  let tokens = 0;
  const data = request.inputs.map((input, index) => {
    tokens += input.tokens;
    const vector = embeddingVector(input.text, request.dimensions);
    return { object: 'embedding', index, embedding: request.base64 ? float32Base64(vector) : Array.from(vector) };
  });
  const body_ = JSON.stringify({ object: 'list', data, model: request.model, usage: { prompt_tokens: tokens, total_tokens: tokens } });
  return { kind: 'json', inputTokens: tokens, outputTokens: 0, body: body_ };
}

function parseEmbeddingsRequest(body: unknown): EmbeddingsRequest | RequestProblem {
  if (!isRecord(body)) return problem(400, 'Invalid request body: expected a JSON object.');
  if (typeof body.model !== 'string' || body.model === '') return problem(400, 'you must provide a model parameter');
  const inputs = parseInputs(body.input);
  if (inputs === undefined) {
    return problem(400, "'input' must be a non-empty string, array of strings, array of tokens or array of token arrays.", { param: 'input', code: 'invalid_type' });
  }
  const dimensions = body.dimensions ?? DEFAULT_EMBEDDING_DIMENSIONS;
  if (typeof dimensions !== 'number' || !Number.isInteger(dimensions) || dimensions < 1 || dimensions > MAX_EMBEDDING_DIMENSIONS) {
    return problem(400, `Invalid 'dimensions': expected an integer between 1 and ${MAX_EMBEDDING_DIMENSIONS}.`, { param: 'dimensions', code: 'invalid_value' });
  }
  const encoding = body.encoding_format ?? 'float';
  if (encoding !== 'float' && encoding !== 'base64') {
    return problem(400, "Invalid 'encoding_format': expected 'float' or 'base64'.", { param: 'encoding_format', code: 'invalid_value' });
  }
  return { model: body.model, inputs, dimensions, base64: encoding === 'base64' };
}

function parseInputs(input: unknown): { text: string; tokens: number }[] | undefined {
  if (typeof input === 'string') return input === '' ? undefined : [textInput(input)];
  if (!Array.isArray(input) || input.length === 0) return undefined;
  if (input.every((entry) => typeof entry === 'number')) return [{ text: input.join(','), tokens: input.length }];
  const inputs: { text: string; tokens: number }[] = [];
  for (const entry of input) {
    if (typeof entry === 'string' && entry !== '') inputs.push(textInput(entry));
    else if (Array.isArray(entry) && entry.length > 0 && entry.every((token) => typeof token === 'number')) inputs.push({ text: entry.join(','), tokens: entry.length });
    else return undefined;
  }
  return inputs;
}

function textInput(text: string): { text: string; tokens: number } {
  return { text, tokens: estimateTokens(text.length) };
}

/** A unit vector seeded by an FNV-1a hash of the text: the same text always gets the same vector. */
export function embeddingVector(text: string, dimensions: number): Float32Array {
  const random = mulberry32(fnv1a(text));
  const vector = new Float32Array(dimensions);
  let squares = 0;
  for (let index = 0; index < dimensions; index++) {
    const value = random() * 2 - 1;
    vector[index] = value;
    squares += value * value;
  }
  const norm = Math.sqrt(squares) || 1;
  for (let index = 0; index < dimensions; index++) vector[index] = (vector[index] ?? 0) / norm;
  return vector;
}

function float32Base64(vector: Float32Array): string {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64');
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

function mulberry32(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}
