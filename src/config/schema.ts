import { z } from 'zod';
import { adapterTypes, findAdapter } from '../providers/registry.js';
import { BUDGET_PERIODS } from '../store/store.js';
import { closestWord } from './config-problem.js';

/**
 * The config file's schema (SPEC section 2). Every object is strict: an unknown key is an
 * error with its path. Numbers and booleans also accept their string forms, because `${VAR}`
 * interpolation always produces strings.
 */

const numberish = z.preprocess((value) => (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value)) ? Number(value) : value), z.number());
const booleanish = z.preprocess((value) => (value === 'true' ? true : value === 'false' ? false : value), z.boolean());

const positiveInt = numberish.pipe(z.number().int().positive());
const nonNegativeInt = numberish.pipe(z.number().int().min(0));
const milliseconds = numberish.pipe(z.number().int().positive());

export const STRATEGIES = ['adaptive', 'weighted', 'round-robin', 'least-busy', 'lowest-latency', 'cost', 'priority', 'sticky'] as const;
export const strategySchema = z.enum(STRATEGIES);

export const idSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'must start with a letter or digit and use only letters, digits, . _ : -');

export const limitsSchema = z.strictObject({ rpm: positiveInt.optional(), tpm: positiveInt.optional() });

const keySchema = z.strictObject({
  id: idSchema,
  secret: z.string().optional(),
  weight: numberish.pipe(z.number().min(0, 'must be ≥ 0').finite()).default(1),
  models: z.array(z.string().min(1)).optional(),
  deny_models: z.array(z.string().min(1)).optional(),
  limits: limitsSchema.optional(),
  // AWS-style credentials (bedrock); accepted now so configs written for it validate.
  access_key_id: z.string().optional(),
  session_token: z.string().optional(),
  region: z.string().optional(),
});

export const timeoutsSchema = z.strictObject({
  connect_ms: milliseconds.default(5_000),
  first_byte_ms: milliseconds.default(30_000),
  idle_ms: milliseconds.default(60_000),
  total_ms: milliseconds.default(600_000),
});

export const retrySchema = z.strictObject({
  max_attempts: positiveInt.default(3),
  backoff_initial_ms: nonNegativeInt.default(200),
  backoff_max_ms: nonNegativeInt.default(5_000),
});

const providerSchema = z.strictObject({
  id: idSchema.refine((id) => !id.includes('/'), 'must not contain "/"'),
  type: z
    .string()
    .min(1)
    .superRefine((type, context) => {
      if (findAdapter(type) !== undefined) return;
      const suggestion = closestWord(type, adapterTypes());
      context.addIssue({ code: 'custom', message: `unknown provider type '${type}'${suggestion ? ` (did you mean '${suggestion}'?)` : ''}; known: ${adapterTypes().join(', ')}` });
    }),
  base_url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  keys: z.array(keySchema).default([]),
  /** Upstream models this provider serves, making their bare names routable. */
  models: z.array(z.string().min(1)).optional(),
  headers: z.record(z.string(), z.string()).optional(),
  timeouts: timeoutsSchema.partial().optional(),
  retry: retrySchema.partial().optional(),
  strategy: strategySchema.optional(),
});

const targetSchema = z.strictObject({
  provider: z.string().min(1),
  model: z.string().min(1),
  weight: numberish.pipe(z.number().min(0, 'must be ≥ 0').finite()).default(1),
  priority: nonNegativeInt.optional(),
});

/** When a fallback is used: after any retryable failure (`error`), or only after a specific kind of refusal. */
export const FALLBACK_TRIGGERS = ['error', 'context_window', 'content_policy'] as const;

const fallbackSchema = z.union([
  z.string().min(1),
  z.strictObject({ model: z.string().min(1), on: z.array(z.enum(FALLBACK_TRIGGERS)).min(1).default(['error']) }),
]);

const modelGroupSchema = z.strictObject({
  name: z.string().min(1),
  strategy: strategySchema.optional(),
  targets: z.array(targetSchema).min(1, 'needs at least one target'),
  fallbacks: z.array(fallbackSchema).default([]),
});

const circuitSchema = z.strictObject({
  consecutive_failures: positiveInt.default(5),
  error_rate: numberish.pipe(z.number().gt(0).max(1)).default(0.5),
  min_samples: positiveInt.default(10),
  degraded_error_rate: numberish.pipe(z.number().gt(0).max(1)).default(0.1),
  decay_ms: milliseconds.default(30_000),
  latency_decay_ms: milliseconds.default(3_000),
  cooldown_ms: milliseconds.default(5_000),
  max_cooldown_ms: milliseconds.default(300_000),
  probe_concurrency: positiveInt.default(1),
  recovery_successes: positiveInt.default(3),
});

const queueSchema = z.strictObject({
  /** How long a request may wait for a cooling target before 503 no_healthy_target. */
  max_wait_ms: nonNegativeInt.default(10_000),
  /** Requests waiting at once; beyond this, 503 at once. */
  max_size: nonNegativeInt.default(1_000),
});

const adaptiveSchema = z.strictObject({
  interval_ms: milliseconds.default(1_000),
  error_exponent: numberish.pipe(z.number().min(0)).default(2),
  latency_exponent: numberish.pipe(z.number().min(0)).default(2),
  load_exponent: numberish.pipe(z.number().min(0)).default(0.5),
  utilisation_threshold: numberish.pipe(z.number().min(0).lt(1)).default(0.8),
  weight_floor: numberish.pipe(z.number().gt(0).max(1)).default(0.02),
  recovery_ramp_ms: nonNegativeInt.default(15_000),
});

