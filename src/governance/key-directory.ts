import type { OwnerKind, OwnerRecord, VirtualKeyRecord } from '../store/store.js';
import type { LimitSubject } from './limiter.js';

/** The virtual key a request authenticated with, and everything admission needs about it. */
export interface Principal {
  readonly keyId: string;
  readonly keyName: string;
  readonly teamId: string | null;
  readonly customerId: string | null;
  readonly models: ModelAllowList | undefined;
  readonly providers: ReadonlySet<string> | undefined;
  readonly expiresAt: number | null;
  readonly disabled: boolean;
  /** The key, then its team and customer when they exist: every one must have room. */
  readonly subjects: readonly LimitSubject[];
}

/** Model names a key may request: exact names, or `prefix*` patterns. */
export class ModelAllowList {
  private readonly exact: ReadonlySet<string>;
  private readonly prefixes: readonly string[];

  constructor(patterns: readonly string[]) {
    this.exact = new Set(patterns.filter((pattern) => !pattern.endsWith('*')));
    this.prefixes = patterns.filter((pattern) => pattern.endsWith('*')).map((pattern) => pattern.slice(0, -1));
  }

  allows(model: string): boolean {
    if (this.exact.has(model)) return true;
    for (const prefix of this.prefixes) if (model.startsWith(prefix)) return true;
    return false;
  }
}

export function subjectRef(kind: 'key' | OwnerKind, id: string): string {
  return `${kind}:${id}`;
}

const KIND_LABEL = { key: 'virtual key', team: 'team', customer: 'customer' } as const;

function subjectOf(kind: 'key' | OwnerKind, record: OwnerRecord | VirtualKeyRecord): LimitSubject {
  return Object.freeze({
    ref: subjectRef(kind, record.id),
    label: record.name === record.id ? `${KIND_LABEL[kind]} '${record.id}'` : `${KIND_LABEL[kind]} '${record.name}' (${record.id})`,
    rpm: record.rpm,
    tpm: record.tpm,
    budgetNanoUsd: record.budgetUsd === null ? null : Math.round(record.budgetUsd * 1e9),
    budgetPeriod: record.budgetPeriod,
  });
}

export interface DirectoryInput {
  keys: readonly VirtualKeyRecord[];
  teams: readonly OwnerRecord[];
  customers: readonly OwnerRecord[];
}

/**
 * An immutable snapshot of every virtual key, by hash, with its team and customer resolved.
 * Requests authenticate against it without touching the store; any change builds a new one.
 */
export class KeyDirectory {
  private readonly byHash = new Map<string, Principal>();
  private readonly subjects = new Map<string, LimitSubject>();
  /** Problems found while building, e.g. a key naming a team that does not exist. */
  readonly problems: string[] = [];

  constructor(input: DirectoryInput) {
    const teams = this.addOwners('team', input.teams);
    const customers = this.addOwners('customer', input.customers);
    for (const key of input.keys) {
      const subject = subjectOf('key', key);
      this.subjects.set(subject.ref, subject);
      const chain = [subject];
      const team = this.ownerSubject('team', key.teamId, teams, key);
      const customer = this.ownerSubject('customer', key.customerId, customers, key);
      if (team !== undefined) chain.push(team);
      if (customer !== undefined) chain.push(customer);
      this.byHash.set(
        key.keyHash,
        Object.freeze({
          keyId: key.id,
          keyName: key.name,
          teamId: key.teamId,
          customerId: key.customerId,
          models: key.models === null ? undefined : new ModelAllowList(key.models),
          providers: key.providers === null ? undefined : new Set(key.providers),
          expiresAt: key.expiresAt,
          disabled: key.disabled,
          subjects: Object.freeze(chain),
        }),
      );
    }
  }

  private addOwners(kind: OwnerKind, owners: readonly OwnerRecord[]): Map<string, LimitSubject> {
    const byId = new Map<string, LimitSubject>();
    for (const owner of owners) {
      const subject = subjectOf(kind, owner);
      byId.set(owner.id, subject);
      this.subjects.set(subject.ref, subject);
    }
    return byId;
  }

  private ownerSubject(kind: OwnerKind, id: string | null, owners: ReadonlyMap<string, LimitSubject>, key: VirtualKeyRecord): LimitSubject | undefined {
    if (id === null) return undefined;
    const subject = owners.get(id);
    if (subject === undefined) this.problems.push(`virtual key '${key.id}' names ${kind} '${id}', which does not exist: no ${kind} limits or budget apply to it`);
    return subject;
  }

  get size(): number {
    return this.byHash.size;
  }

  find(keyHash: string): Principal | undefined {
    return this.byHash.get(keyHash);
  }

  subject(kind: 'key' | OwnerKind, id: string): LimitSubject | undefined {
    return this.subjects.get(subjectRef(kind, id));
  }

  allSubjects(): IterableIterator<LimitSubject> {
    return this.subjects.values();
  }
}
