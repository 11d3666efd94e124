import { z } from 'zod';
import { idSchema, isoTime } from '../config/schema.js';
import { BUDGET_PERIODS, USAGE_GROUPS } from '../store/store.js';

/** Request bodies and query strings of the admin API; the OpenAPI document is generated from them. */

const limitsBody = z.strictObject({
  rpm: z.number().int().positive().nullable().optional().describe('requests admitted in any 60 s; null removes the limit'),
  tpm: z.number().int().positive().nullable().optional().describe('tokens (input + max output) admitted in any 60 s; null removes the limit'),
});

const budgetBody = z.strictObject({
  limit_usd: z.number().min(0).finite(),
  period: z.enum(BUDGET_PERIODS).nullable().optional().describe('calendar period in UTC after which spend restarts at zero; omitted or null: lifetime'),
});

const metadataBody = z.record(z.string(), z.unknown());
const nullableId = z.string().min(1).max(128).nullable().optional();
const nameList = z.array(z.string().min(1)).nullable().optional();

export const createVirtualKeyBody = z.strictObject({
  id: idSchema.optional().describe('generated (vk_…) when omitted'),
  name: z.string().min(1).max(200),
  models: nameList.describe('model names it may request; `prefix*` matches a prefix; null or omitted: any'),
  providers: nameList.describe('provider ids it may be served by; null or omitted: any'),
  limits: limitsBody.optional(),
  budget: budgetBody.nullable().optional(),
  team_id: nullableId,
  customer_id: nullableId,
  expires_at: isoTime.nullable().optional(),
  disabled: z.boolean().optional(),
  metadata: metadataBody.optional(),
});

export const updateVirtualKeyBody = createVirtualKeyBody.omit({ id: true }).partial();

export const createOwnerBody = z.strictObject({
  id: idSchema.optional().describe('generated when omitted'),
  name: z.string().min(1).max(200),
  limits: limitsBody.optional(),
  budget: budgetBody.nullable().optional(),
  metadata: metadataBody.optional(),
});

export const updateOwnerBody = createOwnerBody.omit({ id: true }).partial();

export const usageQuery = z.strictObject({
  group_by: z.enum(USAGE_GROUPS).default('virtual_key'),
  from: isoTime.optional().describe('inclusive; default: start of the current calendar month (UTC)'),
  to: isoTime.optional().describe('exclusive; default: start of the next calendar month (UTC)'),
});

export type CreateVirtualKeyBody = z.output<typeof createVirtualKeyBody>;
export type UpdateVirtualKeyBody = z.output<typeof updateVirtualKeyBody>;
export type CreateOwnerBody = z.output<typeof createOwnerBody>;
export type UpdateOwnerBody = z.output<typeof updateOwnerBody>;
export type LimitsBody = z.output<typeof limitsBody>;
export type BudgetBody = z.output<typeof budgetBody>;

const statusParameter = z.coerce.number().int().min(100).max(599);

export const logsQuery = z.strictObject({
  from: isoTime.optional().describe('inclusive'),
  to: isoTime.optional().describe('exclusive'),
  virtual_key_id: z.string().min(1).optional(),
  team_id: z.string().min(1).optional(),
  customer_id: z.string().min(1).optional(),
  model: z.string().min(1).optional().describe('the upstream model that served the request'),
  requested_model: z.string().min(1).optional().describe('the model name the client sent'),
  provider: z.string().min(1).optional(),
  status: statusParameter.optional(),
  error_code: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().min(1).optional().describe('next_cursor of the previous page'),
});
