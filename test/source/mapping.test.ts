// The mapping (UPDATE conflag.recording_source SET ...): every refusal with its SQLSTATE and what the message names,
// and what a mapping does — the change-log triggers move with it (and back), incremental state of another table is
// forgotten, a trigger left on an unmapped table does nothing, a missing or disabled trigger makes incremental runs
// refuse (CF411) until conflag.install_change_log_triggers() puts it back, after which they read the table once.
import pg from 'pg';
import * as assert from 'uvu/assert';
import { migrate } from '../../src/db/migrate.ts';
import { executeRun } from '../../src/run/executeRun.ts';
import { closePools, databaseUrl, openPool } from '../lib/db.ts';
import { suite } from '../lib/suite.ts';
import { expectDatabaseError } from '../jobs/expectDatabaseError.ts';
import { insertJob, insertRecordings } from '../run/fixtures.ts';
import { createPlatformTable, insertCalls, mapConflagRecordings, mapPlatformTable, type PlatformTable } from './platformTable.ts';

const test = suite('source: mapping a recordings table');
test.after(closePools);
const pool = openPool();
let calls: PlatformTable;

const PLATFORM = {
  table_schema: 'platform', table_name: 'calls', key_columns: '{call_uuid}', tenant_column: 'customer_id', flag_column: 'is_confidential',
  changed_at_column: 'confidential_since', changed_by_run_column: 'confidential_by_run',
};

/** The documented UPDATE with the platform table's values, some replaced. */
function map(changes: Partial<Record<keyof typeof PLATFORM, string | null>> = {}) {
  const row = { ...PLATFORM, ...changes };
  const columns = Object.keys(row) as Array<keyof typeof row>;
  return pool.query(`UPDATE conflag.recording_source SET ${columns.map((c, i) => `${c} = $${i + 1}`).join(', ')}`, columns.map((c) => row[c]));
}

async function mappedTable(): Promise<string> {
  return (await pool.query(`SELECT format('%I.%I', table_schema, table_name) AS t FROM conflag.recording_source`)).rows[0].t;
}

/** conflag's change-log triggers: "name on table", sorted (clones on partitions included). */
async function changeLogTriggers(): Promise<string[]> {
  const { rows } = await pool.query<{ t: string }>(
    `SELECT t.tgname || ' on ' || t.tgrelid::regclass AS t FROM pg_trigger t
      WHERE t.tgfoid IN ('conflag.log_inserted_recordings()'::regprocedure, 'conflag.log_updated_recording()'::regprocedure,
                         'conflag.mark_routed_inserts()'::regprocedure, 'conflag.log_partition_insert()'::regprocedure)
      ORDER BY 1`);
  return rows.map((r) => r.t);
}

test.before(async () => {
  calls = await createPlatformTable(pool);
  await pool.query(`CREATE VIEW platform.calls_view AS SELECT * FROM platform.calls`);
  await pool.query(`ALTER TABLE platform.calls ADD COLUMN is_long boolean NOT NULL GENERATED ALWAYS AS (coalesce(length_seconds, 0) > 7200) STORED, ADD COLUMN reviewed boolean`);
  await createPlatformTable(pool, { table: 'calls_by_month', partitioned: true });
});

test('every refusal names the column, the value and the rule', async () => {
  const cases: Array<[Parameters<typeof map>[0], string, string[]]> = [
    [{ table_name: 'nope' }, 'CF401', ['table platform.nope does not exist']],
    [{ table_name: 'calls_view' }, 'CF406', ['platform.calls_view is a view']],
    [{ table_name: 'calls_by_month_2025_01', key_columns: '{call_uuid,began_at}' }, 'CF406', ['a partition of platform.calls_by_month (map platform.calls_by_month itself)']],
    [{ key_columns: '{nope}' }, 'CF401', ['key_columns: column nope does not exist in platform.calls']],
    [{ key_columns: '{mentions_card}' }, 'CF402', ['key column mentions_card of platform.calls has type boolean']],
    [{ key_columns: '{queue}' }, 'CF403', ['key column queue of platform.calls may be NULL']],
    [{ key_columns: '{customer_id}' }, 'CF403', ['{customer_id} of platform.calls is not known to be unique']],
    [{ key_columns: '{call_uuid,call_uuid}' }, 'CF403', ['is not a key: name 1 to 4 different columns']],
    [{ table_name: 'calls_by_month' }, 'CF403', ['{call_uuid} of platform.calls_by_month is not known to be unique']],
    [{ tenant_column: 'nope' }, 'CF404', ['tenant_column: column nope does not exist in platform.calls']],
    [{ tenant_column: 'call_uuid' }, 'CF404', ['tenant_column: column call_uuid already has another role']],
    [{ flag_column: null }, 'CF404', ['flag_column: NULL is not allowed']],
    [{ flag_column: 'queue' }, 'CF404', ['flag_column: column queue of platform.calls has type text; it must be boolean']],
    [{ flag_column: 'reviewed' }, 'CF404', ['flag_column: column reviewed of platform.calls may be NULL; the flag must be NOT NULL']],
    [{ flag_column: 'is_long' }, 'CF404', ['flag_column: column is_long of platform.calls is generated and cannot be written']],
    [{ changed_at_column: 'agent_id' }, 'CF404', ['changed_at_column: column agent_id of platform.calls has type text; it must be timestamp with time zone']],
    [{ changed_by_run_column: 'length_seconds' }, 'CF404', ['changed_by_run_column: column length_seconds of platform.calls has type integer; it must be bigint']],
    [{ changed_at_column: 'confidential_since', changed_by_run_column: 'confidential_since' }, 'CF404', ['changed_by_run_column: column confidential_since']],
  ];
  for (const [changes, code, includes] of cases) {
    await expectDatabaseError(() => map(changes), { code, includes }, JSON.stringify(changes));
  }
  assert.is(await mappedTable(), 'conflag.recordings', 'nothing was mapped');
});

