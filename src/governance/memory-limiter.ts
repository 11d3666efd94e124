import type { BudgetPeriod } from '../store/store.js';
import { describePeriod, periodSpan } from './budget-period.js';
import type { Admission, AdmissionRequest, AdmissionTicket, Limiter, LimitSubject, SettledUsage, SubjectSpend } from './limiter.js';

const WINDOW_MS = 60_000;

/** One admitted request in a subject's sliding window; its tokens become the real count at settle. */
interface WindowEntry {
  readonly at: number;
  tokens: number;
  /** False once it has left the window, so a late settle does not touch the window's sum. */
  live: boolean;
}

/** Everything the limiter knows about one key, team or customer. */
class SubjectState {
  private readonly entries: WindowEntry[] = [];
  private head = 0;
  private windowTokens = 0;
  period: BudgetPeriod | null;
  periodStart: number;
  periodEnd: number;
  spentNanoUsd = 0;
  reservedNanoUsd = 0;
  requests = 0;

  constructor(period: BudgetPeriod | null, now: number) {
    this.period = period;
    const span = periodSpan(period, now);
    this.periodStart = span.start;
    this.periodEnd = span.end;
  }

  get windowRequests(): number {
    return this.entries.length - this.head;
  }

  get tokensInWindow(): number {
    return this.windowTokens;
  }

  dropExpired(now: number): void {
    const cutoff = now - WINDOW_MS;
    const entries = this.entries;
    while (this.head < entries.length && (entries[this.head] as WindowEntry).at <= cutoff) {
      const entry = entries[this.head] as WindowEntry;
      entry.live = false;
      this.windowTokens -= entry.tokens;
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > entries.length) {
      entries.splice(0, this.head);
      this.head = 0;
    }
  }

  /** Milliseconds until the window has room for one more request. */
  msUntilRequestRoom(rpm: number, now: number): number {
    const oldest = this.entries[this.head + this.windowRequests - rpm] as WindowEntry;
    return oldest.at + WINDOW_MS - now;
  }

  /** Milliseconds until enough tokens have left the window for `tokens` more. */
  msUntilTokenRoom(tpm: number, tokens: number, now: number): number {
    let inWindow = this.windowTokens;
    for (let index = this.head; index < this.entries.length; index++) {
      const entry = this.entries[index] as WindowEntry;
      inWindow -= entry.tokens;
      if (inWindow + tokens <= tpm) return entry.at + WINDOW_MS - now;
    }
    return WINDOW_MS;
  }

  record(now: number, tokens: number): WindowEntry {
    const entry: WindowEntry = { at: now, tokens, live: true };
    this.entries.push(entry);
    this.windowTokens += tokens;
    return entry;
  }

  resettle(entry: WindowEntry, tokens: number): void {
    if (entry.live) this.windowTokens += tokens - entry.tokens;
    entry.tokens = tokens;
  }

  /** Starts the current period when the last one has ended; reservations in flight carry over. */
  rollOver(period: BudgetPeriod | null, now: number): void {
    if (period === this.period && now < this.periodEnd) return;
    const span = periodSpan(period, now);
    if (period !== this.period || span.start !== this.periodStart) {
      this.spentNanoUsd = 0;
      this.requests = 0;
    }
    this.period = period;
    this.periodStart = span.start;
    this.periodEnd = span.end;
  }
}

class MemoryTicket implements AdmissionTicket {
  constructor(
    readonly subjects: readonly LimitSubject[],
    readonly states: readonly SubjectState[],
    readonly entries: readonly (WindowEntry | undefined)[],
    readonly reservedNanoUsd: number,
  ) {}
}

function tracksWindow(subject: LimitSubject): boolean {
  return subject.rpm !== null || subject.tpm !== null;
}

function usd(nanoUsd: number): string {
  return `$${(nanoUsd / 1e9).toFixed(nanoUsd < 1e7 ? 6 : 4)}`;
}

/** The Limiter for one process: exact sliding windows and budget ledgers in memory. */
export class MemoryLimiter implements Limiter {
  private readonly states = new Map<string, SubjectState>();

  private stateOf(subject: LimitSubject, now: number): SubjectState {
    let state = this.states.get(subject.ref);
    if (state === undefined) {
      state = new SubjectState(subject.budgetPeriod, now);
      this.states.set(subject.ref, state);
    } else {
      state.rollOver(subject.budgetPeriod, now);
    }
    return state;
  }

