import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type SimulatorHandle } from './index.js';

let simulator: SimulatorHandle;

beforeAll(async () => {
  simulator = await startSimulator({ defaults: { output_tokens: 4 }, keys: { preset: { output_tokens: 2 } } });
});

afterAll(async () => {
  await simulator.close();
});

beforeEach(() => simulator.reset());

async function control(method: string, path: string, body?: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${simulator.url}/_simulator/${path}`, { method, ...(body === undefined ? {} : { body }) });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

async function chat(key: string, stream = false): Promise<{ status: number; text: string }> {
  const response = await fetch(`${simulator.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: 'm', stream, messages: [{ role: 'user', content: 'hi' }] }),
  });
  return { status: response.status, text: await response.text() };
}

function completionText(text: string): string {
  return (JSON.parse(text) as { choices: { message: { content: string } }[] }).choices[0]?.message.content ?? '';
}

describe('control endpoints', () => {
  it('reports stats per key: requests, streams and statuses', async () => {
    await chat('a');
    await chat('a', true);
    await chat('b');
    const { status, json } = await control('GET', 'stats');
    expect(status).toBe(200);
    expect(json).toMatchObject({
      total: { requests: 3, streams: 1, by_status: { '200': 3 } },
      keys: { a: { requests: 2, streams: 1, by_status: { '200': 2 } }, b: { requests: 1, streams: 0 } },
    });
  });

  it('sets a key behaviour with PUT /_simulator/keys/:key, merged over the defaults', async () => {
    const put = await control('PUT', 'keys/team%2Fone', JSON.stringify({ faults: [{ type: 'status', status: 503, count: 1 }] }));
    expect(put).toMatchObject({ status: 200, json: { ok: true, key: 'team/one' } });

    expect((await chat('team/one')).status).toBe(503);
    const after = await chat('team/one');
    expect(completionText(after.text).split(' ')).toHaveLength(4);
  });

  it('rejects an invalid behaviour with 400 and says what is wrong', async () => {
    const unknownField = await control('PUT', 'keys/x', JSON.stringify({ latency: 5 }));
    expect(unknownField.status).toBe(400);
    expect(JSON.stringify(unknownField.json)).toContain('latency');

    const badFault = await control('PUT', 'keys/x', JSON.stringify({ faults: [{ type: 'explode' }] }));
    expect(badFault.status).toBe(400);

    const notJson = await control('PUT', 'defaults', '{oops');
    expect(notJson).toMatchObject({ status: 400, json: { error: { message: 'The body is not valid JSON.' } } });
  });

  it('sets defaults with PUT /_simulator/defaults, which keys without their own value follow', async () => {
    expect((await control('PUT', 'defaults', JSON.stringify({ output_tokens: 6 }))).status).toBe(200);
    expect(completionText((await chat('anyone')).text).split(' ')).toHaveLength(6);
    expect(completionText((await chat('preset')).text).split(' ')).toHaveLength(2);
  });

  it('resets to the start options with POST /_simulator/reset', async () => {
    await control('PUT', 'keys/preset', JSON.stringify({ output_tokens: 9 }));
    await chat('preset');
    expect((await control('POST', 'reset')).status).toBe(200);
    expect((await control('GET', 'stats')).json).toMatchObject({ total: { requests: 0 }, keys: {} });
    expect(completionText((await chat('preset')).text).split(' ')).toHaveLength(2);
  });

  it('removes a key behaviour with DELETE and shows the configuration', async () => {
    await control('PUT', 'keys/temp', JSON.stringify({ latency_ms: 1 }));
    expect((await control('GET', 'config')).json).toMatchObject({ defaults: { output_tokens: 4 }, keys: { preset: { output_tokens: 2 }, temp: { latency_ms: 1 } } });
    expect((await control('DELETE', 'keys/temp')).json).toEqual({ ok: true, key: 'temp', removed: true });
    expect((await control('GET', 'config')).json).not.toHaveProperty('keys.temp');
  });

  it('answers unknown control paths with 404', async () => {
    expect((await control('GET', 'nothing')).status).toBe(404);
    expect((await control('GET', 'keys/a')).status).toBe(404);
  });
});

describe('the handle', () => {
  it('validates behaviours set through it', () => {
    expect(() => simulator.setBehaviour('k', { faults: [{ type: 'status', status: 200 }] })).toThrow();
    expect(() => simulator.setDefaultBehaviour({ chunk_tokens: 0 })).toThrow();
  });

  it('rejects invalid start options', async () => {
    await expect(startSimulator({ port: -1 })).rejects.toThrow();
    await expect(startSimulator({ defaults: { unknown: true } as never })).rejects.toThrow();
  });

  it('closes while a request hangs, and closing twice is harmless', async () => {
    const other = await startSimulator({ defaults: { faults: [{ type: 'hang' }] } });
    const pending = fetch(`${other.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }] }) }).catch(
      (error: unknown) => error,
    );
    await new Promise((resolve) => setTimeout(resolve, 30));
    await other.close();
    await other.close();
    expect(await pending).toBeInstanceOf(Error);
  });

  it('exposes the same stats as the endpoint', async () => {
    await chat('h');
    expect(simulator.stats().keys.h?.requests).toBe(1);
  });
});
