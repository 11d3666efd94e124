import { CREATE_SCHEMA_MIGRATIONS, MIGRATIONS, type Migration } from './migrations.js';
import type { SqlDriver } from './sql-driver.js';
import type { MigrationReport } from './store.js';

/** Any fixed number works, as long as nothing else in the database takes this advisory lock: "Switch" in ASCII. */
const MIGRATION_LOCK_KEY = 0x53_77_69_74_63_68;

interface MigrationStep {
  applied: boolean;
  version: number;
}

/**
 * Applies the pending migrations in order, each in its own transaction together with its row in
 * schema_migrations. Each transaction first takes the migration lock, then reads which versions
 * are applied, so a process that waited for another one's migration does not apply it again.
 */
export async function runMigrations(driver: SqlDriver, migrations: readonly Migration[] = MIGRATIONS): Promise<MigrationReport> {
  const latestKnown = Math.max(0, ...migrations.map((migration) => migration.version));
  const report: MigrationReport = { applied: [], version: 0 };
  for (const migration of migrations) {
    const step = await driver.transaction((session) => applyWhenPending(session, migration, latestKnown));
    if (step.applied) report.applied.push(migration.name);
    report.version = step.version;
  }
  return report;
}

async function applyWhenPending(session: SqlDriver, migration: Migration, latestKnown: number): Promise<MigrationStep> {
  await takeMigrationLock(session);
  await session.run(CREATE_SCHEMA_MIGRATIONS);
  const applied = await appliedVersions(session);
  const current = Math.max(0, ...applied);
  if (current > latestKnown) {
    throw new Error(`database schema version ${current} is newer than this Switchyard (knows up to ${latestKnown}); upgrade Switchyard`);
  }
  if (applied.includes(migration.version)) return { applied: false, version: current };
  for (const statement of migration.sql) await session.run(statement);
  await session.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [migration.version, migration.name, Date.now()]);
  return { applied: true, version: Math.max(current, migration.version) };
}

async function takeMigrationLock(session: SqlDriver): Promise<void> {
  switch (session.dialect) {
    case 'postgres':
      await session.query('SELECT pg_advisory_xact_lock(?)', [MIGRATION_LOCK_KEY]);
      return;
    case 'sqlite':
      // The transaction began with BEGIN IMMEDIATE: it already holds the database's write lock.
      return;
  }
}

async function appliedVersions(session: SqlDriver): Promise<number[]> {
  const rows = await session.query<{ version: number }>('SELECT version FROM schema_migrations');
  return rows.map((row) => row.version);
}
