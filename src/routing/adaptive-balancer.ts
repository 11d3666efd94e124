import type { Balancer, Candidate, PickInput } from './balancers.js';

/**
 * The `adaptive` strategy. Every `interval_ms` (from the gateway's timer, off the request path)
 * each route gets a score in [weight_floor, 1] that multiplies its configured weight:
 *
 * | factor       | from                                                     | value                                                      |
 * | ------------ | -------------------------------------------------------- | ---------------------------------------------------------- |
 * | error        | the route's time-decayed error rate e                    | (1 − e) ^ error_exponent                                   |
 * | latency      | the larger of the decayed latency (3 s half-life, ms per  | (best of the group / own) ^ latency_exponent; 1 with no data |
 * |              | first token + 256 output tokens) and in-flight ÷ rate    | yet, so new routes are measured                            |
 * | utilisation  | share u of the known quota used (provider headers,        | 1 below utilisation_threshold, then falls linearly to 0 at |
 * |              | configured limits)                                       | u = 1                                                      |
 * | load         | requests in flight against the group's mean              | ((1 + mean) / (1 + own)) ^ load_exponent, at most 1         |
 * | recovery     | time since the route came back from failed               | ramps from weight_floor to 1 over recovery_ramp_ms          |
 *
 * The floor keeps every available route drawing a little traffic (exploration), so a route that
 * improves is noticed; routes whose circuit is open get none (their probes come from the circuit).
 * A pick is an O(log n) draw over the precomputed cumulative weights; only when the drawn route is
 * unavailable or already tried does it fall back to a linear pass over the adaptive weights.
 */
export interface AdaptivePolicy {
  interval_ms: number;
  error_exponent: number;
  latency_exponent: number;
  load_exponent: number;
  utilisation_threshold: number;
  weight_floor: number;
  recovery_ramp_ms: number;
}

export const DEFAULT_ADAPTIVE_POLICY: AdaptivePolicy = Object.freeze({
  interval_ms: 1_000,
  error_exponent: 2,
  latency_exponent: 2,
  load_exponent: 0.5,
  utilisation_threshold: 0.8,
  weight_floor: 0.02,
  recovery_ramp_ms: 15_000,
});

/** What the scorer reads beyond a Candidate, when the candidate has it (RouteHealth and QuotaTracker do). */
interface ScoringHealth {
  errorRate?(now: number): number;
  readonly state?: string;
  readonly lastTransitionAt?: number;
  readonly lastTransitionReason?: string;
}
interface ScoringQuota {
  utilisation?(now: number): number | undefined;
}

export interface AdaptiveFactors {
  error: number;
  latency: number;
  utilisation: number;
  load: number;
  recovery: number;
}

/** One route's line in the routes view: why it gets the traffic it gets. */
export interface AdaptiveExplanation {
  id: string;
  score: number;
  effective_weight: number;
  factors: AdaptiveFactors;
  expected_share: number;
  actual_share: number | null;
  state: string | null;
  last_transition: { at_ms: number; reason: string } | null;
}

class ScoreTable {
  readonly weights: Float64Array;
  readonly cumulative: Float64Array;
  readonly factors: AdaptiveFactors[];
  total = 0;
  /** Picks since the last recompute, and the share each got over the interval before. */
  readonly picks: Float64Array;
  readonly lastShare: Float64Array;
  /** Picks per millisecond over the last interval, for the in-flight latency estimate. */
  readonly lastRate: Float64Array;
  hasLastShare = false;
  computedAt = Number.NEGATIVE_INFINITY;

  constructor(size: number) {
    this.weights = new Float64Array(size);
    this.cumulative = new Float64Array(size);
    this.picks = new Float64Array(size);
    this.lastShare = new Float64Array(size);
    this.lastRate = new Float64Array(size);
    this.factors = Array.from({ length: size }, () => ({ error: 1, latency: 1, utilisation: 1, load: 1, recovery: 1 }));
  }
}

export class AdaptiveBalancer<C extends Candidate> implements Balancer<C> {
  private readonly tables = new Map<readonly C[], ScoreTable>();

  constructor(private readonly policy: AdaptivePolicy = DEFAULT_ADAPTIVE_POLICY) {}