test('the runner\'s grants (schema, table, each partition) and the tenants are checked; the error says what to run', async () => {
  await pool.query(`REVOKE UPDATE (is_confidential) ON platform.calls_by_month_2025_02 FROM conflag_runner`);
  const grants = await expectDatabaseError(() => map({ table_name: 'calls_by_month', key_columns: '{call_uuid,began_at}' }), {
    code: 'CF407', includes: ['conflag_runner may not read platform.calls_by_month_2025_02 or write its flag (is_confidential, confidential_since, confidential_by_run)'],
  });
  assert.match(grants.hint ?? '', 'GRANT SELECT, UPDATE (is_confidential, confidential_since, confidential_by_run) ON platform.calls_by_month_2025_02 TO conflag_runner;');
  await pool.query(`GRANT UPDATE (is_confidential) ON platform.calls_by_month_2025_02 TO conflag_runner`);
  await pool.query(`REVOKE USAGE ON SCHEMA platform FROM conflag_runner`);
  const schema = await expectDatabaseError(() => map(), { code: 'CF407', includes: ['may not read schema platform'] });
  assert.match(schema.hint ?? '', 'GRANT USAGE ON SCHEMA platform TO conflag_runner;');
  await pool.query(`GRANT USAGE ON SCHEMA platform TO conflag_runner`);

  await insertCalls(pool, calls, [{ customer: '404' }, { customer: '505' }, { customer: '101' }]);
  const tenants = await expectDatabaseError(() => map(), { code: 'CF405', includes: ['customer_id of platform.calls holds 2 tenants that conflag.tenants does not have: "404", "505"'] });
  assert.match(tenants.hint ?? '', 'INSERT INTO conflag.tenants (id) SELECT DISTINCT customer_id::text FROM platform.calls');
  await pool.query(`DELETE FROM platform.calls`);
  assert.is(await mappedTable(), 'conflag.recordings');
});

test('the one row stays: no delete, truncate or second row (CF410)', async () => {
  await expectDatabaseError(() => pool.query(`DELETE FROM conflag.recording_source`), { code: 'CF410', includes: ['cannot be removed'] });
  await expectDatabaseError(() => pool.query(`TRUNCATE conflag.recording_source`), { code: 'CF410', includes: ['cannot be removed'] });
  await expectDatabaseError(
    () => pool.query(`INSERT INTO conflag.recording_source (singleton, table_schema, table_name, key_columns, tenant_column, flag_column) VALUES (true, 'platform', 'calls', '{call_uuid}', 'customer_id', 'is_confidential')`),
    { code: 'CF410', includes: ['joined by another'] });
});

