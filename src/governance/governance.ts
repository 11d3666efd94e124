import type { IncomingHttpHeaders } from 'node:http';
import type { RuntimeConfig } from '../config/runtime-config.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { ChainLink } from '../pipeline/attempt-loop.js';
import type { RequestContext } from '../pipeline/request-context.js';
import type { Usage } from '../providers/chat-types.js';
import type { OwnerKind, Store } from '../store/store.js';
import type { Logger } from '../telemetry/logger.js';
import { GatewayMetrics } from '../telemetry/metrics.js';
import { modelLabel } from '../telemetry/request-metrics.js';
import { periodSpan } from './budget-period.js';
import { KEY_PREFIX, hashKey } from './key-secret.js';
import type { Principal } from './key-directory.js';
import { KeyDirectory } from './key-directory.js';
import type { Admission, Limiter, LimitSubject, SubjectSpend } from './limiter.js';
import { MemoryLimiter } from './memory-limiter.js';
import { costNanoUsd } from './price-table.js';
import { UsageRecorder } from './usage-recorder.js';

export interface GovernanceOptions {
  logger?: Logger | undefined;
  metrics?: GatewayMetrics | undefined;
  limiter?: Limiter | undefined;
}

const NO_USAGE: Usage = Object.freeze({ input_tokens: 0, output_tokens: 0, cached_input_tokens: 0, cache_write_input_tokens: 0 });

const MAX_MEMOISED_HASHES = 10_000;

/** Output characters per token when an interrupted stream has to be billed on what was relayed. */
const CHARS_PER_TOKEN = 4;

/**
 * Who may call the data plane and how much (SPEC section 7): authenticates virtual keys against
 * an in-memory directory, checks model and provider allow-lists, admits requests through the
 * limiter before they go upstream and settles them with real usage and cost after they end.
 * The store is only read when the directory is rebuilt, and only written by the usage recorder.
 */
export class Governance {
  private directory: KeyDirectory = new KeyDirectory({ keys: [], teams: [], customers: [] });
  readonly limiter: Limiter;
  readonly recorder: UsageRecorder;
  readonly metrics: GatewayMetrics;
  /** `provider/model` names already warned about having no price. */
  private readonly unpricedWarned = new Set<string>();
  private readonly logger: Logger | undefined;
  private readonly hashes = new Map<string, string>();

  private constructor(
    private config: RuntimeConfig,
    readonly store: Store,
    options: GovernanceOptions,
  ) {
    this.logger = options.logger;
    this.metrics = options.metrics ?? new GatewayMetrics({ processMetrics: false });
    this.limiter = options.limiter ?? new MemoryLimiter();
    this.recorder = new UsageRecorder(store, options.logger);
  }

  /** Loads keys, teams and customers and restores every budget's spend in its current period. */
  static async open(config: RuntimeConfig, store: Store, options: GovernanceOptions = {}): Promise<Governance> {
    const governance = new Governance(config, store, options);
    await governance.refresh();
    await governance.restoreSpend(governance.directory.allSubjects());
    return governance;
  }

  /** Uses a new config snapshot: its declared keys and prices replace the old ones. */
  async applyConfig(config: RuntimeConfig): Promise<void> {
    this.config = config;
    await this.refresh();
  }

  /** True when a data-plane request must carry a virtual key. */
  get authRequired(): boolean {
    return this.config.auth.required || this.directory.size > 0;
  }

  get keyCount(): number {
    return this.directory.size;
  }

  /** Rebuilds the key directory from the store and the config file (after any change). */
  async refresh(): Promise<void> {
    const [keys, teams, customers] = await Promise.all([this.store.listVirtualKeys(), this.store.listOwners('team'), this.store.listOwners('customer')]);
    const governance = this.config.governanceEntities;
    const directory = new KeyDirectory({ keys: [...governance.keys, ...keys], teams: [...governance.teams, ...teams], customers: [...governance.customers, ...customers] });
    // Each problem is said once, not again at every rebuild while it lasts.
    for (const problem of directory.problems) if (!this.directory.problems.includes(problem)) this.logger?.warn(problem);
    this.directory = directory;
  }

  /** Re-reads spend of the given subjects from the store (after their budget period changed). */
  async restoreSpend(subjects: Iterable<LimitSubject>): Promise<void> {
    await this.recorder.flush();
    const now = Date.now();
    for (const subject of subjects) {
      const [kind, id] = splitRef(subject.ref);
      const since = periodSpan(subject.budgetPeriod, now).start;
      const total = await this.store.spendSince(kind === 'key' ? 'virtual_key' : kind, id, since);
      await this.limiter.restoreSpend(subject, since, total);
    }
  }

