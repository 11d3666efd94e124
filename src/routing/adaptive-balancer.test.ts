import { describe, expect, it } from 'vitest';
import { AdaptiveBalancer, DEFAULT_ADAPTIVE_POLICY } from './adaptive-balancer.js';
import type { Candidate } from './balancers.js';

interface FakeRoute extends Candidate {
  health: Candidate['health'] & { errorRate(now: number): number; state: string; lastTransitionAt: number; lastTransitionReason: string };
  quota?: { utilisation(now: number): number | undefined };
}

function route(id: string, options: { weight?: number; errorRate?: number; latencyMs?: number; inFlight?: number; available?: boolean; utilisation?: number; state?: string; since?: number; reason?: string } = {}): FakeRoute {
  return {
    id,
    weight: options.weight ?? 1,
    priority: 0,
    costPerMtok: undefined,
    health: {
      inFlight: options.inFlight ?? 0,
      latencyMs: options.latencyMs,
      available: () => options.available ?? true,
      errorRate: () => options.errorRate ?? 0,
      state: options.state ?? 'healthy',
      lastTransitionAt: options.since ?? 0,
      lastTransitionReason: options.reason ?? 'healthy',
    },
    ...(options.utilisation === undefined ? {} : { quota: { utilisation: () => options.utilisation } }),
  };
}

function shares(balancer: AdaptiveBalancer<FakeRoute>, routes: FakeRoute[], now = 1_000): Record<string, number> {
  const counts: Record<string, number> = {};
  const steps = 10_000;
  for (let step = 0; step < steps; step++) {
    const picked = balancer.pick({ candidates: routes, tried: undefined, now, random: (step + 0.5) / steps, sessionKey: undefined });
    if (picked) counts[picked.id] = (counts[picked.id] ?? 0) + 1;
  }
  for (const id of Object.keys(counts)) counts[id] = Math.round(((counts[id] ?? 0) / steps) * 1000) / 1000;
  return counts;
}

describe('AdaptiveBalancer scoring', () => {
  it('weighs each factor as documented', () => {
    const balancer = new AdaptiveBalancer<FakeRoute>();
    const routes = [
      route('clean', { latencyMs: 100 }),
      route('erroring', { latencyMs: 100, errorRate: 0.5 }),
      route('slow', { latencyMs: 1_000 }),
      route('near-quota', { latencyMs: 100, utilisation: 0.9 }),
      route('broken', { latencyMs: 100, errorRate: 1 }),
    ];
    const explained = Object.fromEntries(balancer.explain(routes, 1_000).map((line) => [line.id, line]));
    expect(explained.clean?.score).toBe(1);
    expect(explained.erroring?.factors.error).toBe(0.25);
    expect(explained.erroring?.score).toBe(0.25);
    // (100 / 1000) ^ latency_exponent 2
    expect(explained.slow?.factors.latency).toBe(0.01);
    expect(explained['near-quota']?.factors.utilisation).toBe(0.5);
    // Nothing available starves: the floor keeps a trickle going for exploration.
    expect(explained.broken?.score).toBe(DEFAULT_ADAPTIVE_POLICY.weight_floor);
    const total = Object.values(explained).reduce((sum, line) => sum + line.expected_share, 0);
    expect(total).toBeCloseTo(1, 2);
  });

  it('routes traffic by score × weight, and never to an unavailable route', () => {
    const balancer = new AdaptiveBalancer<FakeRoute>();
    const routes = [route('a', { latencyMs: 100 }), route('b', { latencyMs: 100, errorRate: 0.5 }), route('down', { available: false })];
    // Scores 1 and 0.25: shares 0.8 and 0.2.
    expect(shares(balancer, routes)).toEqual({ a: 0.8, b: 0.2 });
  });

  it('fewer requests in flight than the group mean weigh more, more weigh less', () => {
    const balancer = new AdaptiveBalancer<FakeRoute>();
    const explained = balancer.explain([route('idle', { inFlight: 0 }), route('busy', { inFlight: 8 })], 0);
    expect(explained[0]?.factors.load).toBe(1);
    expect(explained[1]?.factors.load).toBeCloseTo(Math.sqrt(5 / 9), 3);
  });

  it('ramps a recovered route back up instead of giving it full share at once', () => {
    const balancer = new AdaptiveBalancer<FakeRoute>();
    const recovering = route('r', { state: 'recovering' });
    const recovered = route('h', { since: 10_000, reason: 'recovered after 3 successful probes' });
    const explained = balancer.explain([recovering, recovered], 10_000 + 7_500);
    expect(explained[0]?.factors.recovery).toBe(DEFAULT_ADAPTIVE_POLICY.weight_floor);
    expect(explained[1]?.factors.recovery).toBe(0.5);
  });

  it('reports the share each route actually got over the last interval', () => {
    const balancer = new AdaptiveBalancer<FakeRoute>();
    const routes = [route('a'), route('b')];
    shares(balancer, routes, 1_000);
    balancer.recompute(2_000);
    const explained = balancer.explain(routes, 2_000);
    expect(explained.map((line) => line.actual_share)).toEqual([0.5, 0.5]);
  });

  it('sees a route turn slow from its requests in flight, before they complete (Little’s law)', () => {
    const balancer = new AdaptiveBalancer<FakeRoute>();
    const slowing = route('slowing', { latencyMs: 80 });
    const steady = route('steady', { latencyMs: 80 });
    const routes = [slowing, steady];
    balancer.explain(routes, 0); // scores the group first at t = 0
    for (let step = 0; step < 100; step++) balancer.pick({ candidates: routes, tried: undefined, now: 500, random: (step + 0.5) / 100, sessionKey: undefined });
    // 50 picks each over the last second; the slowing route now holds 40 requests open, the steady one 4.
    (slowing.health as { inFlight: number }).inFlight = 40;
    (steady.health as { inFlight: number }).inFlight = 4;
    balancer.recompute(1_000);
    const [slow, fast] = balancer.explain(routes, 1_000);
    // 40 in flight at 50 per second → 800 ms against 80 ms: (80 / 800)² = 0.01, under the floor.
    expect(slow?.factors.latency).toBe(0.01);
    expect(fast?.factors.latency).toBe(1);
    expect(slow?.score).toBe(DEFAULT_ADAPTIVE_POLICY.weight_floor);
  });

  it('skips tried routes and draws among the rest by score', () => {
    const balancer = new AdaptiveBalancer<FakeRoute>();
    const routes = [route('a'), route('b')];
    const first = routes[0]!;
    for (let step = 0; step < 100; step++) expect(balancer.pick({ candidates: routes, tried: new Set([first]), now: 0, random: step / 100, sessionKey: undefined })?.id).toBe('b');
  });
});
