// Every SQL block of docs/reporting.md runs as written (each in a transaction that is rolled back), against a
// database with the jobs, recordings and runs the page talks about; the "why is this call confidential?" query
// answers with the run and the job that set the flag.
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

test('"why is this call confidential?" names the run and the job', async () => {
  const pool = openPool();
  const why = blocks.find((b) => b.includes("r.call_id = 'call-42'"));
  assert.ok(why, 'the page has the query');
  const { rows } = await pool.query(why!);
  assert.is(rows.length, 1);
  assert.equal(
    { confidential: rows[0].confidential, action: rows[0].action, job_name: rows[0].job_name, job_name_now: rows[0].job_name_now, trigger: rows[0].trigger },
    { confidential: true, action: 'set', job_name: 'Flag long calls', job_name_now: 'Flag long calls', trigger: 'manual' },
  );
  assert.equal(rows[0].condition_applied, longCalls);
  // After the job is deleted the history still answers, with the name it had.
  await pool.query(`DELETE FROM conflag.jobs`);
  const after = await pool.query(why!);
  assert.equal({ job_name: after.rows[0].job_name, job_name_now: after.rows[0].job_name_now }, { job_name: 'Flag long calls', job_name_now: null });
});

test.run();