  admit(request: AdmissionRequest): Admission {
    const { subjects, now, tokens } = request;
    const states: SubjectState[] = [];
    for (const subject of subjects) {
      const state = this.stateOf(subject, now);
      const refusal = refusalOf(subject, state, request);
      if (refusal !== undefined) return refusal;
      states.push(state);
    }
    const entries: (WindowEntry | undefined)[] = [];
    for (let index = 0; index < subjects.length; index++) {
      const state = states[index] as SubjectState;
      entries.push(tracksWindow(subjects[index] as LimitSubject) ? state.record(now, tokens) : undefined);
      state.reservedNanoUsd += request.costNanoUsd;
    }
    return { ok: true, ticket: new MemoryTicket(subjects, states, entries, request.costNanoUsd) };
  }

  settle(ticket: AdmissionTicket, usage: SettledUsage): Promise<void> {
    const issued = ticket as MemoryTicket;
    for (let index = 0; index < issued.states.length; index++) {
      const state = issued.states[index] as SubjectState;
      const entry = issued.entries[index];
      if (entry !== undefined) state.resettle(entry, usage.tokens);
      state.rollOver(state.period, usage.now);
      state.reservedNanoUsd -= issued.reservedNanoUsd;
      state.spentNanoUsd += usage.costNanoUsd;
      state.requests++;
    }
    return Promise.resolve();
  }

  spend(subject: LimitSubject, now: number): Promise<SubjectSpend> {
    const state = this.stateOf(subject, now);
    return Promise.resolve({ requests: state.requests, costNanoUsd: state.spentNanoUsd });
  }

  restoreSpend(subject: LimitSubject, periodStart: number, spend: SubjectSpend): Promise<void> {
    const state = this.stateOf(subject, periodStart);
    state.rollOver(subject.budgetPeriod, periodStart);
    state.spentNanoUsd = spend.costNanoUsd;
    state.requests = spend.requests;
    return Promise.resolve();
  }
}

function refusalOf(subject: LimitSubject, state: SubjectState, request: AdmissionRequest): Admission | undefined {
  const now = request.now;
  if (tracksWindow(subject)) state.dropExpired(now);
  if (subject.rpm !== null && state.windowRequests >= subject.rpm) {
    const retryAfterMs = state.msUntilRequestRoom(subject.rpm, now);
    return { ok: false, code: 'rate_limited', subject, message: `${subject.label} allows ${subject.rpm} requests per minute and has used them; retry in ${Math.ceil(retryAfterMs / 1000)} s`, retryAfterMs };
  }
  if (subject.tpm !== null && state.tokensInWindow + request.tokens > subject.tpm) {
    if (request.tokens > subject.tpm) {
      return { ok: false, code: 'rate_limited', subject, message: `${subject.label} allows ${subject.tpm} tokens per minute, and this request may use up to ${request.tokens} (input estimate + max output tokens); lower max_tokens`, retryAfterMs: undefined };
    }
    const retryAfterMs = state.msUntilTokenRoom(subject.tpm, request.tokens, now);
    return { ok: false, code: 'rate_limited', subject, message: `${subject.label} allows ${subject.tpm} tokens per minute and has ${subject.tpm - state.tokensInWindow} left; this request may use up to ${request.tokens}; retry in ${Math.ceil(retryAfterMs / 1000)} s`, retryAfterMs };
  }
  if (subject.budgetNanoUsd !== null && state.spentNanoUsd + state.reservedNanoUsd >= subject.budgetNanoUsd) {
    const span = { start: state.periodStart, end: state.periodEnd };
    const retryAfterMs = Number.isFinite(state.periodEnd) ? state.periodEnd - now : undefined;
    const inFlight = state.reservedNanoUsd > 0 ? ` (${usd(state.reservedNanoUsd)} of it reserved by requests in flight)` : '';
    return { ok: false, code: 'budget_exceeded', subject, message: `the budget of ${subject.label} is spent: ${usd(state.spentNanoUsd + state.reservedNanoUsd)} of ${usd(subject.budgetNanoUsd)}${inFlight} for ${describePeriod(subject.budgetPeriod, span)}`, retryAfterMs };
  }
  return undefined;
}
