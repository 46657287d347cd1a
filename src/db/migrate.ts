// `conflag migrate`: in ONE transaction under node-pg-migrate's advisory lock (concurrent starts wait for each
// other), first the versioned migrations of migrations/ (node-pg-migrate; tables, columns, indexes, grants on
// tables, data — run once, in order, never edited once landed), then the repeatable files of sql/ whose text
// changed (src/db/applySqlFiles.ts; every function, trigger and view, one object per file, as its only copy).
// Either everything is applied or nothing is. node-pg-migrate's own BEGIN/COMMIT become a savepoint inside ours
// (savepointClient), so it runs unchanged within the outer transaction. Last in it, conflag's change-log triggers are
// put on the mapped recordings table (conflag.install_change_log_triggers), and its row-level security for runs
// (conflag.install_run_scope_policies): they live on a table the DBA chooses, so they are not files of sql/; a new
// install gets them here, and an upgrade gets a changed definition. Then, after the transaction, pg-boss's schema,
// the run queue and the runner's rights on them (src/db/installRunQueue.ts).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { PG_MIGRATE_LOCK_ID, runner } from 'node-pg-migrate';
import type { Logger } from '../log.ts';
import { applySqlFiles, ensureSqlFilesTable, type SqlFilesReport } from './applySqlFiles.ts';
import { installRunQueue } from './installRunQueue.ts';
import { baselineLegacyDatabase } from './legacyBaseline.ts';
import { loadSqlFiles, SQL_DIR } from './sqlFiles.ts';

export const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'migrations');
const META_SCHEMA = 'conflag_meta';

export interface MigrateOptions {
  direction?: 'up' | 'down';
  count?: number;
  log?: Logger;
  /** Tests point these at copies. */
  migrationsDir?: string;
  sqlDir?: string;
}

export interface MigrateReport {
  /** Versioned migrations run (in the order run). */
  migrations: string[];
  /** Whether the rows of the migrations replaced by the baseline were replaced (an upgraded database). */
  baselined: boolean;
  sqlFiles: SqlFilesReport;
  /** What conflag.install_change_log_triggers() did (nothing when the triggers were in place). */
  changeLogTriggers: string[];
  /** What conflag.install_run_scope_policies() did (nothing when the policies were in place). */
  runScopePolicies: string[];
  /** Whether pg-boss's schema or the run queue had to be installed (up only; src/db/installRunQueue.ts). */
  runQueueInstalled: boolean;
}

export async function migrate(databaseUrl: string, options: MigrateOptions = {}): Promise<MigrateReport> {
  const direction = options.direction ?? 'up';
  // Read (and check) sql/ before touching the database: a broken file refuses the whole migration.
  const files = direction === 'up' ? loadSqlFiles(options.sqlDir ?? SQL_DIR) : [];
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'conflag-migrate' });
  await client.connect();
  let report: Omit<MigrateReport, 'runQueueInstalled'>;
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [PG_MIGRATE_LOCK_ID]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${META_SCHEMA}`);
    await ensureSqlFilesTable(client);
    const baselined = await baselineLegacyDatabase(client);
    const applied = await runner({
      dbClient: savepointClient(client),
      noLock: true,
      dir: options.migrationsDir ?? MIGRATIONS_DIR,
      direction,
      count: options.count ?? Infinity,
      migrationsTable: 'migrations',
      migrationsSchema: META_SCHEMA,
      createMigrationsSchema: true,
      checkOrder: true,
      singleTransaction: true,
      log: (message: string) => options.log?.debug({ migrate: message }, 'node-pg-migrate'),
    });
    let sqlFiles: SqlFilesReport = { applied: [], restored: [], dropped: [] };
    let changeLogTriggers: string[] = [];
    let runScopePolicies: string[] = [];
    if (direction === 'up') {
      sqlFiles = await applySqlFiles(client, files, options.log);
      changeLogTriggers = await installOnRecordingsTable(client, 'install_change_log_triggers', 'change-log trigger', options.log);
      runScopePolicies = await installOnRecordingsTable(client, 'install_run_scope_policies', 'run-scope policy', options.log);
    } else {
      // Down: routines are not versioned; whatever the migrations dropped is applied again by the next `up`.
      await client.query(`DELETE FROM ${META_SCHEMA}.sql_files WHERE to_regnamespace('conflag') IS NULL`);
    }
    await client.query('COMMIT');
    report = { migrations: applied.map((m) => m.name), baselined, sqlFiles, changeLogTriggers, runScopePolicies };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    await client.end().catch(() => {});
  }
  // After our transaction: pg-boss migrates its schema on its own connections, under its own lock.
  const runQueueInstalled = direction === 'up' ? (await installRunQueue(databaseUrl, options.log)).installed : false;
  return { ...report, runQueueInstalled };
}

/** Runs conflag.<installer>() (a fixed name, one of two) and logs each line it returns. */
async function installOnRecordingsTable(
  client: pg.Client, installer: 'install_change_log_triggers' | 'install_run_scope_policies', what: string, log?: Logger,
): Promise<string[]> {
  const { rows } = await client.query<{ line: string }>(`SELECT line FROM conflag.${installer}() AS line`);
  for (const { line } of rows) log?.info({ recordingsTable: line }, `${what} of the recordings table installed`);
  return rows.map((r) => r.line);
}

/**
 * node-pg-migrate's transaction statements as a savepoint of the caller's transaction. It uses nothing of an
 * external client but query() (its db wrapper checks for exactly that), hence the cast.
 */
function savepointClient(client: pg.Client): pg.ClientBase {
  const translated: Record<string, string> = {
    BEGIN: 'SAVEPOINT node_pg_migrate',
    COMMIT: 'RELEASE SAVEPOINT node_pg_migrate',
    ROLLBACK: 'ROLLBACK TO SAVEPOINT node_pg_migrate',
  };
  const query = (text: unknown, ...rest: unknown[]) =>
    (client.query as (...args: unknown[]) => unknown).call(client, typeof text === 'string' ? translated[text] ?? text : text, ...rest);
  return { query } as unknown as pg.ClientBase;
}