  pick(input: PickInput<C>): C | undefined {
    const { candidates } = input;
    const table = this.tableFor(candidates, input.now);
    if (table.total > 0) {
      const index = drawIndex(table.cumulative, table.total * input.random);
      const drawn = candidates[index];
      if (drawn !== undefined && isEligible(drawn, input)) return this.count(table, index, drawn);
    }
    return this.drawAmongEligible(table, input);
  }

  /** Recomputes every score table this balancer has used. Called by the gateway every interval. */
  recompute(now: number): void {
    for (const [candidates, table] of this.tables) this.score(candidates, table, now);
  }

  explain(candidates: readonly C[], now: number): AdaptiveExplanation[] {
    const table = this.tableFor(candidates, now);
    return candidates.map((candidate, index) => {
      const health = candidate.health as ScoringHealth;
      return {
        id: candidate.id,
        score: round(candidate.weight > 0 ? (table.weights[index] ?? 0) / candidate.weight : 0),
        effective_weight: round(table.weights[index] ?? 0),
        factors: roundFactors(table.factors[index]),
        expected_share: round(table.total > 0 ? (table.weights[index] ?? 0) / table.total : 0),
        actual_share: table.hasLastShare ? round(table.lastShare[index] ?? 0) : null,
        state: health.state ?? null,
        last_transition: health.lastTransitionAt === undefined || health.lastTransitionAt === 0 ? null : { at_ms: health.lastTransitionAt, reason: health.lastTransitionReason ?? '' },
      };
    });
  }

  private tableFor(candidates: readonly C[], now: number): ScoreTable {
    let table = this.tables.get(candidates);
    if (table === undefined) {
      table = new ScoreTable(candidates.length);
      this.tables.set(candidates, table);
    }
    // Normally the gateway's timer keeps tables fresh; a table never scored, or left far behind, is scored here.
    if (now - table.computedAt > 5 * this.policy.interval_ms) this.score(candidates, table, now);
    return table;
  }

  private count(table: ScoreTable, index: number, candidate: C): C {
    table.picks[index] = (table.picks[index] ?? 0) + 1;
    return candidate;
  }

  private drawAmongEligible(table: ScoreTable, input: PickInput<C>): C | undefined {
    const { candidates } = input;
    let total = 0;
    for (let index = 0; index < candidates.length; index++) {
      const candidate = candidates[index] as C;
      if (isEligible(candidate, input)) total += table.weights[index] ?? 0;
    }
    if (total <= 0) return undefined;
    let point = total * input.random;
    let last = -1;
    for (let index = 0; index < candidates.length; index++) {
      const candidate = candidates[index] as C;
      if (!isEligible(candidate, input)) continue;
      last = index;
      point -= table.weights[index] ?? 0;
      if (point < 0) return this.count(table, index, candidate);
    }
    return last < 0 ? undefined : this.count(table, last, candidates[last] as C);
  }

  private score(candidates: readonly C[], table: ScoreTable, now: number): void {
    recordShares(table, now);
    const latencies = currentLatencies(candidates, table);
    const { bestLatency, meanInFlight } = groupFigures(candidates, latencies);
    let total = 0;
    for (let index = 0; index < candidates.length; index++) {
      const candidate = candidates[index] as C;
      const factors = table.factors[index] as AdaptiveFactors;
      this.scoreFactors(candidate, factors, now, latencies[index], bestLatency, meanInFlight);
      const score = Math.max(this.policy.weight_floor, Math.min(1, factors.error * factors.latency * factors.utilisation * factors.load * factors.recovery));
      const weight = candidate.health.available(now) ? candidate.weight * score : 0;
      table.weights[index] = weight;
      total += weight;
      table.cumulative[index] = total;
    }
    table.total = total;
    table.computedAt = now;
  }

