import type { ClosedLoopResult } from './closed-loop.js';
import { median } from './closed-loop.js';
import type { SequentialResult } from './sequential.js';

/**
 * `quiet` is Switchyard with metrics and the request log off; `switchyard` has them on (the
 * default); `governed` adds a virtual key, limits, a budget and a team checked on every request.
 */
export const TARGET_NAMES = ['direct', 'floor', 'quiet', 'switchyard', 'governed'] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

export interface TargetResult {
  closedLoop: ClosedLoopResult;
  sequential: SequentialResult;
}

export type TargetResults = Record<TargetName, TargetResult>;

/** Latency a proxy adds on top of calling the upstream directly, from the sequential scenario. */
export interface AddedLatency {
  meanMs: number;
  p50Ms: number;
}

/** INFO: printed for context, never judged (figures this machine's noise can swing past the target). */
export type Verdict = 'PASS' | 'FAIL' | 'N/A' | 'INFO';

export interface RatioCheck {
  name: string;
  /** null when the floor's figure is not positive, so no ratio can be formed. */
  ratio: number | null;
  comparison: '>=' | '<=';
  threshold: number;
  verdict: Verdict;
}

export interface Comparison {
  addedLatency: { floor: AddedLatency; quiet: AddedLatency; switchyard: AddedLatency; governed: AddedLatency };
  checks: RatioCheck[];
}

export const THROUGHPUT_RATIO_TARGET = 0.85;
export const ADDED_LATENCY_RATIO_TARGET = 1.3;
/** Governance (auth, limits, budget) may cost at most this share of the floor-relative figures. */
export const GOVERNANCE_COST_TARGET = 0.05;

function addedLatency(proxy: SequentialResult, direct: SequentialResult): AddedLatency {
  return { meanMs: proxy.meanMs - direct.meanMs, p50Ms: proxy.p50Ms - direct.p50Ms };
}

function ratioOrNull(numerator: number, denominator: number): number | null {
  return denominator > 0 ? numerator / denominator : null;
}

function checkRatio(name: string, ratio: number | null, comparison: RatioCheck['comparison'], threshold: number, informational = false): RatioCheck {
  if (ratio === null) return { name, ratio, comparison, threshold, verdict: 'N/A' };
  if (informational) return { name, ratio, comparison, threshold, verdict: 'INFO' };
  const met = comparison === '>=' ? ratio >= threshold : ratio <= threshold;
  return { name, ratio, comparison, threshold, verdict: met ? 'PASS' : 'FAIL' };
}

/**
 * The median over rounds of a per-round figure of two targets, each divided by the floor's in
 * that round: targets measured in the same round share its machine drift, so the pairing cancels
 * most of it.
 */
function pairedMedian(results: TargetResults, figure: (round: TargetResult['closedLoop'], index: number) => number, difference: (governed: number, switchyard: number, floor: number) => number): number | null {
  const rounds = results.floor.closedLoop.roundsRequestsPerSecond.length;
  if (rounds === 0) return null;
  const values = Array.from({ length: rounds }, (_, index) => difference(figure(results.governed.closedLoop, index), figure(results.switchyard.closedLoop, index), figure(results.floor.closedLoop, index)));
  return median(values);
}

/** What `withIt` spends in the gateway beyond `without` (their `x-switchyard-overhead-ms`), as a share of the floor's added latency. */
function inGatewayCost(withIt: TargetResult, without: TargetResult, floorAddedMs: number): number | null {
  const spent = withIt.sequential.reportedOverheadMeanMs;
  const baseline = without.sequential.reportedOverheadMeanMs;
  return spent === null || baseline === null ? null : ratioOrNull(spent - baseline, floorAddedMs);
}

