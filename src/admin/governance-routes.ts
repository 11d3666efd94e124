import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { allowanceOf } from '../config/compile-governance.js';
import { formatPath, problemsFromZod } from '../config/config-problem.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { Gateway } from '../gateway.js';
import { generateId, generateKey, hashKey, visiblePrefix } from '../governance/key-secret.js';
import type { SubjectSpend } from '../governance/limiter.js';
import type { Allowance, OwnerKind, OwnerRecord, VirtualKeyRecord } from '../store/store.js';
import { StoreConflictError } from '../store/store.js';
import { registerResource } from '../surfaces/register-endpoint.js';
import { requireAdmin } from './admin-auth.js';
import type { BudgetBody, LimitsBody, UpdateOwnerBody, UpdateVirtualKeyBody } from './admin-schemas.js';
import { createOwnerBody, createVirtualKeyBody, updateOwnerBody, updateVirtualKeyBody } from './admin-schemas.js';

/** Validates an admin request body; every problem is named with its field path. */
export function parseBody<Schema extends z.ZodType>(schema: Schema, body: unknown, what: string): z.output<Schema> {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) throw new GatewayError('invalid_request', `${what}: the body must be a JSON object`);
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const problems = problemsFromZod(result.error.issues, () => []);
  const first = result.error.issues[0];
  throw new GatewayError('invalid_request', `${what}: ${problems.map((problem) => `${problem.path}: ${problem.message}`).join('; ')}`, { param: first === undefined ? undefined : formatPath(first.path) });
}

const iso = (time: number | null) => (time === null ? null : new Date(time).toISOString());

function allowanceView(record: Allowance) {
  return {
    limits: { rpm: record.rpm, tpm: record.tpm },
    budget: record.budgetUsd === null ? null : { limit_usd: record.budgetUsd, period: record.budgetPeriod },
  };
}

function spendView(spend: SubjectSpend) {
  return { spend_usd: spend.costNanoUsd / 1e9, requests: spend.requests };
}

function keyView(record: VirtualKeyRecord, source: 'api' | 'config') {
  return {
    id: record.id,
    object: 'virtual_key',
    name: record.name,
    prefix: record.prefix,
    models: record.models,
    providers: record.providers,
    ...allowanceView(record),
    team_id: record.teamId,
    customer_id: record.customerId,
    expires_at: iso(record.expiresAt),
    disabled: record.disabled,
    metadata: record.metadata,
    source,
    created_at: iso(record.createdAt),
    updated_at: iso(record.updatedAt),
  };
}

function ownerView(kind: OwnerKind, record: OwnerRecord, source: 'api' | 'config') {
  return { id: record.id, object: kind, name: record.name, ...allowanceView(record), metadata: record.metadata, source, created_at: iso(record.createdAt), updated_at: iso(record.updatedAt) };
}

/** Applies an update's limits and budget fields over a stored allowance: absent keeps, null clears. */
function mergeAllowance(current: Allowance, limits: LimitsBody | undefined, budget: BudgetBody | null | undefined): Allowance {
  const merged = { ...current };
  if (limits?.rpm !== undefined) merged.rpm = limits.rpm;
  if (limits?.tpm !== undefined) merged.tpm = limits.tpm;
  if (budget === null) {
    merged.budgetUsd = null;
    merged.budgetPeriod = null;
  } else if (budget !== undefined) {
    merged.budgetUsd = budget.limit_usd;
    merged.budgetPeriod = budget.period ?? null;
  }
  return merged;
}

function withoutNulls(body: { limits?: LimitsBody | undefined; budget?: BudgetBody | null | undefined }) {
  return allowanceOf({
    limits: body.limits === undefined ? undefined : { rpm: body.limits.rpm ?? undefined, tpm: body.limits.tpm ?? undefined },
    budget: body.budget === null || body.budget === undefined ? undefined : { limit_usd: body.budget.limit_usd, period: body.budget.period ?? undefined },
  });
}

async function conflictsAsErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof StoreConflictError) throw new GatewayError('conflict', error.message, { cause: error });
    throw error;
  }
}

function idParameter(request: FastifyRequest): string {
  return (request.params as { id: string }).id;
}

const OWNER_PATHS = { team: 'teams', customer: 'customers' } as const;
const KIND_LABEL = { team: 'team', customer: 'customer' } as const;

