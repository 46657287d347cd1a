// What it costs to flag a platform's own table instead of conflag.recordings: the same demo recordings in
// conflag.recordings (bigint id) and in platform.calls (uuid key, every column renamed, the tenant under another
// name, is_confidential with audit columns of its own, the facts defined for it as a DBA would). On each table, with
// that table mapped (remapping is not timed), a run of the same job against ONE hand-written guarded UPDATE of the
// same table with the same compiled predicate — the baseline runBench.ts uses — measured interleaved, alternating
// order, medians: a first run (flags reset and table vacuumed before, about 1 % to set) and a re-run (nothing to
// change). The figure that matters is how the two tables' ratios compare; the seconds depend on the machine's load.
// Runs connect as the superuser, so row-level security is bypassed on both tables alike (see docs/own-table.md).
//   node bench/ownTableBench.ts               (embedded PostgreSQL in a temp folder; BENCH_ROWS, default 1 000 000)
//   DATABASE_URL=... node bench/ownTableBench.ts   (a database where we may create one: bench_conflag_own_table)
// Prints markdown tables for docs/own-table.md ("Speed"). Keep BENCH_ROWS <= 1-2M on shared machines.
import os from 'node:os';
import pg from 'pg';
import { sql } from 'kysely';
import { loadCatalog } from '../src/condition/loadCatalog.ts';
import { recordingsOfJob } from '../src/condition/recordingsOfJob.ts';
import { compileSql } from '../src/db/kysely.ts';
import { migrate } from '../src/db/migrate.ts';
import { executeRun } from '../src/run/executeRun.ts';
import { loadDemoRecordings, measure, openBenchDatabase } from './lib/benchDatabase.ts';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 5);
// About 1 % of demo recordings last longer than 4 hours (the condition of bench/runBench.ts).
const CONDITION = { all: [{ fact: 'duration', operator: 'greaterThan', value: 14400 }] };

interface Table { name: string; mapping: string; tenant: string; flag: string; changedAt: string; changedByRun: string }
const TABLES: Table[] = [
  { name: 'conflag.recordings', tenant: 'tenant_id', flag: 'confidential', changedAt: 'confidential_changed_at', changedByRun: 'confidential_changed_by_run',
    mapping: `table_schema = 'conflag', table_name = 'recordings', key_columns = '{id}', tenant_column = 'tenant_id', flag_column = 'confidential',
              changed_at_column = 'confidential_changed_at', changed_by_run_column = 'confidential_changed_by_run'` },
  { name: 'platform.calls', tenant: 'customer', flag: 'is_confidential', changedAt: 'flagged_at', changedByRun: 'flagged_by_run',
    mapping: `table_schema = 'platform', table_name = 'calls', key_columns = '{call_uuid}', tenant_column = 'customer', flag_column = 'is_confidential',
              changed_at_column = 'flagged_at', changed_by_run_column = 'flagged_by_run'` },
];
/** The columns of conflag.recordings under the platform's names (the key, flag and audit columns apart). */
const RENAMED: Array<[string, string]> = [['tenant_id', 'customer'], ['call_id', 'external_id'], ['started_at', 'began'], ['ended_at', 'finished'],
  ['duration', 'length_s'], ['direction', 'dir'], ['caller_number', 'from_number'], ['caller_name', 'from_name'], ['callee_number', 'to_number'],
  ['callee_name', 'to_name'], ['user_name', 'agent'], ['group_name', 'team'], ['tags', 'labels'], ['notes', 'remarks'], ['custom', 'payload']];

