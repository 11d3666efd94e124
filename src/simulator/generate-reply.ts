/**
 * Deterministic answers, independent of the wire format. Each format parses its request into a
 * GenerationRequest and renders the Reply in its own shapes.
 */
import { exampleForSchema } from './example-for-schema.js';

export interface SimulatedTool {
  name: string;
  /** The tool's JSON schema for its arguments (OpenAI `parameters`, Anthropic `input_schema`). */
  schema: unknown;
}

/** `auto` also stands for OpenAI `required` and Anthropic `any`: the simulator always calls a tool when it may. */
export type ToolChoiceMode = { mode: 'auto' } | { mode: 'none' } | { mode: 'named'; name: string };

export type LastTurn = { kind: 'user' } | { kind: 'tool_result'; content: string } | { kind: 'other' };

export interface GenerationRequest {
  model: string;
  maxTokens: number | undefined;
  stopSequences: readonly string[];
  tools: readonly SimulatedTool[];
  toolChoice: ToolChoiceMode;
  lastTurn: LastTurn;
  /** Set in JSON mode; `schema` is the requested JSON schema, if any. */
  json: { schema: unknown } | undefined;
  inputTokens: number;
}

export type FinishReason = 'end' | 'length' | 'stop_sequence' | 'tool_call';

export interface SimulatedToolCall {
  name: string;
  /** The arguments as a JSON string. */
  arguments: string;
  input: unknown;
}

export interface Reply {
  /** The output tokens in order, as they are streamed: text pieces or pieces of the tool arguments. */
  pieces: string[];
  /** The whole text answer (empty for a tool call). */
  text: string;
  finish: FinishReason;
  stopSequence: string | null;
  toolCall: SimulatedToolCall | undefined;
  inputTokens: number;
  outputTokens: number;
}

const FILLER_WORDS = [
  'the', 'simulator', 'streams', 'these', 'words', 'so', 'that', 'clients', 'can', 'count',
  'every', 'token', 'it', 'sends', 'back', 'again',
];
const JSON_PIECE_CHARACTERS = 4;

export function generateReply(request: GenerationRequest, outputTokens: number): Reply {
  const tool = chooseTool(request);
  if (tool !== undefined) return toolCallReply(request, tool);
  if (request.lastTurn.kind === 'tool_result') {
    return finishText(request, wordPieces(`Simulated reply from ${request.model}: the tool returned ${request.lastTurn.content}`), wordPieces);
  }
  if (request.json !== undefined) return finishText(request, jsonPieces(jsonAnswer(request)), jsonPieces);
  return finishText(request, simulatedWords(request.model, outputTokens), wordPieces);
}

/** A token per 4 characters, rounded up: the simulator's whole tokenizer. */
export function estimateTokens(characters: number): number {
  return Math.ceil(characters / 4);
}

function chooseTool(request: GenerationRequest): SimulatedTool | undefined {
  if (request.tools.length === 0 || request.toolChoice.mode === 'none' || request.lastTurn.kind !== 'user') return undefined;
  const choice = request.toolChoice;
  const named = choice.mode === 'named' ? request.tools.find((tool) => tool.name === choice.name) : undefined;
  return named ?? request.tools[0];
}

function toolCallReply(request: GenerationRequest, tool: SimulatedTool): Reply {
  const input = exampleForSchema(tool.schema);
  const argumentsJson = JSON.stringify(input);
  const pieces = jsonPieces(argumentsJson);
  return {
    pieces,
    text: '',
    finish: 'tool_call',
    stopSequence: null,
    toolCall: { name: tool.name, arguments: argumentsJson, input },
    inputTokens: request.inputTokens,
    outputTokens: pieces.length,
  };
}

function jsonAnswer(request: GenerationRequest): string {
  const schema = request.json?.schema;
  if (schema !== undefined) return JSON.stringify(exampleForSchema(schema));
  return JSON.stringify({ reply: `Simulated reply from ${request.model}`, ok: true });
}

/** The default answer: "Simulated reply from <model>: …" in exactly `count` words. */
function simulatedWords(model: string, count: number): string[] {
  const lead = ['Simulated', ' reply', ' from', ` ${model}:`];
  const pieces: string[] = [];
  for (let index = 0; index < count; index++) {
    pieces.push(index < lead.length ? (lead[index] ?? '') : ` ${FILLER_WORDS[(index - lead.length) % FILLER_WORDS.length] ?? ''}`);
  }
  return pieces;
}

/** Cut at the first stop sequence, then at `maxTokens`, the way a model stops. */
function finishText(request: GenerationRequest, fullPieces: string[], tokenise: (text: string) => string[]): Reply {
  let pieces = fullPieces;
  let finish: FinishReason = 'end';
  let stopSequence: string | null = null;
  const stop = findFirstStop(pieces.join(''), request.stopSequences);
  if (stop !== undefined) {
    pieces = tokenise(stop.text);
    finish = 'stop_sequence';
    stopSequence = stop.sequence;
  }
  if (request.maxTokens !== undefined && pieces.length > request.maxTokens) {
    pieces = pieces.slice(0, request.maxTokens);
    finish = 'length';
    stopSequence = null;
  }
  const text = pieces.join('');
  return { pieces, text, finish, stopSequence, toolCall: undefined, inputTokens: request.inputTokens, outputTokens: pieces.length };
}

function findFirstStop(text: string, sequences: readonly string[]): { text: string; sequence: string } | undefined {
  let best: { index: number; sequence: string } | undefined;
  for (const sequence of sequences) {
    if (sequence.length === 0) continue;
    const index = text.indexOf(sequence);
    if (index >= 0 && (best === undefined || index < best.index)) best = { index, sequence };
  }
  return best === undefined ? undefined : { text: text.slice(0, best.index), sequence: best.sequence };
}

/** Words with their leading whitespace, keeping trailing whitespace as a piece of its own. */
export function wordPieces(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? [];
}

function jsonPieces(text: string): string[] {
  const pieces: string[] = [];
  for (let start = 0; start < text.length; start += JSON_PIECE_CHARACTERS) {
    pieces.push(text.slice(start, start + JSON_PIECE_CHARACTERS));
  }
  return pieces;
}