/** CRUD for virtual keys, teams and customers under `/admin/v1/` (SPEC section 7). */
export function registerGovernanceRoutes(app: FastifyInstance, gateway: Gateway): void {
  const admin = (handler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>) => (request: FastifyRequest, reply: FastifyReply) => {
    requireAdmin(gateway, request);
    return handler(request, reply);
  };
  const keys = new VirtualKeyEndpoints(gateway);
  registerResource(app, '/admin/v1/virtual-keys', { GET: admin(() => keys.list()), POST: admin((request, reply) => keys.create(request, reply)) });
  registerResource(app, '/admin/v1/virtual-keys/:id', {
    GET: admin((request) => keys.get(idParameter(request))),
    PATCH: admin((request) => keys.update(idParameter(request), request.body)),
    DELETE: admin((request) => keys.remove(idParameter(request))),
  });
  for (const kind of ['team', 'customer'] as const) {
    const owners = new OwnerEndpoints(gateway, kind);
    const path = `/admin/v1/${OWNER_PATHS[kind]}`;
    registerResource(app, path, { GET: admin(() => owners.list()), POST: admin((request, reply) => owners.create(request, reply)) });
    registerResource(app, `${path}/:id`, {
      GET: admin((request) => owners.get(idParameter(request))),
      PATCH: admin((request) => owners.update(idParameter(request), request.body)),
      DELETE: admin((request) => owners.remove(idParameter(request))),
    });
  }
}

class VirtualKeyEndpoints {
  constructor(private readonly gateway: Gateway) {}

  private get governance() {
    return this.gateway.governance;
  }

  private configKey(id: string): VirtualKeyRecord | undefined {
    return this.gateway.config.governanceEntities.keys.find((key) => key.id === id);
  }

  private async withSpend(record: VirtualKeyRecord, source: 'api' | 'config') {
    return { ...keyView(record, source), ...spendView(await this.governance.spendOf('key', record.id)) };
  }

  async list() {
    const stored = await this.governance.store.listVirtualKeys();
    const data = [];
    for (const record of this.gateway.config.governanceEntities.keys) data.push(await this.withSpend(record, 'config'));
    for (const record of stored) data.push(await this.withSpend(record, 'api'));
    return { object: 'list', data };
  }

  async get(id: string) {
    const declared = this.configKey(id);
    if (declared !== undefined) return this.withSpend(declared, 'config');
    const record = await this.governance.store.getVirtualKey(id);
    if (record === undefined) throw new GatewayError('not_found', `no virtual key with id '${id}'`);
    return this.withSpend(record, 'api');
  }

  async create(request: FastifyRequest, reply: FastifyReply) {
    const body = parseBody(createVirtualKeyBody, request.body, 'virtual key');
    const id = body.id ?? generateId('vk');
    if (this.configKey(id) !== undefined) throw new GatewayError('conflict', `a virtual key with id '${id}' is declared in the config file`);
    const key = generateKey();
    const now = Date.now();
    const record: VirtualKeyRecord = {
      id,
      name: body.name,
      keyHash: hashKey(key),
      prefix: visiblePrefix(key),
      models: body.models ?? null,
      providers: body.providers ?? null,
      ...withoutNulls(body),
      teamId: body.team_id ?? null,
      customerId: body.customer_id ?? null,
      expiresAt: body.expires_at == null ? null : Date.parse(body.expires_at),
      disabled: body.disabled ?? false,
      metadata: body.metadata ?? {},
      createdAt: now,
      updatedAt: now,
    };
    await conflictsAsErrors(() => this.governance.store.createVirtualKey(record));
    await this.governance.refresh();
    await this.restoreSpend(id);
    void reply.code(201);
    return { ...keyView(record, 'api'), key, spend_usd: 0, requests: 0 };
  }

  async update(id: string, rawBody: unknown) {
    if (this.configKey(id) !== undefined) throw new GatewayError('conflict', `virtual key '${id}' is declared in the config file; change it there`);
    const body: UpdateVirtualKeyBody = parseBody(updateVirtualKeyBody, rawBody, 'virtual key update');
    const current = await this.governance.store.getVirtualKey(id);
    if (current === undefined) throw new GatewayError('not_found', `no virtual key with id '${id}'`);
    const record: VirtualKeyRecord = {
      ...current,
      ...mergeAllowance(current, body.limits, body.budget),
      name: body.name ?? current.name,
      models: body.models === undefined ? current.models : body.models,
      providers: body.providers === undefined ? current.providers : body.providers,
      teamId: body.team_id === undefined ? current.teamId : body.team_id,
      customerId: body.customer_id === undefined ? current.customerId : body.customer_id,
      expiresAt: body.expires_at === undefined ? current.expiresAt : body.expires_at === null ? null : Date.parse(body.expires_at),
      disabled: body.disabled ?? current.disabled,
      metadata: body.metadata ?? current.metadata,
      updatedAt: Date.now(),
    };
    await conflictsAsErrors(() => this.governance.store.updateVirtualKey(record));
    await this.governance.refresh();
    if (record.budgetPeriod !== current.budgetPeriod) await this.restoreSpend(id);
    return this.withSpend(record, 'api');
  }

