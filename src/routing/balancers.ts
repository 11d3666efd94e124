import type { AdaptivePolicy } from './adaptive-balancer.js';
import { AdaptiveBalancer } from './adaptive-balancer.js';
import type { Strategy } from '../config/schema.js';
import { WeightedSet } from './weighted-set.js';
import { rendezvousScore, sessionHashPrefix } from './rendezvous.js';

/**
 * Balancers pick ONE candidate for the next attempt of a request: a key within a provider's key
 * pool, or a target (provider + model) within a model group. A candidate is eligible when it is
 * not in `tried` and `health.available(now)`; every strategy picks only eligible candidates and
 * returns undefined when none is left.
 *
 * | strategy         | picks                                                                          |
 * |------------------|--------------------------------------------------------------------------------|
 * | `weighted`       | at random in proportion to weight. Fast path when all are eligible: binary     |
 * |                  | search over cumulative weights precomputed once per candidates array.          |
 * | `adaptive`       | for now the same as `weighted` (health-aware scoring replaces it later).       |
 * | `round-robin`    | smooth weighted round-robin (nginx): deterministic, 3:1 gives a a b a.         |
 * |                  | State is per balancer instance, per candidates array.                          |
 * | `least-busy`     | fewest `health.inFlight`; ties → higher weight → uniform draw among the rest.  |
 * | `lowest-latency` | unexplored (no latency yet) first; else a weighted draw among those within     |
 * |                  | (1 + latencyTolerance) × the fastest, so near-equals share the traffic.        |
 * | `cost`           | cheapest `costPerMtok`, unknown price last; ties → weighted draw.              |
 * | `priority`       | lowest `priority` tier with an eligible candidate; weighted draw in the tier.  |
 * | `sticky`         | weighted rendezvous hashing on `sessionKey`: a session keeps its candidate and |
 * |                  | only a removed candidate's sessions move. No session key → `weighted`.         |
 *
 * The hot path allocates nothing: no closures, spreads, `reduce` or temporary arrays. Weighted
 * draws inside a subset (a tier, a latency band, a price) take two passes over the candidates:
 * one summing the subset's weight, one walking to the drawn point.
 */

/** What a balancer reads of a candidate's live health. (RouteHealth satisfies this structurally.) */
export interface HealthView {
  readonly inFlight: number;
  /** Decayed average latency of successful attempts; undefined = no data yet. */
  readonly latencyMs: number | undefined;
  /** Whether an attempt may be sent to this candidate at `now`. */
  available(now: number): boolean;
}

export interface Candidate {
  /** Stable id: the key id, or `provider/model` for targets. Sticky sessions hash it. */
  readonly id: string;
  /** > 0; weight-0 candidates are never passed in. */
  readonly weight: number;
  /** Lower = preferred tier (0 when not configured). */
  readonly priority: number;
  /** Blended price in USD per million tokens; undefined = unknown. */
  readonly costPerMtok: number | undefined;
  readonly health: HealthView;
}

export interface PickInput<C extends Candidate> {
  /** Stable order, precomputed per group or pool; caches are keyed by this array's identity. */
  readonly candidates: readonly C[];
  /** Already attempted in this request: never picked again. */
  readonly tried: ReadonlySet<C> | undefined;
  readonly now: number;
  /** One uniform draw in [0, 1) for this pick. */
  readonly random: number;
  /** `x-switchyard-session`, for sticky. */
  readonly sessionKey: string | undefined;
}

export interface Balancer<C extends Candidate> {
  /** The candidate for the next attempt, or undefined when none is available and untried. */
  pick(input: PickInput<C>): C | undefined;
}

export interface BalancerOptions {
  /** Width of the lowest-latency band: 0.25 (default) = within 25% of the fastest. */
  latencyTolerance?: number;
  /** Scoring of the adaptive strategy. */
  adaptive?: AdaptivePolicy;
}

/** A balancer that rescores its routes periodically (adaptive); the gateway calls this every interval. */
export interface RescoringBalancer {
  recompute(now: number): void;
}

export function isRescoring(balancer: object): balancer is RescoringBalancer {
  return typeof (balancer as Partial<RescoringBalancer>).recompute === 'function';
}

const DEFAULT_LATENCY_TOLERANCE = 0.25;

/** One balancer per group or key pool (round-robin keeps state per instance). */
export function createBalancer<C extends Candidate>(strategy: Strategy, options?: BalancerOptions): Balancer<C> {
  switch (strategy) {
    case 'adaptive':
      return new AdaptiveBalancer<C>(options?.adaptive);
    case 'weighted':
      return new WeightedBalancer<C>();
    case 'round-robin':
      return new RoundRobinBalancer<C>();
    case 'least-busy':
      return new LeastBusyBalancer<C>();
    case 'lowest-latency':
      return new LowestLatencyBalancer<C>(latencyToleranceFrom(options));
    case 'cost':
      return new CostBalancer<C>();
    case 'priority':
      return new PriorityBalancer<C>();
    case 'sticky':
      return new StickyBalancer<C>();
  }
}

