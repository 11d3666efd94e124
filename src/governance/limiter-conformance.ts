import { describe, expect, it } from 'vitest';
import type { Admission, AdmissionTicket, Limiter, LimitSubject } from './limiter.js';

/**
 * The behaviour every Limiter must show, as a suite each implementation runs (memory here,
 * Redis in cluster mode). Times are explicit, so windows and periods are tested exactly.
 */
export function describeLimiterConformance(name: string, create: () => Promise<Limiter> | Limiter): void {
  const T0 = Date.parse('2026-11-22T10:00:00Z');
  let sequence = 0;
  const subject = (fields: Partial<LimitSubject>): LimitSubject => ({
    ref: `key:${name}-${++sequence}-${Math.random().toString(36).slice(2)}`,
    label: `virtual key 'k${sequence}'`,
    rpm: null,
    tpm: null,
    budgetNanoUsd: null,
    budgetPeriod: null,
    ...fields,
  });
  const ticketOf = (admission: Admission): AdmissionTicket => {
    if (!admission.ok) throw new Error(`expected admission, got ${admission.code}: ${admission.message}`);
    return admission.ticket;
  };

  describe(`Limiter conformance: ${name}`, () => {
    it('admits exactly rpm requests out of a concurrent burst, and says when to retry', async () => {
      const limiter = await create();
      const key = subject({ rpm: 30 });
      const results = await Promise.all(Array.from({ length: 60 }, async () => limiter.admit({ subjects: [key], tokens: 10, costNanoUsd: 0, now: T0 })));
      expect(results.filter((result) => result.ok)).toHaveLength(30);
      const refused = results.filter((result) => !result.ok);
      expect(refused).toHaveLength(30);
      for (const result of refused) {
        if (result.ok) continue;
        expect(result.code).toBe('rate_limited');
        expect(result.message).toContain("virtual key 'k");
        expect(result.retryAfterMs).toBe(60_000);
      }
    });

    it('slides the window: a request leaves it 60 s after it was admitted', async () => {
      const limiter = await create();
      const key = subject({ rpm: 2 });
      ticketOf(await limiter.admit({ subjects: [key], tokens: 1, costNanoUsd: 0, now: T0 }));
      ticketOf(await limiter.admit({ subjects: [key], tokens: 1, costNanoUsd: 0, now: T0 + 30_000 }));
      const refused = await limiter.admit({ subjects: [key], tokens: 1, costNanoUsd: 0, now: T0 + 59_999 });
      expect(refused.ok).toBe(false);
      if (!refused.ok) expect(refused.retryAfterMs).toBe(1);
      expect((await limiter.admit({ subjects: [key], tokens: 1, costNanoUsd: 0, now: T0 + 60_000 })).ok).toBe(true);
      expect((await limiter.admit({ subjects: [key], tokens: 1, costNanoUsd: 0, now: T0 + 60_001 })).ok).toBe(false);
    });

    it('keeps an exact window over thousands of requests', async () => {
      const limiter = await create();
      const key = subject({ rpm: 3_000, tpm: 3_000_000 });
      const tickets: AdmissionTicket[] = [];
      for (let index = 0; index < 3_000; index++) tickets.push(ticketOf(await limiter.admit({ subjects: [key], tokens: 1_000, costNanoUsd: 0, now: T0 + index * 10 })));
      const full = await limiter.admit({ subjects: [key], tokens: 1, costNanoUsd: 0, now: T0 + 30_000 });
      expect(full).toMatchObject({ ok: false, code: 'rate_limited', retryAfterMs: 30_000 });
      // Settling the first request frees tokens, not a request slot.
      await limiter.settle(tickets[0] as AdmissionTicket, { requests: 1, tokens: 1, costNanoUsd: 0, now: T0 + 30_001 });
      expect((await limiter.admit({ subjects: [key], tokens: 1, costNanoUsd: 0, now: T0 + 30_002 })).ok).toBe(false);
      // The first request leaves the window 60 s after it was admitted; the second 10 ms later.
      expect((await limiter.admit({ subjects: [key], tokens: 1, costNanoUsd: 0, now: T0 + 60_000 })).ok).toBe(true);
      expect((await limiter.admit({ subjects: [key], tokens: 1, costNanoUsd: 0, now: T0 + 60_005 })).ok).toBe(false);
      expect((await limiter.admit({ subjects: [key], tokens: 1, costNanoUsd: 0, now: T0 + 60_010 })).ok).toBe(true);
    });

    it('reserves estimated tokens and settles them to the real count', async () => {
      const limiter = await create();
      const key = subject({ tpm: 1_000 });
      const first = ticketOf(await limiter.admit({ subjects: [key], tokens: 600, costNanoUsd: 0, now: T0 }));
      const refused = await limiter.admit({ subjects: [key], tokens: 600, costNanoUsd: 0, now: T0 + 1 });
      expect(refused.ok).toBe(false);
      if (!refused.ok) {
        expect(refused.code).toBe('rate_limited');
        expect(refused.retryAfterMs).toBe(59_999);
      }
      await limiter.settle(first, { requests: 1, tokens: 100, costNanoUsd: 0, now: T0 + 2 });
      expect((await limiter.admit({ subjects: [key], tokens: 600, costNanoUsd: 0, now: T0 + 3 })).ok).toBe(true);
    });

    it('refuses a request bigger than the whole token limit without a retry time', async () => {
      const limiter = await create();
      const refused = await limiter.admit({ subjects: [subject({ tpm: 100 })], tokens: 101, costNanoUsd: 0, now: T0 });
      expect(refused).toMatchObject({ ok: false, code: 'rate_limited', retryAfterMs: undefined });
      if (!refused.ok) expect(refused.message).toContain('max_tokens');
    });

    it('needs room on every subject, and a refusal reserves nothing anywhere', async () => {
      const limiter = await create();
      const team = subject({ rpm: 1, label: "team 'search'" });
      const key = subject({ rpm: 5 });
      ticketOf(await limiter.admit({ subjects: [key, team], tokens: 1, costNanoUsd: 0, now: T0 }));
      const refused = await limiter.admit({ subjects: [key, team], tokens: 1, costNanoUsd: 0, now: T0 });
      expect(refused).toMatchObject({ ok: false, code: 'rate_limited' });
      if (!refused.ok) expect(refused.message).toContain("team 'search'");
      // The key had room for 4 more; the refused request must not have used one of them.
      for (let index = 0; index < 4; index++) expect((await limiter.admit({ subjects: [key], tokens: 1, costNanoUsd: 0, now: T0 })).ok).toBe(true);
      expect((await limiter.admit({ subjects: [key], tokens: 1, costNanoUsd: 0, now: T0 })).ok).toBe(false);
    });

    it('admits against a budget while spent + reserved is below it, then settles real cost', async () => {
      const limiter = await create();
      const key = subject({ budgetNanoUsd: 1_000, label: "virtual key 'wallet'" });
      const tickets = [];
      for (let index = 0; index < 3; index++) tickets.push(ticketOf(await limiter.admit({ subjects: [key], tokens: 1, costNanoUsd: 400, now: T0 })));
      const refused = await limiter.admit({ subjects: [key], tokens: 1, costNanoUsd: 400, now: T0 });
      expect(refused).toMatchObject({ ok: false, code: 'budget_exceeded', retryAfterMs: undefined });
      if (!refused.ok) expect(refused.message).toMatch(/budget of virtual key 'wallet' is spent.*lifetime/);
      for (const ticket of tickets) await limiter.settle(ticket, { requests: 1, tokens: 1, costNanoUsd: 100, now: T0 + 1 });
      expect(await limiter.spend(key, T0 + 2)).toEqual({ requests: 3, costNanoUsd: 300 });
      expect((await limiter.admit({ subjects: [key], tokens: 1, costNanoUsd: 400, now: T0 + 3 })).ok).toBe(true);
    });

    it('never lets a concurrent burst overspend by more than one worst case', async () => {
      const limiter = await create();
      const budget = 1_000_000;
      const worstCase = 7_000;
      const key = subject({ budgetNanoUsd: budget });
      const results = await Promise.all(Array.from({ length: 400 }, async () => limiter.admit({ subjects: [key], tokens: 1, costNanoUsd: worstCase, now: T0 })));
      const admitted = results.filter((result) => result.ok).length;
      expect(admitted * worstCase).toBeGreaterThanOrEqual(budget);
      expect(admitted * worstCase).toBeLessThan(budget + worstCase);
    });

    it('resets a period budget at the calendar boundary, keeping reservations in flight', async () => {
      const limiter = await create();
      const key = subject({ budgetNanoUsd: 500, budgetPeriod: '1h' });
      const spent = ticketOf(await limiter.admit({ subjects: [key], tokens: 1, costNanoUsd: 500, now: T0 + 10 }));
      await limiter.settle(spent, { requests: 1, tokens: 1, costNanoUsd: 500, now: T0 + 20 });
      const refused = await limiter.admit({ subjects: [key], tokens: 1, costNanoUsd: 1, now: T0 + 30 });
      expect(refused).toMatchObject({ ok: false, code: 'budget_exceeded', retryAfterMs: 3_600_000 - 30 });
      if (!refused.ok) expect(refused.message).toContain('resets 2026-11-22T11:00:00Z');
      const nextHour = T0 + 3_600_000;
      expect(await limiter.spend(key, nextHour)).toEqual({ requests: 0, costNanoUsd: 0 });
      expect((await limiter.admit({ subjects: [key], tokens: 1, costNanoUsd: 300, now: nextHour })).ok).toBe(true);
      expect((await limiter.admit({ subjects: [key], tokens: 1, costNanoUsd: 300, now: nextHour + 1 })).ok).toBe(true);
      expect((await limiter.admit({ subjects: [key], tokens: 1, costNanoUsd: 300, now: nextHour + 2 })).ok).toBe(false);
    });

    it('releases the reservation of a request that never reached a provider without counting it', async () => {
      const limiter = await create();
      const key = subject({ budgetNanoUsd: 1_000 });
      const ticket = ticketOf(await limiter.admit({ subjects: [key], tokens: 1, costNanoUsd: 5_000, now: T0 }));
      expect((await limiter.admit({ subjects: [key], tokens: 1, costNanoUsd: 1, now: T0 })).ok).toBe(false);
      await limiter.settle(ticket, { requests: 0, tokens: 0, costNanoUsd: 0, now: T0 + 1 });
      expect(await limiter.spend(key, T0 + 2)).toEqual({ requests: 0, costNanoUsd: 0 });
      expect((await limiter.admit({ subjects: [key], tokens: 1, costNanoUsd: 1, now: T0 + 3 })).ok).toBe(true);
    });

    it('starts from restored spend', async () => {
      const limiter = await create();
      const key = subject({ budgetNanoUsd: 1_000, budgetPeriod: '1d' });
      await limiter.restoreSpend(key, Date.parse('2026-11-22T00:00:00Z'), { requests: 7, costNanoUsd: 1_000 });
      expect(await limiter.spend(key, T0)).toEqual({ requests: 7, costNanoUsd: 1_000 });
      expect((await limiter.admit({ subjects: [key], tokens: 1, costNanoUsd: 1, now: T0 })).ok).toBe(false);
    });
  });
}