const routingSchema = z.strictObject({
  strategy: strategySchema.default('adaptive'),
  max_total_attempts: positiveInt.default(10),
  /** Deadline for a whole request across attempts and fallbacks (x-switchyard-timeout-ms overrides). */
  request_timeout_ms: milliseconds.default(600_000),
  circuit: circuitSchema.default(circuitSchema.parse({})),
  adaptive: adaptiveSchema.default(adaptiveSchema.parse({})),
  queue: queueSchema.default(queueSchema.parse({})),
});

const tlsSchema = z.strictObject({ cert: z.string().min(1), key: z.string().min(1) });

const serverSchema = z.strictObject({
  host: z.string().min(1).default('127.0.0.1'),
  port: numberish.pipe(z.number().int().min(0).max(65_535)).default(8080),
  max_body_bytes: positiveInt.default(10 * 1024 * 1024),
  /** How long a shutdown waits for in-flight requests and streams before closing them. */
  drain_timeout_ms: milliseconds.default(10_000),
  tls: tlsSchema.optional(),
});

export const budgetSchema = z.strictObject({
  limit_usd: numberish.pipe(z.number().min(0).finite()),
  /** Calendar period in UTC after which spend starts again from zero; omitted = lifetime. */
  period: z.enum(BUDGET_PERIODS).optional(),
});

export const isoTime = z.string().refine((value) => !Number.isNaN(Date.parse(value)), 'must be an ISO 8601 time, e.g. 2027-01-01T00:00:00Z');

const virtualKeySchema = z.strictObject({
  /** Stable id for usage and logs; derived from the key when omitted. */
  id: idSchema.optional(),
  name: z.string().min(1),
  key: z.string().regex(/^sk-sy-[A-Za-z0-9_-]{16,}$/, 'must be sk-sy- followed by at least 16 letters, digits, _ or -'),
  models: z.array(z.string().min(1)).optional(),
  providers: z.array(z.string().min(1)).optional(),
  limits: limitsSchema.optional(),
  budget: budgetSchema.optional(),
  team_id: z.string().min(1).optional(),
  customer_id: z.string().min(1).optional(),
  expires_at: isoTime.optional(),
  disabled: booleanish.default(false),
  metadata: z.record(z.string(), z.unknown()).optional(),
});

/** A team or customer declared in the config file. */
const ownerSchema = z.strictObject({
  id: idSchema,
  name: z.string().min(1).optional(),
  limits: limitsSchema.optional(),
  budget: budgetSchema.optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});

const priceSchema = z.strictObject({
  provider: z.string().min(1).optional(),
  model: z.string().min(1),
  input_per_mtok: numberish.pipe(z.number().min(0)),
  output_per_mtok: numberish.pipe(z.number().min(0)),
  cached_input_per_mtok: numberish.pipe(z.number().min(0)).optional(),
});

const requestLogSchema = z.strictObject({
  /** Write one row per data-plane request to the store. */
  enabled: booleanish.default(true),
  /** Rows older than this are deleted by an hourly cleanup; 0 keeps them forever. */
  retention_days: nonNegativeInt.default(30),
  /** Also keep request and response bodies (capped, secrets redacted). Off by default. */
  content: booleanish.default(false),
  /** Bytes kept of each body when `content` is on. */
  content_max_bytes: positiveInt.default(8_192),
  /** Rows waiting to be written; beyond it rows are dropped and counted, never waited for. */
  queue_size: positiveInt.default(10_000),
});

const observabilitySchema = z.strictObject({
  /** Serve Prometheus metrics at /metrics and count every request for them. */
  metrics: z.strictObject({ enabled: booleanish.default(true) }).default({ enabled: true }),
  request_log: requestLogSchema.default(requestLogSchema.parse({})),
});

export const configSchema = z.strictObject({
  server: serverSchema.default(serverSchema.parse({})),
  admin: z.strictObject({ token: z.string().min(16, 'must be at least 16 characters') }).optional(),
  store: z.string().min(1).default('sqlite:./data/switchyard.db'),
  cluster: z.strictObject({ redis: z.string().min(1) }).optional(),
  providers: z.array(providerSchema).default([]),
  models: z.array(modelGroupSchema).default([]),
  routing: routingSchema.default(routingSchema.parse({})),
  auth: z.strictObject({ required: booleanish.default(false) }).default({ required: false }),
  virtual_keys: z.array(virtualKeySchema).default([]),
  teams: z.array(ownerSchema).default([]),
  customers: z.array(ownerSchema).default([]),
  pricing: z.array(priceSchema).default([]),
  governance: z
    .strictObject({ default_max_output_tokens: positiveInt.default(1024) })
    .default({ default_max_output_tokens: 1024 }),
  observability: observabilitySchema.default(observabilitySchema.parse({})),
});

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
export type ProviderConfig = Config['providers'][number];
export type KeyConfig = ProviderConfig['keys'][number];
export type ModelGroupConfig = Config['models'][number];
export type VirtualKeyConfig = Config['virtual_keys'][number];
export type OwnerConfig = Config['teams'][number];
export type RequestLogConfig = Config['observability']['request_log'];
export type Strategy = z.infer<typeof strategySchema>;
export type FallbackConfig = z.output<typeof fallbackSchema>;
export type FallbackTrigger = (typeof FALLBACK_TRIGGERS)[number];
export type CircuitConfig = z.output<typeof circuitSchema>;
export type Timeouts = z.output<typeof timeoutsSchema>;
export type RetryPolicy = z.output<typeof retrySchema>;
