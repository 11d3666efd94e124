import { request } from 'undici';
import { CHAT_COMPLETIONS_PATH, CHAT_REQUEST_BODY, REQUEST_HEADERS } from './fixtures.js';

/** One request before measuring, so a misconfigured target fails loudly instead of benchmarking errors. */
export async function verifyTarget(name: string, baseUrl: string): Promise<void> {
  const response = await request(`${baseUrl}${CHAT_COMPLETIONS_PATH}`, { method: 'POST', headers: REQUEST_HEADERS, body: CHAT_REQUEST_BODY });
  const text = await response.body.text();
  const parsed = response.statusCode === 200 ? (JSON.parse(text) as { object?: unknown }) : undefined;
  if (parsed?.object !== 'chat.completion') {
    throw new Error(`${name} did not answer with a chat completion (status ${response.statusCode}): ${text.slice(0, 300)}`);
  }
}
