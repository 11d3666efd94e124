/**
 * Configuration of the provider simulator: what every key (or the defaults) should do.
 * Static types are inferred from the schemas; defaults are applied when a behaviour is
 * compiled (`behaviour.ts`), not by the schemas, so input and output types are the same.
 */
import { z } from 'zod';

const probability = z.number().min(0).max(1).optional();
const count = z.number().int().min(0).optional();
const nonNegativeMs = z.number().min(0);
const afterChunks = z.number().int().min(0);

const faultCommon = { probability, count };

export const faultSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('status'),
    status: z.number().int().min(400).max(599),
    retry_after_s: z.number().min(0).optional(),
    retry_after_ms: z.number().min(0).optional(),
    message: z.string().optional(),
    ...faultCommon,
  }),
  z.strictObject({ type: z.literal('hang'), ...faultCommon }),
  z.strictObject({ type: z.literal('reset'), ...faultCommon }),
  z.strictObject({ type: z.literal('slow_first_byte'), delay_ms: nonNegativeMs, ...faultCommon }),
  z.strictObject({ type: z.literal('cut_stream'), after_chunks: afterChunks, ...faultCommon }),
  z.strictObject({
    type: z.literal('error_event'),
    after_chunks: afterChunks,
    message: z.string().optional(),
    ...faultCommon,
  }),
  z.strictObject({ type: z.literal('stall'), after_chunks: afterChunks, ms: nonNegativeMs, ...faultCommon }),
]);

export const rateLimitSchema = z.strictObject({
  requests_per_minute: z.number().int().min(1).optional(),
  tokens_per_minute: z.number().int().min(1).optional(),
});

export const behaviourSchema = z.strictObject({
  latency_ms: nonNegativeMs.optional(),
  ttft_ms: nonNegativeMs.optional(),
  tokens_per_second: z.number().min(0).optional(),
  output_tokens: z.number().int().min(0).optional(),
  chunk_tokens: z.number().int().min(1).optional(),
  faults: z.array(faultSchema).optional(),
  rate_limit: rateLimitSchema.optional(),
});

export const simulatorOptionsSchema = z.strictObject({
  host: z.string().min(1).optional(),
  port: z.number().int().min(0).max(65535).optional(),
  defaults: behaviourSchema.optional(),
  keys: z.record(z.string(), behaviourSchema).optional(),
});

export type Fault = z.infer<typeof faultSchema>;
export type FaultType = Fault['type'];
export type RateLimit = z.infer<typeof rateLimitSchema>;
export type Behaviour = z.infer<typeof behaviourSchema>;
export type SimulatorOptions = z.infer<typeof simulatorOptionsSchema>;

/** Faults that only make sense inside a streamed response. */
export const STREAM_ONLY_FAULTS: ReadonlySet<FaultType> = new Set(['cut_stream', 'error_event', 'stall']);
