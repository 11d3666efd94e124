import { describe, expect, it } from 'vitest';
import { createBalancer, type Balancer, type Candidate, type HealthView, type PickInput } from './balancers.js';
import type { Strategy } from '../config/schema.js';
import { finalizeHash, fnv1aContinue, hashToUnitInterval, pairHash, sessionHashPrefix } from './rendezvous.js';

class FakeHealth implements HealthView {
  inFlight = 0;
  latencyMs: number | undefined = undefined;
  up = true;

  available(_now: number): boolean {
    return this.up;
  }
}

interface TestCandidate extends Candidate {
  readonly health: FakeHealth;
}

interface CandidateSpec {
  weight?: number;
  priority?: number;
  costPerMtok?: number;
  latencyMs?: number;
  inFlight?: number;
  up?: boolean;
}

function candidate(id: string, spec: CandidateSpec = {}): TestCandidate {
  const health = new FakeHealth();
  health.inFlight = spec.inFlight ?? 0;
  health.latencyMs = spec.latencyMs;
  health.up = spec.up ?? true;
  return { id, weight: spec.weight ?? 1, priority: spec.priority ?? 0, costPerMtok: spec.costPerMtok, health };
}

/** mulberry32: a tiny seeded PRNG, so statistical tests are deterministic. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function input(candidates: readonly TestCandidate[], overrides: Partial<PickInput<TestCandidate>> = {}): PickInput<TestCandidate> {
  return { candidates, tried: undefined, now: 0, random: 0.5, sessionKey: undefined, ...overrides };
}

function pickIds(balancer: Balancer<TestCandidate>, candidates: readonly TestCandidate[], count: number, overrides: Partial<PickInput<TestCandidate>> = {}): string[] {
  const ids: string[] = [];
  for (let index = 0; index < count; index++) ids.push(balancer.pick(input(candidates, overrides))?.id ?? '-');
  return ids;
}

function countPicks(balancer: Balancer<TestCandidate>, candidates: readonly TestCandidate[], count: number, seed: number): Map<string, number> {
  const random = seededRandom(seed);
  const counts = new Map<string, number>();
  for (let index = 0; index < count; index++) {
    const picked = balancer.pick(input(candidates, { random: random() }));
    const id = picked?.id ?? '-';
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

const ALL_STRATEGIES: readonly Strategy[] = ['adaptive', 'weighted', 'round-robin', 'least-busy', 'lowest-latency', 'cost', 'priority', 'sticky'];

describe('every strategy', () => {
  it.each(ALL_STRATEGIES)('%s never picks a tried or unavailable candidate and returns undefined when none is left', (strategy) => {
    const a = candidate('a', { weight: 5, latencyMs: 10, costPerMtok: 1 });
    const b = candidate('b', { weight: 1, latencyMs: 10, costPerMtok: 1, up: false });
    const c = candidate('c', { weight: 1, latencyMs: 10, costPerMtok: 1 });
    const candidates = [a, b, c];
    const balancer = createBalancer<TestCandidate>(strategy);
    const random = seededRandom(7);
    for (let index = 0; index < 200; index++) {
      const picked = balancer.pick(input(candidates, { tried: new Set([a]), random: random(), sessionKey: `s${index}` }));
      expect(picked).toBe(c);
    }
    expect(balancer.pick(input(candidates, { tried: new Set([a, c]) }))).toBeUndefined();
    expect(balancer.pick(input(candidates, { tried: new Set(candidates) }))).toBeUndefined();
    expect(balancer.pick(input([]))).toBeUndefined();
  });

  it('rejects a negative latency tolerance', () => {
    expect(() => createBalancer('lowest-latency', { latencyTolerance: -0.1 })).toThrow(RangeError);
  });
});

describe('weighted', () => {
  it('splits 3:1 weights within 75% ± 1.5% over 20,000 seeded picks', () => {
    const candidates = [candidate('a', { weight: 3 }), candidate('b', { weight: 1 })];
    const counts = countPicks(createBalancer('weighted'), candidates, 20_000, 42);
    const share = (counts.get('a') ?? 0) / 20_000;
    expect(share).toBeGreaterThan(0.735);
    expect(share).toBeLessThan(0.765);
  });

  it('honours fractional weights exactly on a uniform sweep, on the fast and the slow path', () => {
    const candidates = [candidate('a', { weight: 0.5 }), candidate('b', { weight: 1.25 }), candidate('c', { weight: 0.25 }), candidate('d', { up: false })];
    const balancer = createBalancer<TestCandidate>('weighted');
    const fast = candidates.slice(0, 3);
    const steps = 20_000;
    const fastCounts = new Map<string, number>();
    const slowCounts = new Map<string, number>();
    for (let index = 0; index < steps; index++) {
      const random = (index + 0.5) / steps;
      const fastId = balancer.pick(input(fast, { random }))!.id;
      const slowId = balancer.pick(input(candidates, { random }))!.id;
      fastCounts.set(fastId, (fastCounts.get(fastId) ?? 0) + 1);
      slowCounts.set(slowId, (slowCounts.get(slowId) ?? 0) + 1);
    }
    const expected = new Map([['a', 5_000], ['b', 12_500], ['c', 2_500]]);
    expect(fastCounts).toEqual(expected);
    expect(slowCounts).toEqual(expected);
  });

  it('draws among the rest by weight once a candidate is tried', () => {
    const a = candidate('a', { weight: 1 });
    const b = candidate('b', { weight: 3 });
    const c = candidate('c', { weight: 1 });
    const balancer = createBalancer<TestCandidate>('weighted');
    const tried = new Set([b]);
    expect(balancer.pick(input([a, b, c], { tried, random: 0.49 }))).toBe(a);
    expect(balancer.pick(input([a, b, c], { tried, random: 0.51 }))).toBe(c);
    expect(balancer.pick(input([a, b, c], { tried, random: 0.999999999 }))).toBe(c);
  });

  it('prints a micro-benchmark of the allocation-free fast path (informational, not asserted)', () => {
    const candidates = Array.from({ length: 8 }, (_, index) => candidate(`k${index}`, { weight: index + 1 }));
    const balancer = createBalancer<TestCandidate>('weighted');
    const pickInput = { candidates, tried: undefined, now: 0, random: 0, sessionKey: undefined };
    const iterations = 1_000_000;
    let checksum = 0;
    const started = process.hrtime.bigint();
    for (let index = 0; index < iterations; index++) {
      pickInput.random = (index % 1000) / 1000;
      checksum += balancer.pick(pickInput)!.weight;
    }
    const nanosPerPick = Number(process.hrtime.bigint() - started) / iterations;
    console.log(`weighted fast path: ${nanosPerPick.toFixed(1)} ns/pick over ${iterations} picks of 8 (checksum ${checksum})`);
    expect(checksum).toBeGreaterThan(0);
  });
});

describe('adaptive', () => {
  it('behaves like weighted for now', () => {
    const candidates = [candidate('a', { weight: 3 }), candidate('b', { weight: 1 })];
    expect(countPicks(createBalancer('adaptive'), candidates, 5_000, 9)).toEqual(countPicks(createBalancer('weighted'), candidates, 5_000, 9));
  });
});

describe('round-robin', () => {
  it('interleaves weights 3:1 as a a b a', () => {
    const candidates = [candidate('a', { weight: 3 }), candidate('b', { weight: 1 })];
    expect(pickIds(createBalancer('round-robin'), candidates, 8).join(' ')).toBe('a a b a a a b a');
  });

  it('follows nginx smooth sequence for weights 5:1:1', () => {
    const candidates = [candidate('a', { weight: 5 }), candidate('b', { weight: 1 }), candidate('c', { weight: 1 })];
    expect(pickIds(createBalancer('round-robin'), candidates, 14).join(' ')).toBe('a a b a c a a a a b a c a a');
  });

  it('skips an unavailable candidate and resumes it when it returns', () => {
    const candidates = [candidate('a'), candidate('b'), candidate('c')];
    const balancer = createBalancer<TestCandidate>('round-robin');
    candidates[1]!.health.up = false;
    expect(pickIds(balancer, candidates, 4).join(' ')).toBe('a c a c');
    candidates[1]!.health.up = true;
    expect(new Set(pickIds(balancer, candidates, 3))).toEqual(new Set(['a', 'b', 'c']));
  });

  it('keeps state per balancer instance', () => {
    const candidates = [candidate('a', { weight: 3 }), candidate('b', { weight: 1 })];
    const first = createBalancer<TestCandidate>('round-robin');
    pickIds(first, candidates, 2);
    expect(pickIds(createBalancer('round-robin'), candidates, 4).join(' ')).toBe('a a b a');
  });
});

describe('least-busy', () => {
  it('picks the candidate with the fewest in flight', () => {
    const candidates = [candidate('a', { inFlight: 4 }), candidate('b', { inFlight: 1 }), candidate('c', { inFlight: 2 })];
    expect(pickIds(createBalancer('least-busy'), candidates, 3)).toEqual(['b', 'b', 'b']);
  });

  it('breaks an in-flight tie by higher weight, then by the random draw', () => {
    const balancer = createBalancer<TestCandidate>('least-busy');
    const weighted = [candidate('a', { inFlight: 1, weight: 1 }), candidate('b', { inFlight: 1, weight: 2 }), candidate('c', { inFlight: 3, weight: 9 })];
    expect(balancer.pick(input(weighted, { random: 0 }))?.id).toBe('b');
    expect(balancer.pick(input(weighted, { random: 0.99 }))?.id).toBe('b');
    const even = [candidate('a', { inFlight: 1 }), candidate('b', { inFlight: 1 }), candidate('c', { inFlight: 1 })];
    expect(balancer.pick(input(even, { random: 0.1 }))?.id).toBe('a');
    expect(balancer.pick(input(even, { random: 0.5 }))?.id).toBe('b');
    expect(balancer.pick(input(even, { random: 0.9 }))?.id).toBe('c');
  });
});

describe('lowest-latency', () => {
  it('explores candidates with no latency data first', () => {
    const candidates = [candidate('fast', { latencyMs: 5 }), candidate('new')];
    expect(pickIds(createBalancer('lowest-latency'), candidates, 5)).toEqual(['new', 'new', 'new', 'new', 'new']);
  });

  it('shares by weight within the 25% band and never picks a 3x slower candidate', () => {
    const candidates = [candidate('fast', { latencyMs: 100, weight: 1 }), candidate('near', { latencyMs: 120, weight: 1 }), candidate('slow', { latencyMs: 300, weight: 10 })];
    const counts = countPicks(createBalancer('lowest-latency'), candidates, 10_000, 3);
    expect(counts.get('slow')).toBeUndefined();
    expect((counts.get('fast') ?? 0) / 10_000).toBeCloseTo(0.5, 1);
    expect((counts.get('near') ?? 0) / 10_000).toBeCloseTo(0.5, 1);
  });

  it('leaves a candidate just outside the band alone, and widens with the tolerance option', () => {
    const candidates = [candidate('fast', { latencyMs: 100 }), candidate('outside', { latencyMs: 126 })];
    expect(countPicks(createBalancer('lowest-latency'), candidates, 1_000, 5).get('outside')).toBeUndefined();
    expect(countPicks(createBalancer('lowest-latency', { latencyTolerance: 0.5 }), candidates, 1_000, 5).get('outside')).toBeGreaterThan(400);
  });

  it('falls to the slower candidate when the fast ones are unavailable', () => {
    const candidates = [candidate('fast', { latencyMs: 100, up: false }), candidate('slow', { latencyMs: 300 })];
    expect(pickIds(createBalancer('lowest-latency'), candidates, 2)).toEqual(['slow', 'slow']);
  });
});

describe('cost', () => {
  it('picks the cheapest, with unknown prices last', () => {
    const candidates = [candidate('unknown'), candidate('dear', { costPerMtok: 15 }), candidate('cheap', { costPerMtok: 0.6 })];
    const balancer = createBalancer<TestCandidate>('cost');
    expect(pickIds(balancer, candidates, 3)).toEqual(['cheap', 'cheap', 'cheap']);
    expect(balancer.pick(input(candidates, { tried: new Set([candidates[2]!, candidates[1]!]) }))?.id).toBe('unknown');
  });

  it('falls to the next cheapest when the cheapest is unavailable', () => {
    const candidates = [candidate('unknown'), candidate('dear', { costPerMtok: 15 }), candidate('cheap', { costPerMtok: 0.6, up: false })];
    expect(pickIds(createBalancer('cost'), candidates, 2)).toEqual(['dear', 'dear']);
  });

  it('draws by weight among equally priced candidates', () => {
    const candidates = [candidate('a', { costPerMtok: 1, weight: 3 }), candidate('b', { costPerMtok: 1, weight: 1 }), candidate('c', { costPerMtok: 2, weight: 100 })];
    const balancer = createBalancer<TestCandidate>('cost');
    expect(balancer.pick(input(candidates, { random: 0.74 }))?.id).toBe('a');
    expect(balancer.pick(input(candidates, { random: 0.76 }))?.id).toBe('b');
  });
});

describe('priority', () => {
  const tiers = (): TestCandidate[] => [candidate('primary-1', { priority: 0 }), candidate('backup', { priority: 1, weight: 100 }), candidate('primary-2', { priority: 0, weight: 3 })];

  it('uses only tier 0 while any of it is available, by weight', () => {
    const counts = countPicks(createBalancer('priority'), tiers(), 4_000, 11);
    expect(counts.get('backup')).toBeUndefined();
    expect((counts.get('primary-2') ?? 0) / 4_000).toBeCloseTo(0.75, 1);
  });

  it('moves to tier 1 when tier 0 is all unavailable or tried', () => {
    const candidates = tiers();
    const balancer = createBalancer<TestCandidate>('priority');
    candidates[0]!.health.up = false;
    expect(balancer.pick(input(candidates))?.id).toBe('primary-2');
    expect(balancer.pick(input(candidates, { tried: new Set([candidates[2]!]) }))?.id).toBe('backup');
    candidates[2]!.health.up = false;
    expect(balancer.pick(input(candidates))?.id).toBe('backup');
  });
});

describe('sticky', () => {
  const fourEqual = (): TestCandidate[] => ['k1', 'k2', 'k3', 'k4'].map((id) => candidate(id));

  function assignSessions(balancer: Balancer<TestCandidate>, candidates: readonly TestCandidate[], sessions: number): string[] {
    const picks: string[] = [];
    for (let index = 0; index < sessions; index++) picks.push(balancer.pick(input(candidates, { sessionKey: `session-${index}` }))!.id);
    return picks;
  }

  it('keeps a session on the same candidate across 1,000 calls, whatever the random draw', () => {
    const candidates = fourEqual();
    const balancer = createBalancer<TestCandidate>('sticky');
    const random = seededRandom(1);
    const first = balancer.pick(input(candidates, { sessionKey: 'user-42' }));
    for (let index = 0; index < 1_000; index++) {
      expect(balancer.pick(input(candidates, { sessionKey: 'user-42', random: random() }))).toBe(first);
    }
  });

  it('spreads 10,000 sessions over 4 equal candidates within 25% ± 5%', () => {
    const picks = assignSessions(createBalancer('sticky'), fourEqual(), 10_000);
    for (const id of ['k1', 'k2', 'k3', 'k4']) {
      const share = picks.filter((picked) => picked === id).length / 10_000;
      expect(share).toBeGreaterThan(0.2);
      expect(share).toBeLessThan(0.3);
    }
  });

  it('moves only the sessions of a removed candidate', () => {
    const candidates = fourEqual();
    const balancer = createBalancer<TestCandidate>('sticky');
    const before = assignSessions(balancer, candidates, 10_000);
    const after = assignSessions(balancer, candidates.filter((kept) => kept.id !== 'k3'), 10_000);
    let moved = 0;
    for (let index = 0; index < before.length; index++) {
      if (before[index] === 'k3') moved++;
      else expect(after[index]).toBe(before[index]);
      expect(after[index]).not.toBe('k3');
    }
    expect(moved).toBeGreaterThan(2_000);
  });

  it('moves a session to its runner-up when its candidate is tried or unavailable, and back when it recovers', () => {
    const candidates = fourEqual();
    const balancer = createBalancer<TestCandidate>('sticky');
    const home = balancer.pick(input(candidates, { sessionKey: 'user-7' }))!;
    const runnerUp = balancer.pick(input(candidates, { sessionKey: 'user-7', tried: new Set([home]) }))!;
    expect(runnerUp).not.toBe(home);
    home.health.up = false;
    expect(balancer.pick(input(candidates, { sessionKey: 'user-7' }))).toBe(runnerUp);
    home.health.up = true;
    expect(balancer.pick(input(candidates, { sessionKey: 'user-7' }))).toBe(home);
  });

  it('gives 3:1 weights about 75% of sessions', () => {
    const candidates = [candidate('heavy', { weight: 3 }), candidate('light', { weight: 1 })];
    const picks = assignSessions(createBalancer('sticky'), candidates, 10_000);
    const share = picks.filter((picked) => picked === 'heavy').length / 10_000;
    expect(share).toBeGreaterThan(0.73);
    expect(share).toBeLessThan(0.77);
  });

  it('hashes the session prefix incrementally, equal to hashing sessionKey + NUL + id in one go', () => {
    for (const [sessionKey, id] of [['user-42', 'openai/gpt-4o'], ['', 'k1'], ['ünïcode', 'key-☃']] as const) {
      const whole = finalizeHash(fnv1aContinue(0x811c9dc5, `${sessionKey}\0${id}`));
      expect(pairHash(sessionHashPrefix(sessionKey), id)).toBe(whole);
    }
    expect(hashToUnitInterval(0)).toBeGreaterThan(0);
    expect(hashToUnitInterval(0xffffffff)).toBeLessThan(1);
  });

  it('behaves like weighted without a session key', () => {
    const candidates = [candidate('a', { weight: 3 }), candidate('b', { weight: 1 })];
    expect(countPicks(createBalancer('sticky'), candidates, 5_000, 13)).toEqual(countPicks(createBalancer('weighted'), candidates, 5_000, 13));
  });
});
