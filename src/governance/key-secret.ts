import { createHash, randomBytes } from 'node:crypto';

export const KEY_PREFIX = 'sk-sy-';
/** Characters of a key kept in the clear (`sk-sy-` and six more), to recognise it in lists. */
const VISIBLE_LENGTH = 12;

/** A new virtual key: `sk-sy-` and 240 random bits, URL-safe. */
export function generateKey(): string {
  return KEY_PREFIX + randomBytes(30).toString('base64url');
}

/**
 * Keys are stored and looked up by their SHA-256. They carry 240 random bits, so a fast hash
 * is enough (no salt or stretching needed) and it costs about a microsecond per request.
 */
export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function visiblePrefix(key: string): string {
  return key.slice(0, VISIBLE_LENGTH);
}

/** A short random id for entities created without one: `vk_3f9a…`. */
export function generateId(kind: 'vk' | 'team' | 'cust'): string {
  return `${kind}_${randomBytes(8).toString('hex')}`;
}