test('runs in progress and jobs whose facts the new table lacks refuse the mapping (CF408, CF409)', async () => {
  const direction = await insertJob(pool, { name: 'internal calls', condition: { all: [{ fact: 'direction', operator: 'equal', value: 'internal' }] } });
  await expectDatabaseError(() => map(), {
    code: 'CF409', includes: [`jobs would not run on platform.calls: job ${direction} "internal calls": jobs.condition: all[0].fact "direction" is not a known attribute`],
  });
  await pool.query(`DELETE FROM conflag.jobs`);
  const job = await insertJob(pool, { name: 'long calls', condition: { all: [{ fact: 'duration', operator: 'greaterThan', value: 7200 }] } });
  const { rows } = await pool.query(
    `INSERT INTO conflag.job_runs (job_id, job_name, trigger, as_of, timezone, mode, action, condition)
     SELECT id, name, 'manual', now(), 'UTC', mode, action, condition FROM conflag.jobs WHERE id = $1 RETURNING id`, [job]);
  await expectDatabaseError(() => map(), { code: 'CF408', includes: [`runs are in progress: run ${rows[0].id} of job "long calls"`] });
  await pool.query(`UPDATE conflag.job_runs SET status = 'succeeded', finished_at = now() WHERE id = $1`, [rows[0].id]);
  await pool.query(`DELETE FROM conflag.jobs`);
  assert.is(await mappedTable(), 'conflag.recordings');
});

test('mapping moves the change-log triggers, forgets the incremental state of the old table, and says so; un-mapping moves them back', async () => {
  await insertRecordings(pool, 3, { duration: () => 9000 });
  const job = await insertJob(pool, { name: 'long calls', condition: { all: [{ fact: 'duration', operator: 'greaterThan', value: 7200 }] }, mode: 'incremental' });
  await executeRun(pool, job, { trigger: 'manual' });
  const remembered = async () => (await pool.query(`SELECT count(*)::int AS n FROM conflag.job_processed_recordings`)).rows[0].n as number;
  assert.is(await remembered(), 3);
  assert.equal(await changeLogTriggers(), ['conflag_log_inserts on conflag.recordings', 'conflag_log_updates on conflag.recordings']);

  const client = new pg.Client({ connectionString: databaseUrl() });
  await client.connect();
  const notices: string[] = [];
  client.on('notice', (n) => notices.push(n.message ?? ''));
  try {
    await client.query(`UPDATE conflag.recording_source SET table_schema = 'platform', table_name = 'calls', key_columns = '{call_uuid}',
                          tenant_column = 'customer_id', flag_column = 'is_confidential', changed_at_column = NULL, changed_by_run_column = NULL`);
  } finally {
    await client.end();
  }
  assert.equal(notices, [
    'incremental jobs start over on platform.calls: 3 processed recordings of the previous table were forgotten',
    'change log: created trigger conflag_log_inserts on platform.calls',
    'change log: created trigger conflag_log_updates on platform.calls',
    'change log: dropped trigger conflag_log_inserts from conflag.recordings',
    'change log: dropped trigger conflag_log_updates from conflag.recordings',
    'row-level security: enabled row-level security on platform.calls',
    'row-level security: created policy recordings_everyone on platform.calls',
    'row-level security: created policy recordings_runner_scope on platform.calls',
  ]);
  assert.is(await remembered(), 0);
  assert.equal(await changeLogTriggers(), ['conflag_log_inserts on platform.calls', 'conflag_log_updates on platform.calls']);
  // The incremental job (duration is a fact of platform.calls too) runs on the new table, from a whole-table pass.
  await insertCalls(pool, calls, [{ length_seconds: 9000 }]);
  const first = await executeRun(pool, job, { trigger: 'manual' });
  assert.equal({ status: first.status, scan: first.scan, changed: first.changed }, { status: 'succeeded', scan: 'table', changed: 1 }, first.error);

  await mapPlatformTable(pool, { name: 'platform.calls_by_month', partitioned: true, keyColumns: ['call_uuid', 'began_at'] });
  assert.equal(await changeLogTriggers(), [
    'conflag_log_inserts on platform.calls_by_month',
    ...['', '_2025_01', '_2025_02', '_2025_03', '_2025_04'].map((p) => `conflag_log_partition_inserts on platform.calls_by_month${p}`),
    'conflag_log_routed_inserts on platform.calls_by_month',
    ...['', '_2025_01', '_2025_02', '_2025_03', '_2025_04'].map((p) => `conflag_log_updates on platform.calls_by_month${p}`),
  ]);
  await mapConflagRecordings(pool);
  assert.equal(await changeLogTriggers(), ['conflag_log_inserts on conflag.recordings', 'conflag_log_updates on conflag.recordings']);
  await pool.query(`DELETE FROM conflag.jobs`);
  await pool.query(`DELETE FROM platform.calls`);
});

