// Databases migrated before the baseline (migrations 0001_foundation ... 0007_run_log, replaced by
// migrations/0001_baseline.sql) hold exactly the baseline's tables: their migration rows are replaced by the
// baseline's, so node-pg-migrate sees it as applied, and sql/ then brings every routine, trigger and view to the
// current text. Flyway calls this "baselining". A database holding only some of those migrations was made by
// a build older than the last one before the baseline; it is refused with what to do instead of being guessed at.
import type pg from 'pg';

export const BASELINE = '0001_baseline';

export const LEGACY_MIGRATIONS = [
  '0001_foundation', '0002_catalog_and_jobs', '0003_jobs', '0004_runs', '0005_runner', '0006_notifications', '0007_run_log',
];

export class LegacyDatabaseError extends Error {
  override name = 'LegacyDatabaseError';
}

/** Inside the migration's transaction and lock. Returns true when the rows were replaced. */
export async function baselineLegacyDatabase(client: pg.ClientBase): Promise<boolean> {
  const table = await client.query(`SELECT to_regclass('conflag_meta.migrations') IS NOT NULL AS present`);
  if (!table.rows[0].present) return false;
  const { rows } = await client.query<{ name: string; run_on: Date }>('SELECT name, run_on FROM conflag_meta.migrations ORDER BY id');
  const legacy = rows.filter((r) => LEGACY_MIGRATIONS.includes(r.name));
  if (legacy.length === 0) return false;
  if (legacy.length !== LEGACY_MIGRATIONS.length || rows.some((r) => r.name === BASELINE)) {
    throw new LegacyDatabaseError(
      `this database was migrated by an unreleased conflag build (migrations: ${rows.map((r) => r.name).join(', ')}); ` +
        `it can be upgraded only from all of ${LEGACY_MIGRATIONS.join(', ')}. Migrate it with that build first ` +
        `(git commit 3e8dd49), or start from an empty database.`,
    );
  }
  const runOn = legacy[legacy.length - 1].run_on;
  await client.query('DELETE FROM conflag_meta.migrations WHERE name = ANY ($1::text[])', [LEGACY_MIGRATIONS]);
  await client.query('INSERT INTO conflag_meta.migrations (name, run_on) VALUES ($1, $2)', [BASELINE, runOn]);
  return true;
}