function latencyToleranceFrom(options: BalancerOptions | undefined): number {
  const tolerance = options?.latencyTolerance ?? DEFAULT_LATENCY_TOLERANCE;
  if (!Number.isFinite(tolerance) || tolerance < 0) {
    throw new RangeError(`latencyTolerance must be a finite number >= 0, got ${tolerance}`);
  }
  return tolerance;
}

function isEligible<C extends Candidate>(candidate: C, input: PickInput<C>): boolean {
  return (input.tried === undefined || !input.tried.has(candidate)) && candidate.health.available(input.now);
}

function isEveryCandidateEligible<C extends Candidate>(input: PickInput<C>): boolean {
  if (input.tried !== undefined && input.tried.size > 0) return false;
  const { candidates, now } = input;
  for (let index = 0; index < candidates.length; index++) {
    if (!candidates[index]!.health.available(now)) return false;
  }
  return true;
}

function weightOf(candidate: Candidate): number {
  return candidate.weight;
}

/** Weighted draw among all eligible candidates, in two passes and without allocating. */
function drawWeightedAmongEligible<C extends Candidate>(input: PickInput<C>): C | undefined {
  const { candidates } = input;
  let totalWeight = 0;
  for (let index = 0; index < candidates.length; index++) {
    const candidate = candidates[index]!;
    if (isEligible(candidate, input)) totalWeight += candidate.weight;
  }
  let remaining = input.random * totalWeight;
  let lastEligible: C | undefined;
  for (let index = 0; index < candidates.length; index++) {
    const candidate = candidates[index]!;
    if (!isEligible(candidate, input)) continue;
    lastEligible = candidate;
    remaining -= candidate.weight;
    if (remaining < 0) return candidate;
  }
  // Reached only through float rounding when `random` is close to 1.
  return lastEligible;
}

class WeightedBalancer<C extends Candidate> implements Balancer<C> {
  private readonly cumulativeByCandidates = new WeakMap<readonly C[], WeightedSet<C>>();

  pick(input: PickInput<C>): C | undefined {
    if (isEveryCandidateEligible(input)) return this.cumulativeFor(input.candidates).pick(input.random);
    return drawWeightedAmongEligible(input);
  }

  /** Built once per distinct candidates array, then an O(log n) allocation-free pick. */
  private cumulativeFor(candidates: readonly C[]): WeightedSet<C> {
    let cumulative = this.cumulativeByCandidates.get(candidates);
    if (cumulative === undefined) {
      cumulative = new WeightedSet<C>(candidates, weightOf);
      this.cumulativeByCandidates.set(candidates, cumulative);
    }
    return cumulative;
  }
}


/**
 * nginx's smooth weighted round-robin: each pick adds every eligible candidate's weight to its
 * current value, chooses the highest current (first on ties), and subtracts the eligible total
 * from the chosen one. Over a full cycle each candidate is chosen weight times, interleaved.
 */
class RoundRobinBalancer<C extends Candidate> implements Balancer<C> {
  private readonly currentByCandidates = new WeakMap<readonly C[], Float64Array>();

  pick(input: PickInput<C>): C | undefined {
    const { candidates } = input;
    const current = this.currentFor(candidates);
    let totalWeight = 0;
    let chosenIndex = -1;
    for (let index = 0; index < candidates.length; index++) {
      const candidate = candidates[index]!;
      if (!isEligible(candidate, input)) continue;
      current[index]! += candidate.weight;
      totalWeight += candidate.weight;
      if (chosenIndex < 0 || current[index]! > current[chosenIndex]!) chosenIndex = index;
    }
    if (chosenIndex < 0) return undefined;
    current[chosenIndex]! -= totalWeight;
    return candidates[chosenIndex];
  }

  private currentFor(candidates: readonly C[]): Float64Array {
    let current = this.currentByCandidates.get(candidates);
    if (current === undefined) {
      current = new Float64Array(candidates.length);
      this.currentByCandidates.set(candidates, current);
    }
    return current;
  }
}

/** Fewest in flight; ties go to the higher weight, then to a uniform draw among the rest. */
class LeastBusyBalancer<C extends Candidate> implements Balancer<C> {
  pick(input: PickInput<C>): C | undefined {
    const { candidates } = input;
    let fewestInFlight = Infinity;
    let highestWeight = 0;
    let tieCount = 0;
    for (let index = 0; index < candidates.length; index++) {
      const candidate = candidates[index]!;
      if (!isEligible(candidate, input)) continue;
      const { inFlight } = candidate.health;
      const { weight } = candidate;
      if (tieCount === 0 || inFlight < fewestInFlight || (inFlight === fewestInFlight && weight > highestWeight)) {
        fewestInFlight = inFlight;
        highestWeight = weight;
        tieCount = 1;
      } else if (inFlight === fewestInFlight && weight === highestWeight) {
        tieCount++;
      }
    }
    if (tieCount === 0) return undefined;
    return this.nthTie(input, fewestInFlight, highestWeight, Math.min(Math.floor(input.random * tieCount), tieCount - 1));
  }