const { url, stop } = await openBenchDatabase('bench_conflag_own_table');
const pool = new pg.Pool({ connectionString: url, max: 3 });
// pool.end() resolves before its idle connections have closed; the embedded server's stop then terminates them.
pool.on('error', (error) => console.error(`pool: ${error.message}`));
try {
  await migrate(url);
  console.error(`loading ${ROWS} recordings into conflag.recordings and platform.calls ...`);
  await loadDemoRecordings(pool, ROWS);
  await createPlatformCopy();
  const jobId = (await pool.query(`INSERT INTO conflag.jobs (name, condition, action) VALUES ('bench', $1::jsonb, 'set') RETURNING id::text`,
    [JSON.stringify(CONDITION)])).rows[0].id as string;
  const updates = new Map<string, { sql: string; parameters: unknown[] }>();
  for (const table of TABLES) updates.set(table.name, await guardedUpdate(table));
  const matching = Number((await pool.query(`SELECT count(*) AS n FROM conflag.recordings WHERE duration > 14400`)).rows[0].n);

  const tableOf = (variant: string) => TABLES.find((t) => variant.startsWith(t.name))!;
  const mapTo = async (table: Table) => {
    const current = (await pool.query(`SELECT format('%s.%s', table_schema, table_name) AS t FROM conflag.recording_source`)).rows[0].t;
    if (current !== table.name) await pool.query(`UPDATE conflag.recording_source SET ${table.mapping}`);
  };
  const resetFlags = async (table: Table) => {
    await pool.query(`UPDATE ${table.name} SET ${table.flag} = false, ${table.changedAt} = NULL, ${table.changedByRun} = NULL WHERE ${table.flag}`);
    await pool.query(`TRUNCATE conflag.flag_history`);
    await pool.query(`VACUUM ${table.name}`);
  };
  const variants: Record<string, () => Promise<unknown>> = {};
  for (const table of TABLES) {
    const update = updates.get(table.name)!;
    variants[`${table.name}: one guarded UPDATE`] = () => pool.query(update.sql, update.parameters);
    variants[`${table.name}: executeRun (2 connections)`] = async () => {
      const result = await executeRun(pool, jobId, { trigger: 'manual' });
      if (result.status !== 'succeeded' || result.matched !== matching) throw new Error(`bench run ${result.status}, ${result.matched} matched: ${result.error}`);
    };
  }
  const first = await measure(variants, async (variant) => {
    await mapTo(tableOf(variant));
    await resetFlags(tableOf(variant));
  }, { repeat: REPEAT, alternate: true });
  const rerun = await measure(variants, (variant) => mapTo(tableOf(variant)), { repeat: REPEAT, alternate: true });

  const load = os.loadavg().map((l) => l.toFixed(1)).join(' / ');
  console.log(`\n${ROWS} recordings in each table, ${matching} matching (${((100 * matching) / ROWS).toFixed(2)} %); median of ${REPEAT}, interleaved, ` +
    `alternating order; PostgreSQL ${(await pool.query('SHOW server_version')).rows[0].server_version}, ${os.cpus().length} cores (shared; load average ${load} at the end)\n`);
  console.log(`| table | first run: UPDATE s | run s | ratio | re-run: UPDATE s | run s | ratio |\n|---|---:|---:|---:|---:|---:|---:|`);
  for (const table of TABLES) {
    const [u1, r1, u2, r2] = [first, first, rerun, rerun].map((m, i) => m[`${table.name}: ${i % 2 ? 'executeRun (2 connections)' : 'one guarded UPDATE'}`]);
    console.log(`| ${table.name} | ${u1.toFixed(2)} | ${r1.toFixed(2)} | ${(r1 / u1).toFixed(2)}× | ${u2.toFixed(2)} | ${r2.toFixed(2)} | ${(r2 / u2).toFixed(2)}× |`);
  }
} finally {
  await pool.end();
  await stop();
}

/** platform.calls: conflag.recordings' rows under other names with a uuid key, its facts, grants and tenants. */
async function createPlatformCopy(): Promise<void> {
  await pool.query(`CREATE SCHEMA platform`);
  await pool.query(`GRANT USAGE ON SCHEMA platform TO conflag_runner`);
  await pool.query(`CREATE TABLE platform.calls (call_uuid uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    customer text NOT NULL, external_id text, began timestamptz NOT NULL, finished timestamptz, length_s integer, dir text, from_number text,
    from_name text, to_number text, to_name text, agent text, team text, labels text[], remarks text, payload jsonb,
    is_confidential boolean NOT NULL DEFAULT false, flagged_at timestamptz, flagged_by_run bigint) WITH (fillfactor = 90)`);
  await pool.query(`CREATE INDEX ON platform.calls (customer)`);
  await pool.query(`CREATE INDEX ON platform.calls (began)`);
  await pool.query(`INSERT INTO platform.calls (${RENAMED.map((c) => c[1]).join(', ')})
                    SELECT ${RENAMED.map((c) => c[0]).join(', ')} FROM conflag.recordings ORDER BY id`);
  await pool.query(`GRANT SELECT, UPDATE (is_confidential, flagged_at, flagged_by_run) ON platform.calls TO conflag_runner`);
  // conflag.recordings' facts over the renamed columns: a plain column under its new name; an expression with each
  // column renamed (identifiers of conflag's own schema, so a plain textual replacement of r.<column> is exact here).
  const { rows } = await pool.query<{ name: string; type: string; expression: string; description: string }>(
    `SELECT name, type, expression, description FROM conflag.attributes WHERE (table_schema, table_name) = ('conflag', 'recordings') AND name <> 'id'`);
  for (const fact of rows) {
    const expression = RENAMED.reduce((e, [from, to]) => e.replace(new RegExp(`\\br\\.${from}\\b`, 'g'), `r.${to}`), fact.expression);
    await pool.query(`INSERT INTO conflag.attributes (table_schema, table_name, name, type, expression, description) VALUES ('platform', 'calls', $1, $2, $3, $4)`,
      [fact.name, fact.type, expression, fact.description]);
  }
  await pool.query(`VACUUM ANALYZE platform.calls`);
}

/** The hand-written baseline on `table`: one UPDATE with the job's predicate compiled over that table's facts. */
async function guardedUpdate(table: Table): Promise<{ sql: string; parameters: unknown[] }> {
  await pool.query(`UPDATE conflag.recording_source SET ${table.mapping}`);
  const catalog = await loadCatalog(pool);
  const predicate = recordingsOfJob({ access_scope: null, condition: CONDITION }, catalog, { timezone: 'UTC', asOf: new Date() }, { tenantColumn: table.tenant });
  const { sql: text, parameters } = compileSql(sql`UPDATE ${sql.raw(table.name)} r SET ${sql.raw(table.flag)} = true, ${sql.raw(table.changedAt)} = now(), ${sql.raw(table.changedByRun)} = 0
                        WHERE ${predicate} AND r.${sql.raw(table.flag)} IS DISTINCT FROM true`);
  return { sql: text, parameters: [...parameters] };
}
