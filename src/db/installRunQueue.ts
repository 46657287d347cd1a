// pg-boss is installed by `conflag migrate`, as the owner, like the rest of the schema: its schema (conflag_boss)
// at this pg-boss's version, the run queue, and exactly the rights a runner needs on it — so the service starts
// pg-boss with migrate: false (src/service/runQueue.ts) as a login holding only conflag_runner. pg-boss creates
// its tables and functions itself (its own migrations, under its own advisory lock); this module only starts it
// once with migrate: true, creates the queue when it is missing, and grants. The grants are given again on every
// migrate: a pg-boss upgrade or a new queue partition creates tables the runner must also reach.
import pg from 'pg';
import { getConstructionPlans, PgBoss } from 'pg-boss';
import type { Logger } from '../log.ts';
import { BOSS_SCHEMA, RUN_QUEUE, runQueueOptions } from '../service/runQueue.ts';
import { readRunnerConfig } from '../service/runnerConfig.ts';

/** pg-boss's schema version (the number its own migrations bring a schema to). */
export const BOSS_SCHEMA_VERSION = bossSchemaVersion();

function bossSchemaVersion(): number {
  const match = /INSERT INTO \S+\.version\s*\(\s*version\s*\)\s*VALUES\s*\(\s*'?(\d+)/i.exec(getConstructionPlans(BOSS_SCHEMA));
  if (!match) throw new Error('could not read pg-boss\'s schema version from its construction plans (pg-boss changed them?)');
  return Number(match[1]);
}

// What pg-boss does at run time: reads and writes its tables (jobs, queues, its instance registry, warnings),
// takes sequence values, calls its functions. No CREATE, no ownership: queues and partitions are made here.
const RUNNER_GRANTS = [
  `GRANT USAGE ON SCHEMA ${BOSS_SCHEMA} TO conflag_runner`,
  `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${BOSS_SCHEMA} TO conflag_runner`,
  `GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA ${BOSS_SCHEMA} TO conflag_runner`,
  `GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA ${BOSS_SCHEMA} TO conflag_runner`,
];

export interface RunQueueReport {
  /** Whether pg-boss had to be started (its schema or the queue was missing or behind). */
  installed: boolean;
}

export async function installRunQueue(databaseUrl: string, log?: Logger): Promise<RunQueueReport> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'conflag-migrate' });
  await client.connect();
  try {
    // Two migrations at once take turns (concurrent GRANTs on one object fail with "tuple concurrently updated").
    await client.query('BEGIN');
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('conflag'), hashtext('conflag.installRunQueue'))`);
    const installed = !(await runQueueCurrentOn(client));
    if (installed) await installBoss(databaseUrl, log);
    for (const statement of RUNNER_GRANTS) await client.query(statement);
    await client.query('COMMIT');
    return { installed };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    await client.end();
  }
}

/** Whether pg-boss's schema is at this pg-boss's version and has the run queue (catalog and SELECTs only). */
export async function runQueueCurrentOn(client: pg.ClientBase): Promise<boolean> {
  // pg_class rather than to_regclass: a login without USAGE on the schema must get "not current", not an error.
  const { rows } = await client.query<{ tables: boolean; usable: boolean }>(
    `SELECT count(*) FILTER (WHERE c.relname IN ('version', 'queue')) = 2 AS tables,
            has_schema_privilege($1, 'USAGE') AS usable
       FROM pg_namespace n LEFT JOIN pg_class c ON c.relnamespace = n.oid
      WHERE n.nspname = $1
      GROUP BY n.oid`,
    [BOSS_SCHEMA],
  );
  if (!rows[0]?.tables || !rows[0].usable) return false;
  const state = await client.query<{ version: number; queue: boolean }>(
    `SELECT (SELECT max(version) FROM ${BOSS_SCHEMA}.version)::int AS version,
            EXISTS (SELECT 1 FROM ${BOSS_SCHEMA}.queue WHERE name = $1) AS queue`,
    [RUN_QUEUE],
  );
  return state.rows[0].version === BOSS_SCHEMA_VERSION && state.rows[0].queue;
}

async function installBoss(databaseUrl: string, log?: Logger): Promise<void> {
  const boss = new PgBoss({
    connectionString: databaseUrl, schema: BOSS_SCHEMA, application_name: 'conflag-migrate', max: 2,
    migrate: true, schedule: false, supervise: false, useListenNotify: false,
  });
  boss.on('error', (error) => log?.warn({ err: error }, 'pg-boss error while installing'));
  await boss.start();
  try {
    if (!(await boss.getQueue(RUN_QUEUE))) {
      await boss.createQueue(RUN_QUEUE, runQueueOptions(readRunnerConfig({}))).catch(async (error: { code?: string }) => {
        // Two migrations at once: the other one created it.
        if (error.code !== '23505' || !(await boss.getQueue(RUN_QUEUE))) throw error;
      });
    }
  } finally {
    await boss.stop({ graceful: false });
  }
  log?.info({ schema: BOSS_SCHEMA, version: BOSS_SCHEMA_VERSION, queue: RUN_QUEUE }, 'pg-boss schema and run queue installed');
}