  subject(kind: 'key' | OwnerKind, id: string): LimitSubject | undefined {
    return this.directory.subject(kind, id);
  }

  /** Current-period spend of a key, team or customer, including usage not yet written. */
  async spendOf(kind: 'key' | OwnerKind, id: string): Promise<SubjectSpend> {
    const subject = this.directory.subject(kind, id);
    if (subject === undefined) return { requests: 0, costNanoUsd: 0 };
    return this.limiter.spend(subject, Date.now());
  }

  /**
   * The principal a request authenticates as, or undefined while the gateway is open. Throws
   * `invalid_api_key` for a missing, unknown, disabled or expired key when one is required.
   */
  authenticate(headers: IncomingHttpHeaders, now: number): Principal | undefined {
    if (!this.authRequired) return undefined;
    const presented = presentedKey(headers);
    if (presented === undefined) {
      throw new GatewayError('invalid_api_key', 'this gateway needs a virtual key: send it as Authorization: Bearer sk-sy-…, x-api-key or x-goog-api-key');
    }
    if (!presented.startsWith(KEY_PREFIX)) throw new GatewayError('invalid_api_key', `the key sent is not a Switchyard virtual key (they start with ${KEY_PREFIX}); ask the gateway's operator for one`);
    const principal = this.directory.find(this.hashOf(presented));
    if (principal === undefined) throw new GatewayError('invalid_api_key', 'the virtual key sent is not known to this gateway (it may have been deleted)');
    if (principal.disabled) throw new GatewayError('invalid_api_key', `virtual key '${principal.keyId}' is disabled`);
    if (principal.expiresAt !== null && now >= principal.expiresAt) {
      throw new GatewayError('invalid_api_key', `virtual key '${principal.keyId}' expired at ${new Date(principal.expiresAt).toISOString()}`);
    }
    return principal;
  }

  /**
   * The key's SHA-256, memoised: a client sends the same key on every request, and hashing it
   * each time would be the largest cost of authentication. Bounded, so junk keys cannot grow it.
   */
  private hashOf(presented: string): string {
    let hash = this.hashes.get(presented);
    if (hash === undefined) {
      if (this.hashes.size >= MAX_MEMOISED_HASHES) this.hashes.clear();
      hash = hashKey(presented);
      this.hashes.set(presented, hash);
    }
    return hash;
  }

  /** Throws `model_not_allowed` when the key may not use the requested model or any provider of its route. */
  authorise(principal: Principal, requestedModel: string, chain: readonly ChainLink[], requestFallbacks: readonly string[] | undefined): void {
    const models = principal.models;
    if (models !== undefined) {
      const primary = chain[0] as ChainLink;
      if (!models.allows(requestedModel) && !models.allows(primary.route.name)) {
        throw new GatewayError('model_not_allowed', `virtual key '${principal.keyId}' may not use model '${requestedModel}'`, { param: 'model' });
      }
      requestFallbacks?.forEach((name, index) => {
        if (!models.allows(name)) throw new GatewayError('model_not_allowed', `virtual key '${principal.keyId}' may not use model '${name}'`, { param: `fallbacks[${index}]` });
      });
    }
    const providers = principal.providers;
    if (providers !== undefined && !chain.some((link) => link.route.targets.some((target) => providers.has(target.provider.id)))) {
      throw new GatewayError('model_not_allowed', `virtual key '${principal.keyId}' may only use providers ${[...providers].join(', ')}, and model '${requestedModel}' is served by none of them`, { param: 'model' });
    }
  }

  /**
   * Reserves the request on every limit and budget of the key's chain, before any upstream call.
   * Throws `rate_limited` or `budget_exceeded` (with Retry-After when a wait helps) — at once when
   * the limiter answers at once, else through the returned promise.
   */
  admit(context: RequestContext, principal: Principal, chain: readonly ChainLink[], maxOutputTokens: number | undefined): Promise<void> | undefined {
    const worstCase = this.worstCase(chain, context.estimatedInputTokens, maxOutputTokens);
    const admission = this.limiter.admit({ subjects: principal.subjects, tokens: worstCase.tokens, costNanoUsd: worstCase.costNanoUsd, now: Date.now() });
    if (admission instanceof Promise) return admission.then((answer) => this.applyAdmission(context, answer));
    this.applyAdmission(context, admission);
    return undefined;
  }

  private applyAdmission(context: RequestContext, admission: Admission): void {
    if (!admission.ok) {
      this.metrics.admissionRefusals.inc({ code: admission.code, subject: admission.subject.ref.slice(0, admission.subject.ref.indexOf(':')) });
      const headers = admission.retryAfterMs === undefined ? undefined : { 'retry-after': String(Math.max(1, Math.ceil(admission.retryAfterMs / 1000))) };
      throw new GatewayError(admission.code, admission.message, { headers });
    }
    context.ticket = admission.ticket;
  }

