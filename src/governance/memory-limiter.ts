import type { BudgetPeriod } from '../store/store.js';
import { describePeriod, periodSpan } from './budget-period.js';
import type { Admission, AdmissionRequest, AdmissionTicket, Limiter, LimitSubject, SettledUsage, SubjectSpend } from './limiter.js';

const WINDOW_MS = 60_000;

/**
 * A subject's sliding window: when each admitted request was admitted and its tokens, oldest
 * first, in a ring of typed arrays addressed by an ever-growing sequence number. Typed arrays,
 * not an object per request, because a busy key keeps hundreds of thousands of requests in its
 * window and the garbage collector would have to walk every one of them.
 */
class WindowLog {
  private times = new Float64Array(64);
  private tokens = new Float64Array(64);
  private mask = 63;
  /** Sequence number of the oldest request still in the window. */
  oldest = 0;
  /** Sequence number the next request gets. */
  next = 0;
  tokensInWindow = 0;

  get size(): number {
    return this.next - this.oldest;
  }

  timeOf(sequence: number): number {
    return this.times[sequence & this.mask] as number;
  }

  tokensOf(sequence: number): number {
    return this.tokens[sequence & this.mask] as number;
  }

  push(at: number, tokens: number): number {
    if (this.size > this.mask) this.grow();
    const sequence = this.next++;
    this.times[sequence & this.mask] = at;
    this.tokens[sequence & this.mask] = tokens;
    this.tokensInWindow += tokens;
    return sequence;
  }

  dropUntil(cutoff: number): void {
    while (this.oldest < this.next && this.timeOf(this.oldest) <= cutoff) {
      this.tokensInWindow -= this.tokensOf(this.oldest);
      this.oldest++;
    }
  }

  /** Replaces a request's reserved tokens with its real count, if it is still in the window. */
  resettle(sequence: number, tokens: number): void {
    if (sequence < this.oldest) return;
    this.tokensInWindow += tokens - this.tokensOf(sequence);
    this.tokens[sequence & this.mask] = tokens;
  }

  private grow(): void {
    const capacity = (this.mask + 1) * 2;
    const times = new Float64Array(capacity);
    const tokens = new Float64Array(capacity);
    for (let sequence = this.oldest; sequence < this.next; sequence++) {
      times[sequence & (capacity - 1)] = this.timeOf(sequence);
      tokens[sequence & (capacity - 1)] = this.tokensOf(sequence);
    }
    this.times = times;
    this.tokens = tokens;
    this.mask = capacity - 1;
  }
}

/** Everything the limiter knows about one key, team or customer. */
class SubjectState {
  readonly window = new WindowLog();
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

  /** Milliseconds until the window has room for one more request. */
  msUntilRequestRoom(rpm: number, now: number): number {
    return this.window.timeOf(this.window.next - rpm) + WINDOW_MS - now;
  }

  /** Milliseconds until enough tokens have left the window for `tokens` more. */
  msUntilTokenRoom(tpm: number, tokens: number, now: number): number {
    const window = this.window;
    let inWindow = window.tokensInWindow;
    for (let sequence = window.oldest; sequence < window.next; sequence++) {
      inWindow -= window.tokensOf(sequence);
      if (inWindow + tokens <= tpm) return window.timeOf(sequence) + WINDOW_MS - now;
    }
    return WINDOW_MS;
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

/** No window entry: the subject has no RPM or TPM limit. */
const UNTRACKED = -1;

class MemoryTicket implements AdmissionTicket {
  constructor(
    readonly subjects: readonly LimitSubject[],
    readonly states: readonly SubjectState[],
    /** Each subject's window sequence number for this request, or UNTRACKED. */
    readonly sequences: readonly number[],
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
    const sequences: number[] = [];
    for (let index = 0; index < subjects.length; index++) {
      const state = states[index] as SubjectState;
      sequences.push(tracksWindow(subjects[index] as LimitSubject) ? state.window.push(now, tokens) : UNTRACKED);
      state.reservedNanoUsd += request.costNanoUsd;
    }
    return { ok: true, ticket: new MemoryTicket(subjects, states, sequences, request.costNanoUsd) };
  }

  settle(ticket: AdmissionTicket, usage: SettledUsage): Promise<void> {
    const issued = ticket as MemoryTicket;
    for (let index = 0; index < issued.states.length; index++) {
      const state = issued.states[index] as SubjectState;
      const sequence = issued.sequences[index] as number;
      if (sequence !== UNTRACKED) state.window.resettle(sequence, usage.tokens);
      state.rollOver(state.period, usage.now);
      state.reservedNanoUsd -= issued.reservedNanoUsd;
      state.spentNanoUsd += usage.costNanoUsd;
      state.requests += usage.requests;
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
  const window = state.window;
  if (tracksWindow(subject)) window.dropUntil(now - WINDOW_MS);
  if (subject.rpm !== null && window.size >= subject.rpm) {
    const retryAfterMs = state.msUntilRequestRoom(subject.rpm, now);
    return { ok: false, code: 'rate_limited', subject, message: `${subject.label} allows ${subject.rpm} requests per minute and has used them; retry in ${Math.ceil(retryAfterMs / 1000)} s`, retryAfterMs };
  }
  if (subject.tpm !== null && window.tokensInWindow + request.tokens > subject.tpm) {
    if (request.tokens > subject.tpm) {
      return { ok: false, code: 'rate_limited', subject, message: `${subject.label} allows ${subject.tpm} tokens per minute, and this request may use up to ${request.tokens} (input estimate + max output tokens); lower max_tokens`, retryAfterMs: undefined };
    }
    const retryAfterMs = state.msUntilTokenRoom(subject.tpm, request.tokens, now);
    return { ok: false, code: 'rate_limited', subject, message: `${subject.label} allows ${subject.tpm} tokens per minute and has ${subject.tpm - window.tokensInWindow} left; this request may use up to ${request.tokens}; retry in ${Math.ceil(retryAfterMs / 1000)} s`, retryAfterMs };
  }
  if (subject.budgetNanoUsd !== null && state.spentNanoUsd + state.reservedNanoUsd >= subject.budgetNanoUsd) {
    const span = { start: state.periodStart, end: state.periodEnd };
    const retryAfterMs = Number.isFinite(state.periodEnd) ? state.periodEnd - now : undefined;
    const inFlight = state.reservedNanoUsd > 0 ? ` (${usd(state.reservedNanoUsd)} of it reserved by requests in flight)` : '';
    return { ok: false, code: 'budget_exceeded', subject, message: `the budget of ${subject.label} is spent: ${usd(state.spentNanoUsd + state.reservedNanoUsd)} of ${usd(subject.budgetNanoUsd)}${inFlight} for ${describePeriod(subject.budgetPeriod, span)}`, retryAfterMs };
  }
  return undefined;
}
