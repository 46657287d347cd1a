// Shared by commands: open the configured database (embedded or DATABASE_URL), make sure it is at this conflag's
// version, run, close. A database that is current is left alone — no DDL at all, so the service and the one-off
// commands work as a login holding only conflag_runner. One that is behind is migrated when the login may do that
// (the schema owner, or the embedded superuser); otherwise the command stops and says what to run, as whom.
import { readConfig } from '../config.ts';
import { ConflagError, SQLSTATE } from '../errors.ts';
import { migrate } from '../db/migrate.ts';
import { schemaStatus } from '../db/schemaStatus.ts';
import { openDatabase, type Database } from '../db/openDatabase.ts';
import type { Logger } from '../log.ts';

export async function withDatabase<T>(
  work: (db: Database, log: Logger) => Promise<T>,
  options: { log: Logger; migrate?: boolean; reuseRunning?: boolean },
): Promise<T> {
  const { log } = options;
  const db = await openDatabase(readConfig(), log, { reuseRunning: options.reuseRunning ?? true });
  try {
    if (options.migrate !== false) await bringUpToDate(db, log);
    return await work(db, log);
  } finally {
    await db.close();
  }
}

async function bringUpToDate(db: Database, log: Logger): Promise<void> {
  const status = await schemaStatus(db.url).catch((error: { code?: string }) => {
    // No SELECT on conflag_meta: a database from before migration 0005, or a login outside conflag's roles.
    if (error.code === '42501') return { pending: ['(unknown: this login may not read conflag_meta)'] };
    throw error;
  });
  if (status.pending.length === 0) return;
  try {
    const { migrations, baselined, sqlFiles } = await migrate(db.url, { log });
    if (baselined) log.info('database upgraded from the migrations before the baseline (0001_baseline)');
    if (migrations.length) log.info({ applied: migrations }, 'migrations applied');
    if (sqlFiles.applied.length || sqlFiles.restored.length || sqlFiles.dropped.length) log.info(sqlFiles, 'sql/ files applied');
  } catch (error) {
    if ((error as { code?: string }).code !== '42501') throw error;
    const shown = status.pending.length > 8 ? [...status.pending.slice(0, 8), `and ${status.pending.length - 8} more`] : status.pending;
    throw new ConflagError(
      SQLSTATE.schemaNotCurrent,
      `the database is not at this conflag's version, and this login (${db.where}) may not change its schema: ` +
        `${shown.join(', ')} ${status.pending.length === 1 ? 'is' : 'are'} pending. Run "npx conflag migrate" as the owner of ` +
        `schema conflag (for example DATABASE_URL=postgres://<owner>@<host>/<database> npx conflag migrate), then start again. ` +
        `See "Roles and deployment" in docs/operations.md.`,
      { cause: error },
    );
  }
}