  private scoreFactors(candidate: C, factors: AdaptiveFactors, now: number, latency: number | undefined, bestLatency: number | undefined, meanInFlight: number): void {
    const policy = this.policy;
    const health = candidate.health as ScoringHealth & Candidate['health'];
    const errorRate = health.errorRate?.(now) ?? 0;
    factors.error = (1 - Math.min(1, Math.max(0, errorRate))) ** policy.error_exponent;
    factors.latency = latency === undefined || bestLatency === undefined || latency <= 0 ? 1 : (bestLatency / latency) ** policy.latency_exponent;
    const used = (candidate as unknown as { quota?: ScoringQuota }).quota?.utilisation?.(now);
    factors.utilisation = used === undefined || used <= policy.utilisation_threshold ? 1 : Math.max(0, (1 - used) / (1 - policy.utilisation_threshold));
    factors.load = Math.min(1, ((1 + meanInFlight) / (1 + health.inFlight)) ** policy.load_exponent);
    factors.recovery = recoveryRamp(health, now, policy);
  }
}

/** Coming back from failed: the share ramps up instead of jumping to full at once. */
function recoveryRamp(health: ScoringHealth, now: number, policy: AdaptivePolicy): number {
  if (health.state === 'recovering') return policy.weight_floor;
  const since = health.lastTransitionAt;
  if (since === undefined || since === 0 || health.state !== 'healthy' || !(health.lastTransitionReason ?? '').includes('recover')) return 1;
  const elapsed = now - since;
  return elapsed >= policy.recovery_ramp_ms ? 1 : Math.max(policy.weight_floor, elapsed / policy.recovery_ramp_ms);
}

/**
 * Each route's latency as the scorer sees it: the larger of its decayed average of completed
 * attempts and, by Little's law, its requests in flight divided by its request rate over the last
 * interval. The second sees a route turn slow at the first rescoring, before its slow requests
 * have completed and moved the average.
 */
function currentLatencies(candidates: readonly Candidate[], table: ScoreTable): (number | undefined)[] {
  return candidates.map((candidate, index) => {
    const rate = table.lastRate[index] ?? 0;
    const inFlightLatency = rate > 0 && candidate.health.inFlight > 0 ? candidate.health.inFlight / rate : undefined;
    const average = candidate.health.latencyMs;
    if (average === undefined) return inFlightLatency;
    return inFlightLatency === undefined ? average : Math.max(average, inFlightLatency);
  });
}

function groupFigures(candidates: readonly Candidate[], latencies: readonly (number | undefined)[]): { bestLatency: number | undefined; meanInFlight: number } {
  let bestLatency: number | undefined;
  let inFlight = 0;
  for (let index = 0; index < candidates.length; index++) {
    const latency = latencies[index];
    if (latency !== undefined && latency > 0 && (bestLatency === undefined || latency < bestLatency)) bestLatency = latency;
    inFlight += candidates[index]?.health.inFlight ?? 0;
  }
  return { bestLatency, meanInFlight: candidates.length > 0 ? inFlight / candidates.length : 0 };
}

function recordShares(table: ScoreTable, now: number): void {
  const elapsed = now - table.computedAt;
  let picks = 0;
  for (const count of table.picks) picks += count;
  for (let index = 0; index < table.picks.length; index++) {
    const count = table.picks[index] ?? 0;
    table.lastRate[index] = elapsed > 0 && Number.isFinite(elapsed) ? count / elapsed : 0;
    if (picks > 0) table.lastShare[index] = count / picks;
    table.picks[index] = 0;
  }
  if (picks > 0) table.hasLastShare = true;
}

function isEligible<C extends Candidate>(candidate: C, input: PickInput<C>): boolean {
  return candidate.weight > 0 && (input.tried === undefined || !input.tried.has(candidate)) && candidate.health.available(input.now);
}

/** First index whose cumulative weight exceeds `point` (binary search). */
function drawIndex(cumulative: Float64Array, point: number): number {
  let low = 0;
  let high = cumulative.length - 1;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((cumulative[middle] ?? 0) > point) high = middle;
    else low = middle + 1;
  }
  return low;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function roundFactors(factors: AdaptiveFactors | undefined): AdaptiveFactors {
  if (factors === undefined) return { error: 1, latency: 1, utilisation: 1, load: 1, recovery: 1 };
  return { error: round(factors.error), latency: round(factors.latency), utilisation: round(factors.utilisation), load: round(factors.load), recovery: round(factors.recovery) };
}