  /** The most a request may use and cost over every target it could be served by. */
  private worstCase(chain: readonly ChainLink[], inputTokens: number, maxOutputTokens: number | undefined): { tokens: number; costNanoUsd: number } {
    const defaultOutput = this.config.governance.default_max_output_tokens;
    let tokens = inputTokens + (maxOutputTokens ?? defaultOutput);
    let cost = 0;
    for (const link of chain) {
      for (const target of link.route.targets) {
        const price = target.price;
        if (price === undefined) continue;
        const cap = price.maxOutputTokens ?? Number.POSITIVE_INFINITY;
        const output = Math.min(maxOutputTokens ?? defaultOutput, cap);
        cost = Math.max(cost, costNanoUsd(price, { inputTokens, outputTokens: output, cachedInputTokens: 0 }));
        if (maxOutputTokens === undefined) tokens = Math.max(tokens, inputTokens + output);
      }
    }
    return { tokens, costNanoUsd: cost };
  }

  /** Settles a finished request: real cost on the limiter, a usage row for the store. */
  settle(context: RequestContext): void {
    const target = context.target;
    const usage = context.usage ?? (target !== undefined ? this.interruptedUsage(context) : NO_USAGE);
    const price = target?.price;
    const usageTokens = { inputTokens: usage.input_tokens, outputTokens: usage.output_tokens, cachedInputTokens: usage.cached_input_tokens };
    const cost = price === undefined ? 0 : costNanoUsd(price, usageTokens);
    context.costNanoUsd = cost;
    const now = Date.now();
    if (context.ticket !== undefined) void this.limiter.settle(context.ticket, { requests: target === undefined ? 0 : 1, tokens: usage.input_tokens + usage.output_tokens, costNanoUsd: cost, now });
    if (target === undefined) return;
    if (price === undefined && usage.input_tokens + usage.output_tokens > 0) this.countUnpriced(context.provider, context.model);
    const principal = context.principal;
    this.recorder.record({
      requestId: context.id,
      at: now,
      virtualKeyId: principal?.keyId ?? null,
      teamId: principal?.teamId ?? null,
      customerId: principal?.customerId ?? null,
      provider: context.provider,
      model: context.model,
      requests: 1,
      inputTokens: usageTokens.inputTokens,
      outputTokens: usageTokens.outputTokens,
      cachedInputTokens: usageTokens.cachedInputTokens,
      costNanoUsd: cost,
      priced: price !== undefined,
    });
  }

  /** What a request that ended without the upstream's usage is billed: its input, and what was relayed. */
  private interruptedUsage(context: RequestContext): Usage {
    if (context.streamedOutputChars === 0) return NO_USAGE;
    return { input_tokens: context.estimatedInputTokens, output_tokens: Math.ceil(context.streamedOutputChars / CHARS_PER_TOKEN), cached_input_tokens: 0, cache_write_input_tokens: 0 };
  }

  private countUnpriced(provider: string, model: string): void {
    this.metrics.unpricedRequests.inc({ provider, model: modelLabel(this.config, provider, model) });
    const name = `${provider}/${model}`;
    if (this.unpricedWarned.has(name)) return;
    this.unpricedWarned.add(name);
    this.logger?.warn({ provider, model }, `no price known for ${name}: its requests are counted with cost 0 — add it under pricing: in the config`);
  }

  async close(): Promise<void> {
    await this.recorder.close();
  }
}

function splitRef(ref: string): ['key' | OwnerKind, string] {
  const colon = ref.indexOf(':');
  return [ref.slice(0, colon) as 'key' | OwnerKind, ref.slice(colon + 1)];
}

/** The virtual key a request carries: the first header holding an sk-sy- key, else the first one sent. */
function presentedKey(headers: IncomingHttpHeaders): string | undefined {
  const authorization = headers.authorization;
  const bearer = typeof authorization === 'string' && /^bearer /i.test(authorization) ? authorization.slice(7).trim() : undefined;
  const apiKey = typeof headers['x-api-key'] === 'string' ? headers['x-api-key'].trim() : undefined;
  const googKey = typeof headers['x-goog-api-key'] === 'string' ? headers['x-goog-api-key'].trim() : undefined;
  for (const candidate of [bearer, apiKey, googKey]) if (candidate?.startsWith(KEY_PREFIX)) return candidate;
  return bearer || apiKey || googKey || undefined;
}

