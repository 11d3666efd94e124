import { hashKey, visiblePrefix } from '../governance/key-secret.js';
import type { OwnerRecord, VirtualKeyRecord } from '../store/store.js';
import type { ConfigProblem } from './config-problem.js';
import type { OwnerConfig, VirtualKeyConfig } from './schema.js';

/** Virtual keys, teams and customers declared in the config file, in the store's record shape. */
export interface GovernanceEntities {
  readonly keys: readonly VirtualKeyRecord[];
  readonly teams: readonly OwnerRecord[];
  readonly customers: readonly OwnerRecord[];
}

interface AllowanceInput {
  limits?: { rpm?: number | undefined; tpm?: number | undefined } | undefined;
  budget?: { limit_usd: number; period?: VirtualKeyRecord['budgetPeriod'] | undefined } | undefined;
}

/** Limits and budget of a config entry (or an admin API body), every absent field null. */
export function allowanceOf(input: AllowanceInput) {
  return {
    rpm: input.limits?.rpm ?? null,
    tpm: input.limits?.tpm ?? null,
    budgetUsd: input.budget?.limit_usd ?? null,
    budgetPeriod: input.budget?.period ?? null,
  };
}

export function compileGovernanceEntities(config: { virtual_keys: readonly VirtualKeyConfig[]; teams: readonly OwnerConfig[]; customers: readonly OwnerConfig[] }, problems: ConfigProblem[]): GovernanceEntities {
  return {
    keys: compileKeys(config.virtual_keys, problems),
    teams: compileOwners(config.teams, 'teams', problems),
    customers: compileOwners(config.customers, 'customers', problems),
  };
}

function compileOwners(list: readonly OwnerConfig[], path: string, problems: ConfigProblem[]): OwnerRecord[] {
  const seen = new Set<string>();
  return list.map((owner, index) => {
    if (seen.has(owner.id)) problems.push({ path: `${path}[${index}].id`, message: `duplicate id '${owner.id}'` });
    seen.add(owner.id);
    return { id: owner.id, name: owner.name ?? owner.id, ...allowanceOf(owner), metadata: owner.metadata ?? {}, createdAt: 0, updatedAt: 0 };
  });
}

function compileKeys(list: readonly VirtualKeyConfig[], problems: ConfigProblem[]): VirtualKeyRecord[] {
  const ids = new Set<string>();
  const hashes = new Set<string>();
  return list.map((key, index) => {
    const keyHash = hashKey(key.key);
    // Derived from the key, so usage stays attached to it across restarts when no id is given.
    const id = key.id ?? `vk_cfg_${keyHash.slice(0, 12)}`;
    if (ids.has(id)) problems.push({ path: `virtual_keys[${index}].id`, message: `duplicate virtual key id '${id}'` });
    if (hashes.has(keyHash)) problems.push({ path: `virtual_keys[${index}].key`, message: 'the same key is declared twice' });
    ids.add(id);
    hashes.add(keyHash);
    return {
      id,
      name: key.name,
      keyHash,
      prefix: visiblePrefix(key.key),
      models: key.models ?? null,
      providers: key.providers ?? null,
      ...allowanceOf(key),
      teamId: key.team_id ?? null,
      customerId: key.customer_id ?? null,
      expiresAt: key.expires_at === undefined ? null : Date.parse(key.expires_at),
      disabled: key.disabled,
      metadata: key.metadata ?? {},
      createdAt: 0,
      updatedAt: 0,
    };
  });
}
