import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import { registerEndpoint } from '../surfaces/register-endpoint.js';
import { BUDGET_PERIODS } from '../store/store.js';
import { createOwnerBody, createVirtualKeyBody, logsQuery, updateOwnerBody, updateVirtualKeyBody, usageQuery } from './admin-schemas.js';

type JsonSchema = Record<string, unknown>;

const bodySchema = (schema: z.ZodType): JsonSchema => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return rest;
};

const nullable = (type: string): JsonSchema => ({ type: [type, 'null'] });
const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });

const allowanceProperties = {
  limits: { type: 'object', properties: { rpm: nullable('integer'), tpm: nullable('integer') } },
  budget: { oneOf: [{ type: 'null' }, { type: 'object', properties: { limit_usd: { type: 'number' }, period: { enum: [...BUDGET_PERIODS, null] } } }] },
  spend_usd: { type: 'number', description: 'spend in the current budget period (lifetime without one)' },
  requests: { type: 'integer', description: 'requests in the same period' },
  metadata: { type: 'object' },
  source: { enum: ['api', 'config'], description: 'config: declared in the config file, read-only here' },
  created_at: nullable('string'),
  updated_at: nullable('string'),
};

const virtualKeySchema: JsonSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    object: { const: 'virtual_key' },
    name: { type: 'string' },
    key: { type: 'string', description: 'the full key (sk-sy-…); only in the response to POST' },
    prefix: { type: 'string' },
    models: { type: ['array', 'null'], items: { type: 'string' } },
    providers: { type: ['array', 'null'], items: { type: 'string' } },
    team_id: nullable('string'),
    customer_id: nullable('string'),
    expires_at: nullable('string'),
    disabled: { type: 'boolean' },
    ...allowanceProperties,
  },
};

const ownerSchema = (kind: string): JsonSchema => ({ type: 'object', properties: { id: { type: 'string' }, object: { const: kind }, name: { type: 'string' }, ...allowanceProperties } });

const errorSchema: JsonSchema = {
  type: 'object',
  properties: { error: { type: 'object', properties: { message: { type: 'string' }, type: { type: 'string' }, code: { type: 'string' }, param: nullable('string') } } },
};

const errors = (...statuses: number[]) => Object.fromEntries(statuses.map((status) => [String(status), { description: 'error', content: { 'application/json': { schema: ref('Error') } } }]));
const json = (schema: JsonSchema, description = 'ok') => ({ description, content: { 'application/json': { schema } } });
const listOf = (item: string) => ({ type: 'object', properties: { object: { const: 'list' }, data: { type: 'array', items: ref(item) } } });
const idPath = [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }];

function crudPaths(path: string, item: string, create: z.ZodType, update: z.ZodType, what: string) {
  return {
    [path]: {
      get: { summary: `List ${what}s`, responses: { 200: json(listOf(item)), ...errors(401) } },
      post: { summary: `Create a ${what}`, requestBody: { required: true, content: { 'application/json': { schema: bodySchema(create) } } }, responses: { 201: json(ref(item), 'created'), ...errors(400, 401, 409) } },
    },
    [`${path}/{id}`]: {
      parameters: idPath,
      get: { summary: `Get a ${what} with its current spend`, responses: { 200: json(ref(item)), ...errors(401, 404) } },
      patch: { summary: `Change a ${what}; absent fields stay, null clears`, requestBody: { required: true, content: { 'application/json': { schema: bodySchema(update) } } }, responses: { 200: json(ref(item)), ...errors(400, 401, 404, 409) } },
      delete: { summary: `Delete a ${what}`, responses: { 200: json({ type: 'object', properties: { id: { type: 'string' }, deleted: { const: true } } }), ...errors(401, 404, 409) } },
    },
  };
}

function queryParameters(query: z.ZodType) {
  const schema = bodySchema(query) as { properties: Record<string, JsonSchema> };
  return Object.entries(schema.properties).map(([name, property]) => ({ name, in: 'query', required: false, schema: property }));
}

let document: string | undefined;

/** The admin API's OpenAPI 3.1 document, generated from the same schemas that validate requests. */
export function adminOpenApiDocument(): string {
  document ??= JSON.stringify({
    openapi: '3.1.0',
    info: { title: 'Switchyard admin API', version: '1', description: 'Every endpoint but this document needs Authorization: Bearer <admin.token>.' },
    components: {
      securitySchemes: { adminToken: { type: 'http', scheme: 'bearer' } },
      schemas: { VirtualKey: virtualKeySchema, Team: ownerSchema('team'), Customer: ownerSchema('customer'), Error: errorSchema },
    },
    security: [{ adminToken: [] }],
    paths: {
      ...crudPaths('/admin/v1/virtual-keys', 'VirtualKey', createVirtualKeyBody, updateVirtualKeyBody, 'virtual key'),
      ...crudPaths('/admin/v1/teams', 'Team', createOwnerBody, updateOwnerBody, 'team'),
      ...crudPaths('/admin/v1/customers', 'Customer', createOwnerBody, updateOwnerBody, 'customer'),
      '/admin/v1/usage': {
        get: {
          summary: 'Requests, tokens and cost per virtual key, team, customer, model or provider over a time range',
          parameters: queryParameters(usageQuery),
          responses: { 200: json({ type: 'object', properties: { group_by: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, rows: { type: 'array', items: { type: 'object' } } } }), ...errors(400, 401) },
        },
      },
      '/admin/v1/logs': {
        get: {
          summary: 'The request log, newest first: filters combine; pass next_cursor back for the next page',
          parameters: queryParameters(logsQuery),
          responses: { 200: json({ type: 'object', properties: { data: { type: 'array', items: { type: 'object' } }, next_cursor: nullable('string') } }), ...errors(400, 401, 404) },
        },
      },
      '/admin/v1/routes': { get: { summary: 'Every target and key with its health state, weight, error rate, latency, quota and reason', responses: { 200: json({ type: 'object' }), ...errors(401) } } },
      '/admin/v1/openapi.json': { get: { summary: 'This document', security: [], responses: { 200: json({ type: 'object' }) } } },
    },
  });
  return document;
}

export function registerOpenApiRoute(app: FastifyInstance): void {
  registerEndpoint(app, 'GET', '/admin/v1/openapi.json', (_request, reply) => reply.type('application/json').send(adminOpenApiDocument()));
}
