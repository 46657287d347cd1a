// Every SQL block of docs/reporting.md runs as written (each in a transaction that is rolled back), against a
// database with the jobs, recordings and runs the page talks about; the "why is this call confidential?" query
// answers with the run and the job that set the flag (also once the run is pruned), and the per-job and per-day
// views count what the runs did.
import * as assert from 'uvu/assert';
import { executeRun } from '../../src/run/executeRun.ts';
import { closePools, openPool } from '../lib/db.ts';
import { markdownBlocks } from '../lib/markdownBlocks.ts';
import { suite } from '../lib/suite.ts';
import { insertJob, insertRecordings, longCalls, resetRunData } from './fixtures.ts';

const test = suite('run: docs/reporting.md');
test.after(closePools);
test.before(() => resetRunData(openPool()));

// The partition DDL replaces the recordings table; test/run/partitioned.test.ts runs it.
const blocks = markdownBlocks(new URL('../../docs/reporting.md', import.meta.url))
  .filter((b) => b.lang === 'sql' && !b.marker?.startsWith('<!-- partition-ddl'))
  .map((b) => b.body);

test('the page has SQL blocks to run', () => {
  assert.ok(blocks.length >= 8, `found ${blocks.length}`);
});

test('every SQL block runs as written', async () => {
  const pool = openPool();
  await insertRecordings(pool, 50, { duration: (i) => (i === 42 ? 9000 : i % 10 === 0 ? 9000 : 60) });
  const jobId = await insertJob(pool, { name: 'Flag long calls', condition: longCalls, mode: 'incremental' });
  await pool.query(`UPDATE conflag.jobs SET log_enabled = true WHERE id = $1`, [jobId]);
  await executeRun(pool, jobId, { trigger: 'manual' });
  await executeRun(pool, jobId, { trigger: 'schedule' });
  const client = await pool.connect();
  try {
    for (const block of blocks) {
      await client.query('BEGIN');
      try {
        await client.query(block);
      } catch (error) {
        assert.unreachable(`docs/reporting.md block failed: ${(error as Error).message}\n${block}`);
      } finally {
        await client.query('ROLLBACK');
      }
    }
  } finally {
    client.release();
  }
});

test('the detailed run log blocks read the logged runs', async () => {
  const pool = openPool();
  const latest = blocks.find((b) => b.includes('FROM conflag.job_run_log\n WHERE run_id = (SELECT max(id)'));
  assert.ok(latest, 'the page has the query');
  const { rows } = await pool.query(latest!.split(';')[0]);
  assert.equal(rows.map((r) => r.event), ['run_started', 'scan_planned', 'run_finished'], 'the second, incremental run found no changes: no batch');
  const applied = blocks.find((b) => b.includes("l.details->>'predicate' AS predicate"));
  const runs = await pool.query(applied!.split(';')[0]);
  assert.equal(runs.rows.map((r) => r.why), ['changes_since_last_run', 'no_snapshot']);
  assert.ok(runs.rows.every((r) => r.predicate.length > 0 && r.parameters.length > 0));
});

test('the per-job and per-day views answer with the runs above', async () => {
  const pool = openPool();
  const report = blocks.find((b) => b.includes('FROM conflag.job_report'));
  const { rows } = await pool.query(report!);
  assert.equal(rows.map((r) => [r.name, r.last_status, r.consecutive_failures, Number(r.changed_total)]), [['Flag long calls', 'succeeded', 0, 6]]);
  const daily = blocks.find((b) => b.includes('WHERE day > current_date - 7'));
  const client = await pool.connect();
  try {
    const results = await client.query(daily!);
    const perDay = (results as unknown as Array<{ rows: Array<Record<string, unknown>> }>)[1].rows;
    assert.equal(perDay.map((r) => [r.job_name, r.tenant_id, Number(r.runs), Number(r.flagged), Number(r.cleared)]), [['Flag long calls', 'default', 2, 6, 0]]);
  } finally {
    client.release();
  }
});

test('"why is this call confidential?" names the run and the job, also after the run is pruned and the job deleted', async () => {
  const pool = openPool();
  const why = blocks.find((b) => b.includes("r.call_id = 'call-42'"));
  assert.ok(why, 'the page has the query');
  const { rows } = await pool.query(why!);
  assert.is(rows.length, 1);
  assert.equal(
    { confidential: rows[0].confidential, new: rows[0].new_confidential, job_name: rows[0].job_name, job_name_now: rows[0].job_name_now, trigger: rows[0].trigger },
    { confidential: true, new: true, job_name: 'Flag long calls', job_name_now: 'Flag long calls', trigger: 'manual' },
  );
  assert.equal(rows[0].condition_applied, longCalls);
  const every = blocks.find((b) => b.includes("WHERE recording_key = (SELECT jsonb_build_array(id) FROM conflag.recordings WHERE call_id = 'call-42')"));
  assert.equal((await pool.query(every!)).rows.map((r) => [r.old_confidential, r.new_confidential, r.job_name]), [[false, true, 'Flag long calls']]);
  // After the job is deleted and its runs pruned the history still answers, with the name it had.
  await pool.query(`DELETE FROM conflag.jobs`);
  await pool.query(`SELECT conflag.prune_history(now() + interval '61 days')`);
  assert.is((await pool.query(`SELECT count(*)::int AS n FROM conflag.job_runs`)).rows[0].n, 0, 'the runs are gone');
  const after = await pool.query(why!);
  assert.equal(
    { job_name: after.rows[0].job_name, job_name_now: after.rows[0].job_name_now, new: after.rows[0].new_confidential, trigger: after.rows[0].trigger },
    { job_name: 'Flag long calls', job_name_now: null, new: true, trigger: null },
  );
});

test.run();
