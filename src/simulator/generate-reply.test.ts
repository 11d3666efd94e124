import { describe, expect, it } from 'vitest';
import { takeFault, installBehaviour } from './behaviour.js';
import { generateReply, wordPieces, type GenerationRequest } from './generate-reply.js';
import { exampleForSchema } from './example-for-schema.js';

const base: GenerationRequest = {
  model: 'm',
  maxTokens: undefined,
  stopSequences: [],
  tools: [],
  toolChoice: { mode: 'auto' },
  lastTurn: { kind: 'user' },
  json: undefined,
  inputTokens: 7,
};

describe('generateReply', () => {
  it('writes exactly output_tokens words, the same every time', () => {
    const reply = generateReply(base, 6);
    expect(reply.text).toBe('Simulated reply from m: the simulator');
    expect(reply).toMatchObject({ finish: 'end', outputTokens: 6, inputTokens: 7 });
    expect(generateReply(base, 6).text).toBe(reply.text);
    expect(generateReply(base, 0)).toMatchObject({ text: '', outputTokens: 0 });
  });

  it('cuts at the earliest stop sequence, before max tokens apply', () => {
    const reply = generateReply({ ...base, stopSequences: ['simulator', 'from'] }, 10);
    expect(reply).toMatchObject({ text: 'Simulated reply ', finish: 'stop_sequence', stopSequence: 'from' });
    const lengthFirst = generateReply({ ...base, stopSequences: ['simulator'], maxTokens: 2 }, 10);
    expect(lengthFirst).toMatchObject({ text: 'Simulated reply', finish: 'length', stopSequence: null });
  });

  it('calls a tool only when the last turn is the user and tool choice allows it', () => {
    const tools = [{ name: 'lookup', schema: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] } }];
    expect(generateReply({ ...base, tools }, 5).toolCall).toEqual({ name: 'lookup', arguments: '{"q":"example"}', input: { q: 'example' } });
    expect(generateReply({ ...base, tools, toolChoice: { mode: 'none' } }, 5).toolCall).toBeUndefined();
    expect(generateReply({ ...base, tools, lastTurn: { kind: 'other' } }, 5).toolCall).toBeUndefined();
    const quoted = generateReply({ ...base, tools, lastTurn: { kind: 'tool_result', content: '42 apples' } }, 5);
    expect(quoted.text).toContain('42 apples');
  });

  it('splits text into words keeping whitespace with the word after it', () => {
    expect(wordPieces('a  b c ')).toEqual(['a', '  b', ' c', ' ']);
  });
});

describe('exampleForSchema', () => {
  it('fills required properties, recursively, and leaves optional ones out', () => {
    const schema = {
      type: 'object',
      properties: {
        name: { type: 'string' },
        age: { type: ['integer', 'null'] },
        nested: { type: 'object', properties: { flag: { type: 'boolean' } }, required: ['flag'] },
        choice: { anyOf: [{ type: 'number' }, { type: 'string' }] },
        optional: { type: 'string' },
      },
      required: ['name', 'age', 'nested', 'choice'],
    };
    expect(exampleForSchema(schema)).toEqual({ name: 'example', age: 1, nested: { flag: true }, choice: 1 });
    expect(exampleForSchema(undefined)).toEqual({});
  });
});

describe('takeFault', () => {
  it('skips stream-only faults for non-stream requests and counts uses down', () => {
    const { faults = [] } = installBehaviour({ faults: [{ type: 'stall', after_chunks: 1, ms: 1 }, { type: 'status', status: 500, count: 1 }] });
    expect(takeFault(faults, false)?.type).toBe('status');
    expect(takeFault(faults, false)).toBeUndefined();
    expect(takeFault(faults, true)?.type).toBe('stall');
  });

  it('rolls the dice for probabilities below 1', () => {
    const { faults = [] } = installBehaviour({ faults: [{ type: 'hang', probability: 0.3 }] });
    expect(takeFault(faults, false, () => 0.29)?.type).toBe('hang');
    expect(takeFault(faults, false, () => 0.3)).toBeUndefined();
  });
});
