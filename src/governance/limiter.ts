import type { BudgetPeriod } from '../store/store.js';

/**
 * Rate limits and budgets, enforced admit-then-settle (SPEC section 7).
 *
 * `admit` runs before a request is sent upstream. It checks every subject of the request — the
 * virtual key, its team, its customer — and admits only when all of them have room; then it
 * reserves, on each, one request, the request's estimated tokens (input + max output) and its
 * worst-case cost. `settle` runs exactly once per admitted request when it has ended (also
 * when it failed, or its stream was cut or aborted) and replaces the reservation with what was
 * really used. Between the two, concurrent admissions see the reservation, so a burst cannot
 * overspend a budget: a budget admits while spent + reserved is below its limit, so the most it
 * can be crossed by is the worst case of the last request admitted.
 *
 * Limits are sliding windows: at most `rpm` requests, and `tpm` tokens, admitted in any 60 s.
 * Budgets count spend within the calendar period of `budgetPeriod` (UTC), or over the lifetime.
 *
 * The in-memory implementation serves one process and answers `admit` at once; cluster mode puts
 * the same contract on Redis and answers with a promise. Callers handle both, so the common
 * single-node case costs no promise on the request path.
 */
export interface Limiter {
  admit(request: AdmissionRequest): Admission | Promise<Admission>;
  /** Called once per admitted request. Never throws for a ticket it issued. */
  settle(ticket: AdmissionTicket, usage: SettledUsage): Promise<void>;
  /** Settled spend and requests of a subject in its current budget period (lifetime without one). */
  spend(subject: LimitSubject, now: number): Promise<SubjectSpend>;
  /** Seeds a subject's spend in the period starting at `periodStart` (from the store, at startup). */
  restoreSpend(subject: LimitSubject, periodStart: number, spend: SubjectSpend): Promise<void>;
}

/** A virtual key, team or customer, with the limits it carries. */
export interface LimitSubject {
  /** Unique across kinds: `key:<id>`, `team:<id>`, `customer:<id>`. */
  readonly ref: string;
  /** How errors name it: "virtual key 'ci-bot'". */
  readonly label: string;
  readonly rpm: number | null;
  readonly tpm: number | null;
  readonly budgetNanoUsd: number | null;
  readonly budgetPeriod: BudgetPeriod | null;
}

export interface AdmissionRequest {
  readonly subjects: readonly LimitSubject[];
  /** Estimated input tokens plus the most output tokens the request may produce. */
  readonly tokens: number;
  /** Worst-case cost of the request, integer nano-USD. */
  readonly costNanoUsd: number;
  /** Epoch milliseconds. */
  readonly now: number;
}

export interface SettledUsage {
  /** 1 when the request reached a provider (it counts in usage), 0 when it never left the gateway. */
  readonly requests: number;
  /** Tokens really used, input and output. */
  readonly tokens: number;
  readonly costNanoUsd: number;
  readonly now: number;
}

export interface SubjectSpend {
  requests: number;
  costNanoUsd: number;
}

/** Opaque to callers; each implementation keeps what its settle needs. */
export interface AdmissionTicket {
  readonly subjects: readonly LimitSubject[];
}

export type RefusalCode = 'rate_limited' | 'budget_exceeded';

export type Admission =
  | { readonly ok: true; readonly ticket: AdmissionTicket }
  | { readonly ok: false; readonly code: RefusalCode; readonly subject: LimitSubject; readonly message: string; readonly retryAfterMs: number | undefined };