/** Switchyard against the floor: throughput ratio, and added-latency ratios (mean is the target, p50 the cross-check). */
export function compareToFloor(results: TargetResults): Comparison {
  const floor = addedLatency(results.floor.sequential, results.direct.sequential);
  const switchyard = addedLatency(results.switchyard.sequential, results.direct.sequential);
  const governed = addedLatency(results.governed.sequential, results.direct.sequential);
  const quiet = addedLatency(results.quiet.sequential, results.direct.sequential);
  const throughputRatio = ratioOrNull(results.switchyard.closedLoop.requestsPerSecond, results.floor.closedLoop.requestsPerSecond);
  return {
    addedLatency: { floor, quiet, switchyard, governed },
    checks: [
      checkRatio('throughput ratio (switchyard rps / floor rps)', throughputRatio, '>=', THROUGHPUT_RATIO_TARGET),
      checkRatio('added-latency ratio, mean (switchyard added / floor added)', ratioOrNull(switchyard.meanMs, floor.meanMs), '<=', ADDED_LATENCY_RATIO_TARGET),
      checkRatio('added-latency ratio, p50 (switchyard added / floor added)', ratioOrNull(switchyard.p50Ms, floor.p50Ms), '<=', ADDED_LATENCY_RATIO_TARGET),
      checkRatio('CPU per request ratio (switchyard CPU µs/req / floor CPU µs/req)', ratioOrNull(results.switchyard.closedLoop.cpuPerRequestUs, results.floor.closedLoop.cpuPerRequestUs), '<=', ADDED_LATENCY_RATIO_TARGET, true),
      checkRatio(
        'governance CPU cost ((governed − switchyard) CPU µs/req / floor CPU µs/req, median of rounds)',
        pairedMedian(results, (run, index) => run.roundsCpuPerRequestUs[index] ?? 0, (governed, switchyard, floor) => (governed - switchyard) / floor),
        '<=',
        GOVERNANCE_COST_TARGET,
        true,
      ),
      checkRatio(
        'governance throughput cost ((switchyard rps − governed rps) / floor rps, median of rounds)',
        pairedMedian(results, (run, index) => run.roundsRequestsPerSecond[index] ?? 0, (governed, switchyard, floor) => (switchyard - governed) / floor),
        '<=',
        GOVERNANCE_COST_TARGET,
        true,
      ),
      checkRatio('observability latency cost, mean ((switchyard added − quiet added) / floor added)', ratioOrNull(switchyard.meanMs - quiet.meanMs, floor.meanMs), '<=', GOVERNANCE_COST_TARGET),
      checkRatio('observability in-gateway cost ((switchyard − quiet) x-switchyard-overhead-ms / floor added)', inGatewayCost(results.switchyard, results.quiet, floor.meanMs), '<=', GOVERNANCE_COST_TARGET),
      checkRatio('governance latency cost, mean ((governed added − switchyard added) / floor added)', ratioOrNull(governed.meanMs - switchyard.meanMs, floor.meanMs), '<=', GOVERNANCE_COST_TARGET),
      checkRatio('governance in-gateway cost ((governed − switchyard) x-switchyard-overhead-ms / floor added)', inGatewayCost(results.governed, results.switchyard, floor.meanMs), '<=', GOVERNANCE_COST_TARGET),
    ],
  };
}

/** Every request that did not get a 2xx answer, per target and scenario, as readable lines. */
export function describeFailures(results: TargetResults): string[] {
  const failures: string[] = [];
  for (const name of TARGET_NAMES) {
    const { closedLoop, sequential } = results[name];
    if (closedLoop.non2xx > 0) failures.push(`${name}: ${closedLoop.non2xx} non-2xx responses in the closed-loop run`);
    if (closedLoop.errors > 0) failures.push(`${name}: ${closedLoop.errors} errors (${closedLoop.timeouts} timeouts) in the closed-loop run`);
    if (closedLoop.warmupFailures > 0) failures.push(`${name}: ${closedLoop.warmupFailures} failed requests in the closed-loop warm-up`);
    if (sequential.failed > 0) failures.push(`${name}: ${sequential.failed} non-2xx responses in the sequential run`);
  }
  return failures;
}