test('a change-log trigger left on a table that is not mapped lets the platform write and logs nothing; install removes it', async () => {
  await pool.query(`CREATE TRIGGER stray_inserts AFTER INSERT ON platform.calls REFERENCING NEW TABLE AS inserted
                      FOR EACH STATEMENT EXECUTE FUNCTION conflag.log_inserted_recordings()`);
  await pool.query(`CREATE TRIGGER stray_updates BEFORE UPDATE ON platform.calls FOR EACH ROW EXECUTE FUNCTION conflag.log_updated_recording('is_confidential')`);
  const before = (await pool.query(`SELECT count(*)::int AS n FROM conflag.recording_changes`)).rows[0].n;
  const [uuid] = await insertCalls(pool, calls, [{ length_seconds: 60 }]);
  await pool.query(`UPDATE platform.calls SET queue = 'sales' WHERE call_uuid = $1`, [uuid]);
  assert.is((await pool.query(`SELECT count(*)::int AS n FROM conflag.recording_changes`)).rows[0].n, before, 'nothing logged for a table conflag does not use');
  const { rows } = await pool.query<{ line: string }>(`SELECT line FROM conflag.install_change_log_triggers() AS line`);
  assert.equal(rows.map((r) => r.line), ['dropped trigger stray_inserts from platform.calls', 'dropped trigger stray_updates from platform.calls']);
  assert.equal(await changeLogTriggers(), ['conflag_log_inserts on conflag.recordings', 'conflag_log_updates on conflag.recordings']);
  await pool.query(`DELETE FROM platform.calls`);
});

test('a disabled or missing change-log trigger: incremental runs refuse (CF411); after install they read the table once', async () => {
  await mapPlatformTable(pool, calls);
  await insertCalls(pool, calls, [{ length_seconds: 9000 }, { length_seconds: 60 }]);
  const job = await insertJob(pool, { name: 'long calls', condition: { all: [{ fact: 'duration', operator: 'greaterThan', value: 7200 }] }, mode: 'incremental' });
  await pool.query(`UPDATE conflag.jobs SET log_enabled = true WHERE id = $1`, [job]);
  const first = await executeRun(pool, job, { trigger: 'manual' });
  assert.is(first.status, 'succeeded', first.error);

  await pool.query(`ALTER TABLE platform.calls DISABLE TRIGGER conflag_log_inserts`);
  await insertCalls(pool, calls, [{ length_seconds: 9001 }]); // not logged: the trigger is off
  const refused = await executeRun(pool, job, { trigger: 'manual' });
  assert.is(refused.status, 'failed');
  assert.match(refused.error ?? '', 'incremental runs read the change log of platform.calls, which cannot be trusted: trigger conflag_log_inserts on platform.calls is disabled; run SELECT conflag.install_change_log_triggers()');
  assert.match(refused.error ?? '', '(SQLSTATE CF411)');
  const repaired = await pool.query<{ line: string }>(`SELECT line FROM conflag.install_change_log_triggers() AS line`);
  assert.equal(repaired.rows.map((r) => r.line), ['enabled trigger conflag_log_inserts on platform.calls']);
  assert.is((await pool.query(`SELECT conflag.change_log_problem() AS p`)).rows[0].p, null);

  const after = await executeRun(pool, job, { trigger: 'manual' });
  assert.equal({ status: after.status, scan: after.scan, changed: after.changed }, { status: 'succeeded', scan: 'table', changed: 1 }, 'the call inserted while the trigger was off is found');
  const reason = await pool.query(`SELECT details->>'reason' AS reason FROM conflag.job_run_log WHERE run_id = $1 AND event = 'scan_planned'`, [after.runId]);
  assert.is(reason.rows[0].reason, 'change_log_restarted');
  const next = await executeRun(pool, job, { trigger: 'manual' });
  assert.is(next.scan, 'changes', 'once: then the log is trusted again');

  await pool.query(`DROP TRIGGER conflag_log_updates ON platform.calls`);
  assert.is((await pool.query(`SELECT conflag.change_log_problem() AS p`)).rows[0].p, 'trigger conflag_log_updates on platform.calls is missing');
  assert.is((await executeRun(pool, job, { trigger: 'manual' })).status, 'failed');
  // conflag migrate puts it back too; a second migrate finds nothing to do.
  assert.equal((await migrate(databaseUrl())).changeLogTriggers, ['created trigger conflag_log_updates on platform.calls']);
  assert.equal((await migrate(databaseUrl())).changeLogTriggers, []);
  // A definition edited by hand is not conflag's: replaced.
  await pool.query(`COMMENT ON TRIGGER conflag_log_inserts ON platform.calls IS 'mine'`);
  assert.match((await pool.query(`SELECT conflag.change_log_problem() AS p`)).rows[0].p, 'trigger conflag_log_inserts on platform.calls is not conflag\'s current definition');
  assert.equal((await migrate(databaseUrl())).changeLogTriggers, ['replaced trigger conflag_log_inserts on platform.calls']);
  await pool.query(`DELETE FROM conflag.jobs`);
  await mapConflagRecordings(pool);
});

test.run();
