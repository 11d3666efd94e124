/**
 * Weighted rendezvous (highest random weight) hashing for sticky sessions.
 *
 * Each (session, candidate) pair gets an independent pseudo-random u in (0, 1) from a hash of
 * `sessionKey + '\0' + candidateId`, and the score -weight / ln(u). The candidate with the
 * highest score wins, which happens with probability weight / total weight. A pair's score
 * depends on nothing else, so removing a candidate moves only the sessions it was winning.
 *
 * The hash is FNV-1a over UTF-16 code units, finished with murmur3's fmix32 so that ids
 * differing only in their last character still get unrelated values. FNV-1a is incremental:
 * the session prefix is hashed once per pick and each candidate id continues from it, which
 * gives the same value as hashing the concatenated string without building it.
 */

const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const SEPARATOR_CODE = 0;
const TWO_POW_32 = 4_294_967_296;

/** Continues an FNV-1a 32-bit hash state over the code units of `text`. */
export function fnv1aContinue(state: number, text: string): number {
  let hash = state;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, FNV_PRIME);
  }
  return hash >>> 0;
}

/** murmur3's 32-bit finalizer: spreads every input bit over every output bit. */
export function finalizeHash(state: number): number {
  let hash = state;
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/** The hash state after `sessionKey + '\0'`; pass it to `rendezvousScore` for each candidate. */
export function sessionHashPrefix(sessionKey: string): number {
  const afterKey = fnv1aContinue(FNV_OFFSET_BASIS, sessionKey);
  return Math.imul(afterKey ^ SEPARATOR_CODE, FNV_PRIME) >>> 0;
}

/** The 32-bit hash of `sessionKey + '\0' + candidateId`, given the session prefix state. */
export function pairHash(prefixState: number, candidateId: string): number {
  return finalizeHash(fnv1aContinue(prefixState, candidateId));
}

/** Maps a 32-bit hash to the open interval (0, 1): never 0 (ln would be -∞) nor 1 (ln would be 0). */
export function hashToUnitInterval(hash: number): number {
  return (hash + 0.5) / TWO_POW_32;
}

/** The rendezvous score of one candidate for a session: higher wins; proportional to weight. */
export function rendezvousScore(prefixState: number, candidateId: string, weight: number): number {
  return -weight / Math.log(hashToUnitInterval(pairHash(prefixState, candidateId)));
}
