import { STREAM_ONLY_FAULTS, type Behaviour, type Fault, type RateLimit } from './schema.js';

/** A configured fault with its remaining use count (`Infinity` when no `count` was given). */
export interface FaultSlot {
  readonly fault: Fault;
  remaining: number;
}

/** A behaviour with every default filled in, ready for the request path. */
export interface EffectiveBehaviour {
  readonly latencyMs: number;
  readonly ttftMs: number;
  readonly tokensPerSecond: number;
  readonly outputTokens: number;
  readonly chunkTokens: number;
  readonly faults: readonly FaultSlot[];
  readonly rateLimit: RateLimit | undefined;
}

/** A behaviour as installed for a key or as the defaults, with its own fault counters. */
export interface InstalledBehaviour {
  readonly behaviour: Behaviour;
  readonly faults: FaultSlot[] | undefined;
}

export const DEFAULT_OUTPUT_TOKENS = 16;

export function installBehaviour(behaviour: Behaviour): InstalledBehaviour {
  const faults = behaviour.faults?.map((fault) => ({ fault, remaining: fault.count ?? Infinity }));
  return { behaviour, faults };
}

/**
 * A key's behaviour overrides the defaults field by field. When the key sets no `faults`,
 * it shares the defaults' fault slots, so a default fault with `count` is used up across keys.
 */
export function effectiveBehaviour(own: InstalledBehaviour | undefined, defaults: InstalledBehaviour): EffectiveBehaviour {
  const ownBehaviour = own?.behaviour;
  const base = defaults.behaviour;
  return {
    latencyMs: ownBehaviour?.latency_ms ?? base.latency_ms ?? 0,
    ttftMs: ownBehaviour?.ttft_ms ?? base.ttft_ms ?? 0,
    tokensPerSecond: ownBehaviour?.tokens_per_second ?? base.tokens_per_second ?? 0,
    outputTokens: ownBehaviour?.output_tokens ?? base.output_tokens ?? DEFAULT_OUTPUT_TOKENS,
    chunkTokens: ownBehaviour?.chunk_tokens ?? base.chunk_tokens ?? 1,
    faults: own?.faults ?? defaults.faults ?? [],
    rateLimit: ownBehaviour?.rate_limit ?? base.rate_limit,
  };
}

/**
 * The first fault that applies to this request, consuming one use of it. A fault applies when
 * it has uses left, fits the request (stream-only faults need a stream) and wins its dice roll.
 */
export function takeFault(slots: readonly FaultSlot[], isStream: boolean, random: () => number = Math.random): Fault | undefined {
  for (const slot of slots) {
    if (slot.remaining <= 0) continue;
    if (!isStream && STREAM_ONLY_FAULTS.has(slot.fault.type)) continue;
    const probability = slot.fault.probability ?? 1;
    if (probability < 1 && random() >= probability) continue;
    slot.remaining -= 1;
    return slot.fault;
  }
  return undefined;
}
