import { describe, expect, it } from 'vitest';
import { compileConfig } from '../config/compile.js';
import { validateConfig } from '../config/load-config.js';
import type { ConfigInput } from '../config/schema.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { Attempt, AttemptResult } from './attempt-loop.js';
import { buildChain, NO_OVERRIDES, runAttempts } from './attempt-loop.js';
import { RequestContext } from './request-context.js';
import { RequestSignals } from './request-signals.js';
import type { UpstreamFailure } from './upstream-failure.js';
import { httpFailure, networkFailure } from './upstream-failure.js';
import { NetworkFailure } from '../upstream/transport.js';
import { resolveModel } from '../routing/resolve-model.js';

/** What the scripted upstream answers, per `provider/key`, in order (the last answer repeats). */
type Script = Record<string, (number | 'ok' | 'reset' | 'context')[]>;

function failureFor(answer: number | 'reset' | 'context'): UpstreamFailure {
  if (answer === 'reset') return networkFailure(new NetworkFailure('connection', 'connection failed (ECONNRESET)'));
  if (answer === 'context') return httpFailure(400, { message: "This model's maximum context length is 8192 tokens", type: 'invalid_request_error' }, {});
  const headers = answer === 429 ? { 'retry-after': '30' } : {};
  return httpFailure(answer, { message: `status ${answer}`, type: undefined }, headers);
}

const CONFIG: ConfigInput = {
  routing: { strategy: 'round-robin', queue: { max_wait_ms: 0 } },
  providers: [
    { id: 'a', type: 'openai', base_url: 'http://127.0.0.1:1/v1', keys: [{ id: 'k1', secret: 's' }, { id: 'k2', secret: 's' }], retry: { max_attempts: 3, backoff_initial_ms: 1, backoff_max_ms: 2 } },
    { id: 'b', type: 'openai', base_url: 'http://127.0.0.1:1/v1', keys: [{ id: 'k1', secret: 's' }], retry: { max_attempts: 2, backoff_initial_ms: 1, backoff_max_ms: 2 } },
    { id: 'c', type: 'anthropic', base_url: 'http://127.0.0.1:1/v1', keys: [{ id: 'k1', secret: 's' }] },
  ],
  models: [
    { name: 'group', targets: [{ provider: 'a', model: 'm' }, { provider: 'b', model: 'm' }], fallbacks: ['c/m'] },
    { name: 'long-context', targets: [{ provider: 'b', model: 'm' }], fallbacks: ['a/m', { model: 'c/m', on: ['context_window'] }] },
  ],
};

async function run(model: string, script: Script): Promise<{ tried: string[]; result: string }> {
  const runtime = compileConfig(validateConfig(CONFIG, 'test'), { source: 'test' });
  const context = new RequestContext('id', 'openai');
  const positions = new Map<string, number>();
  const tried: string[] = [];
  const operation = async (attempt: Attempt): Promise<AttemptResult<string>> => {
    const id = `${attempt.target.provider.id}/${attempt.key.id}`;
    tried.push(id);
    const answers = script[id] ?? ['ok'];
    const position = positions.get(id) ?? 0;
    positions.set(id, position + 1);
    const answer = answers[Math.min(position, answers.length - 1)] ?? 'ok';
    return answer === 'ok' ? { ok: true, value: id } : { ok: false, failure: failureFor(answer) };
  };
  try {
    const value = await runAttempts(context, runtime, buildChain(runtime, resolveModel(runtime, model), undefined), new RequestSignals(), operation, NO_OVERRIDES);
    return { tried, result: `ok via ${value}` };
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error;
    return { tried, result: `${error.status} ${error.code}` };
  }
}

describe('the attempt loop', () => {
  it.each<[string, string, Script, string[], string]>([
    ['success at once', 'a/m', {}, ['a/k1'], 'ok via a/k1'],
    ['429 moves to the next key at once', 'a/m', { 'a/k1': [429] }, ['a/k1', 'a/k2'], 'ok via a/k2'],
    ['401 moves to the next key at once', 'a/m', { 'a/k1': [401] }, ['a/k1', 'a/k2'], 'ok via a/k2'],
    ['every key limited, nothing else: 503 (queue wait 0)', 'a/m', { 'a/k1': [429], 'a/k2': [429] }, ['a/k1', 'a/k2'], '503 no_healthy_target'],
    ['5xx backs off and may reuse the key, up to retry.max_attempts', 'b/m', { 'b/k1': [503, 503, 'ok'] }, ['b/k1', 'b/k1'], '502 upstream_error'],
    ['5xx then success within max_attempts', 'b/m', { 'b/k1': [503, 'ok'] }, ['b/k1', 'b/k1'], 'ok via b/k1'],
    ['a reset is transient too', 'b/m', { 'b/k1': ['reset', 'ok'] }, ['b/k1', 'b/k1'], 'ok via b/k1'],
    ['a client error is passed through, not retried', 'group', { 'a/k1': [422] }, ['a/k1'], '422 invalid_request'],
    ['a target exhausted moves to the next target of the group, then the fallback', 'group', { 'a/k1': [503], 'a/k2': [503], 'b/k1': [500] }, ['a/k1', 'a/k2', 'a/k2', 'b/k1', 'b/k1', 'c/k1'], 'ok via c/k1'],
    ['keys set aside after transient failures are reused once every key has failed', 'a/m', { 'a/k1': [503, 'ok'], 'a/k2': [503, 'ok'] }, ['a/k1', 'a/k2', 'a/k2'], 'ok via a/k2'],
    ['a key that failed transiently is not asked again while another is untried', 'a/m', { 'a/k1': [503] }, ['a/k1', 'a/k2'], 'ok via a/k2'],
    ['a context-window refusal skips plain fallbacks and takes the one meant for it', 'long-context', { 'b/k1': ['context'] }, ['b/k1', 'c/k1'], 'ok via c/k1'],
    ['a context-window refusal with no fallback for it is the client’s 400', 'a/m', { 'a/k1': ['context'] }, ['a/k1'], '400 invalid_request'],
  ])('%s', async (_name, model, script, expectedTried, expectedResult) => {
    const { tried, result } = await run(model, script);
    expect(result).toBe(expectedResult);
    expect(tried).toEqual(expectedTried);
  });

  it('routing.max_total_attempts bounds the whole request', async () => {
    const runtime = compileConfig(validateConfig({ ...CONFIG, routing: { max_total_attempts: 4, queue: { max_wait_ms: 0 } } }, 'test'), { source: 'test' });
    const context = new RequestContext('id', 'openai');
    const operation = async (attempt: Attempt): Promise<AttemptResult<string>> => {
      return { ok: false, failure: failureFor(attempt.key.id === 'k1' ? 503 : 500) };
    };
    await expect(runAttempts(context, runtime, buildChain(runtime, resolveModel(runtime, 'group'), undefined), new RequestSignals(), operation)).rejects.toMatchObject({ code: 'upstream_error' });
    expect(context.attemptsStarted).toBe(4);
  });
});