  private async restoreSpend(id: string): Promise<void> {
    const subject = this.governance.subject('key', id);
    if (subject !== undefined) await this.governance.restoreSpend([subject]);
  }

  async remove(id: string) {
    if (this.configKey(id) !== undefined) throw new GatewayError('conflict', `virtual key '${id}' is declared in the config file; remove it there`);
    if (!(await this.governance.store.deleteVirtualKey(id))) throw new GatewayError('not_found', `no virtual key with id '${id}'`);
    await this.governance.refresh();
    return { id, object: 'virtual_key', deleted: true };
  }
}

class OwnerEndpoints {
  constructor(
    private readonly gateway: Gateway,
    private readonly kind: OwnerKind,
  ) {}

  private get governance() {
    return this.gateway.governance;
  }

  private declared(id: string): OwnerRecord | undefined {
    const entities = this.gateway.config.governanceEntities;
    return (this.kind === 'team' ? entities.teams : entities.customers).find((owner) => owner.id === id);
  }

  private async withSpend(record: OwnerRecord, source: 'api' | 'config') {
    return { ...ownerView(this.kind, record, source), ...spendView(await this.governance.spendOf(this.kind, record.id)) };
  }

  private missing(id: string): GatewayError {
    return new GatewayError('not_found', `no ${KIND_LABEL[this.kind]} with id '${id}'`);
  }

  async list() {
    const entities = this.gateway.config.governanceEntities;
    const data = [];
    for (const record of this.kind === 'team' ? entities.teams : entities.customers) data.push(await this.withSpend(record, 'config'));
    for (const record of await this.governance.store.listOwners(this.kind)) data.push(await this.withSpend(record, 'api'));
    return { object: 'list', data };
  }

  async get(id: string) {
    const declared = this.declared(id);
    if (declared !== undefined) return this.withSpend(declared, 'config');
    const record = await this.governance.store.getOwner(this.kind, id);
    if (record === undefined) throw this.missing(id);
    return this.withSpend(record, 'api');
  }

  async create(request: FastifyRequest, reply: FastifyReply) {
    const body = parseBody(createOwnerBody, request.body, KIND_LABEL[this.kind]);
    const id = body.id ?? generateId(this.kind === 'team' ? 'team' : 'cust');
    if (this.declared(id) !== undefined) throw new GatewayError('conflict', `a ${KIND_LABEL[this.kind]} with id '${id}' is declared in the config file`);
    const now = Date.now();
    const record: OwnerRecord = { id, name: body.name, ...withoutNulls(body), metadata: body.metadata ?? {}, createdAt: now, updatedAt: now };
    await conflictsAsErrors(() => this.governance.store.createOwner(this.kind, record));
    await this.governance.refresh();
    await this.restoreSpend(id);
    void reply.code(201);
    return { ...ownerView(this.kind, record, 'api'), spend_usd: 0, requests: 0 };
  }

  async update(id: string, rawBody: unknown) {
    if (this.declared(id) !== undefined) throw new GatewayError('conflict', `${KIND_LABEL[this.kind]} '${id}' is declared in the config file; change it there`);
    const body: UpdateOwnerBody = parseBody(updateOwnerBody, rawBody, `${KIND_LABEL[this.kind]} update`);
    const current = await this.governance.store.getOwner(this.kind, id);
    if (current === undefined) throw this.missing(id);
    const record: OwnerRecord = { ...current, ...mergeAllowance(current, body.limits, body.budget), name: body.name ?? current.name, metadata: body.metadata ?? current.metadata, updatedAt: Date.now() };
    await conflictsAsErrors(() => this.governance.store.updateOwner(this.kind, record));
    await this.governance.refresh();
    if (record.budgetPeriod !== current.budgetPeriod) await this.restoreSpend(id);
    return this.withSpend(record, 'api');
  }

  private async restoreSpend(id: string): Promise<void> {
    const subject = this.governance.subject(this.kind, id);
    if (subject !== undefined) await this.governance.restoreSpend([subject]);
  }

  async remove(id: string) {
    if (this.declared(id) !== undefined) throw new GatewayError('conflict', `${KIND_LABEL[this.kind]} '${id}' is declared in the config file; remove it there`);
    const deleted = await conflictsAsErrors(() => this.governance.store.deleteOwner(this.kind, id));
    if (!deleted) throw this.missing(id);
    await this.governance.refresh();
    return { id, object: this.kind, deleted: true };
  }
}