  private nthTie(input: PickInput<C>, inFlight: number, weight: number, tieIndex: number): C | undefined {
    const { candidates } = input;
    let remaining = tieIndex;
    for (let index = 0; index < candidates.length; index++) {
      const candidate = candidates[index]!;
      if (candidate.health.inFlight !== inFlight || candidate.weight !== weight || !isEligible(candidate, input)) continue;
      if (remaining === 0) return candidate;
      remaining--;
    }
    return undefined;
  }
}

/**
 * Strategies that rank candidates (lower rank is better), keep a band of ranks from the best
 * eligible one up to `bandLimit(best)`, and draw by weight inside that band.
 */
abstract class RankedBandBalancer<C extends Candidate> implements Balancer<C> {
  protected abstract rankOf(candidate: C): number;
  protected abstract bandLimit(bestRank: number): number;

  pick(input: PickInput<C>): C | undefined {
    const bestRank = this.bestEligibleRank(input);
    if (bestRank === undefined) return undefined;
    return this.drawWeightedInBand(input, this.bandLimit(bestRank));
  }

  private bestEligibleRank(input: PickInput<C>): number | undefined {
    const { candidates } = input;
    let bestRank: number | undefined;
    for (let index = 0; index < candidates.length; index++) {
      const candidate = candidates[index]!;
      if (!isEligible(candidate, input)) continue;
      const rank = this.rankOf(candidate);
      if (bestRank === undefined || rank < bestRank) bestRank = rank;
    }
    return bestRank;
  }

  private drawWeightedInBand(input: PickInput<C>, limit: number): C | undefined {
    const { candidates } = input;
    let totalWeight = 0;
    for (let index = 0; index < candidates.length; index++) {
      const candidate = candidates[index]!;
      if (this.rankOf(candidate) <= limit && isEligible(candidate, input)) totalWeight += candidate.weight;
    }
    let remaining = input.random * totalWeight;
    let lastInBand: C | undefined;
    for (let index = 0; index < candidates.length; index++) {
      const candidate = candidates[index]!;
      if (this.rankOf(candidate) > limit || !isEligible(candidate, input)) continue;
      lastInBand = candidate;
      remaining -= candidate.weight;
      if (remaining < 0) return candidate;
    }
    return lastInBand;
  }
}

class PriorityBalancer<C extends Candidate> extends RankedBandBalancer<C> {
  protected rankOf(candidate: C): number {
    return candidate.priority;
  }

  protected bandLimit(bestRank: number): number {
    return bestRank;
  }
}

/** Unknown price ranks as +Infinity: last, and all-unknown candidates tie with each other. */
class CostBalancer<C extends Candidate> extends RankedBandBalancer<C> {
  protected rankOf(candidate: C): number {
    return candidate.costPerMtok ?? Infinity;
  }

  protected bandLimit(bestRank: number): number {
    return bestRank;
  }
}

/** Unexplored candidates rank as -Infinity, so they are tried before any measured one. */
class LowestLatencyBalancer<C extends Candidate> extends RankedBandBalancer<C> {
  constructor(private readonly tolerance: number) {
    super();
  }

  protected rankOf(candidate: C): number {
    return candidate.health.latencyMs ?? -Infinity;
  }

  protected bandLimit(bestRank: number): number {
    // -Infinity (unexplored) and 0 stay as they are: the band is exactly the best rank.
    return bestRank > 0 ? bestRank * (1 + this.tolerance) : bestRank;
  }
}

/** Weighted rendezvous hashing; an empty or missing session key falls back to weighted. */
class StickyBalancer<C extends Candidate> implements Balancer<C> {
  private readonly withoutSession = new WeightedBalancer<C>();

  pick(input: PickInput<C>): C | undefined {
    const { sessionKey } = input;
    if (sessionKey === undefined || sessionKey === '') return this.withoutSession.pick(input);
    const prefixState = sessionHashPrefix(sessionKey);
    const { candidates } = input;
    let winner: C | undefined;
    let winnerScore = -Infinity;
    for (let index = 0; index < candidates.length; index++) {
      const candidate = candidates[index]!;
      if (!isEligible(candidate, input)) continue;
      const score = rendezvousScore(prefixState, candidate.id, candidate.weight);
      if (winner === undefined || score > winnerScore) {
        winner = candidate;
        winnerScore = score;
      }
    }
    return winner;
  }
}
