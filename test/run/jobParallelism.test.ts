// Per-job parallelism (conflag.jobs.parallelism, migration 0011): the job's setting wins over the runner's default
// (CONFLAG_RUN_PARALLELISM, executeRun's defaultParallelism), `conflag run --parallel` / executeRun's parallelism wins
// over both; job_runs.parallelism and the run log's start entry say what the run asked for and who chose it, and a
// fewer_connections entry (migration 0012) what it got when the pool had fewer free.
import * as assert from 'uvu/assert';
import { main } from '../../src/cli/main.ts';
import { settingsList } from '../../src/pages/jobSettingsSection.ts';
import { executeRun } from '../../src/run/executeRun.ts';
import { readJobSettings } from '../../src/sql/readJobSettings.ts';
import { closePools, openPool } from '../lib/db.ts';
import { suite } from '../lib/suite.ts';
import { insertJob, insertRecordings, longCalls, resetRunData, runRow } from './fixtures.ts';

const test = suite('run: per-job parallelism');
test.after(closePools);
test.before.each(() => resetRunData(openPool()));

/** A logged job over 40 recordings, 10 to a block: with 1-block batches a run has 4 batches to share out. */
async function jobWith(parallelism: number | null): Promise<string> {
  const pool = openPool();
  await insertRecordings(pool, 40, { duration: (i) => (i % 4 === 0 ? 9000 : 60), perBlock: 10 });
  const id = await insertJob(pool, { name: `parallelism ${parallelism}`, condition: longCalls });
  await pool.query(`UPDATE conflag.jobs SET parallelism = $2, log_enabled = true WHERE id = $1::bigint`, [id, parallelism]);
  return id;
}

async function startEntry(runId: string): Promise<{ parallelism: number; parallelism_from: string; message: string }> {
  const { rows } = await openPool().query(
    `SELECT details->'parallelism' AS parallelism, details->>'parallelism_from' AS parallelism_from, message
       FROM conflag.job_run_log WHERE run_id = $1::bigint AND event = 'run_started'`, [runId]);
  return rows[0];
}

test('a job with parallelism 1 runs on one connection although the runner default is 3', async () => {
  const jobId = await jobWith(1);
  const result = await executeRun(openPool(), jobId, { trigger: 'schedule', defaultParallelism: 3, batchUnits: 1 });
  assert.is(result.status, 'succeeded', result.error);
  assert.is(result.changed, 10);
  assert.is((await runRow(openPool(), result.runId)).parallelism, 1);
  const entry = await startEntry(result.runId);
  assert.equal([entry.parallelism, entry.parallelism_from], [1, 'job']);
  assert.match(entry.message, '1 connection (job)');
});

test('a job without parallelism takes the runner default; the caller\'s parallelism overrides the job\'s', async () => {
  const jobId = await jobWith(null);
  const byRunner = await executeRun(openPool(), jobId, { trigger: 'schedule', defaultParallelism: 3, batchUnits: 1 });
  assert.is((await runRow(openPool(), byRunner.runId)).parallelism, 3);
  assert.is((await startEntry(byRunner.runId)).parallelism_from, 'runner default');
  const byDefault = await executeRun(openPool(), jobId, { trigger: 'manual', batchUnits: 1 });
  assert.is((await runRow(openPool(), byDefault.runId)).parallelism, 2, 'DEFAULT_PARALLELISM without a runner setting');
  await openPool().query(`UPDATE conflag.jobs SET parallelism = 4 WHERE id = $1::bigint`, [jobId]);
  const byOption = await executeRun(openPool(), jobId, { trigger: 'manual', parallelism: 1, defaultParallelism: 3, batchUnits: 1 });
  assert.is((await runRow(openPool(), byOption.runId)).parallelism, 1);
  assert.is((await startEntry(byOption.runId)).parallelism_from, 'run option');
});

test('a run that gets fewer connections than its parallelism says so in its own log, with what it got', async () => {
  const jobId = await jobWith(4);
  // A runner pool of 2 connections: the run's own and one more; the two others it asks for are not free.
  const result = await executeRun(openPool(undefined, { max: 2 }), jobId, { trigger: 'schedule', defaultParallelism: 1, batchUnits: 1 });
  assert.is(result.status, 'succeeded', result.error);
  assert.is(result.changed, 10);
  const { rows } = await openPool().query(
    `SELECT level, details, message FROM conflag.job_run_log WHERE run_id = $1::bigint AND event = 'fewer_connections'`, [result.runId]);
  assert.equal(rows.map((r) => [r.level, r.details]), [['warn', { parallelism: 4, parallelism_from: 'job', wanted: 4, connections: 2 }]]);
  assert.match(rows[0].message, 'working on 2 connections, not 4');

  // With enough connections free there is no such entry.
  const enough = await executeRun(openPool(undefined, { max: 5 }), jobId, { trigger: 'schedule', defaultParallelism: 1, batchUnits: 1 });
  const none = await openPool().query(`SELECT count(*)::int AS n FROM conflag.job_run_log WHERE run_id = $1::bigint AND event = 'fewer_connections'`, [enough.runId]);
  assert.is(none.rows[0].n, 0);
});

test('a run whose whole scan fits in one first batch asks for no second connection', async () => {
  const jobId = await jobWith(2);
  const fewer = async (runId: string) =>
    (await openPool().query(`SELECT count(*)::int AS n FROM conflag.job_run_log WHERE run_id = $1::bigint AND event = 'fewer_connections'`, [runId])).rows[0].n;
  // A pool of one connection: a run that asked for a second would wait for it and log fewer_connections.
  const small = await executeRun(openPool(undefined, { max: 1 }), jobId, { trigger: 'schedule' });
  assert.is(small.status, 'succeeded', small.error);
  assert.is(small.batches, 1, '4 blocks: one first batch');
  assert.is(await fewer(small.runId), 0, 'no second connection asked for');
  // The same 4 blocks in batches of 1: three more batches for a second connection, which this pool does not have.
  const split = await executeRun(openPool(undefined, { max: 1 }), jobId, { trigger: 'schedule', batchUnits: 1 });
  assert.is(split.status, 'succeeded', split.error);
  assert.is(await fewer(split.runId), 1);
});

test('conflag run uses the job\'s parallelism, and --parallel overrides it', async () => {
  const jobId = await jobWith(3);
  const quiet = { write: () => true } as unknown as NodeJS.WritableStream;
  assert.is(await main(['run', jobId, '--batch-blocks', '1'], { stdout: quiet, stderr: quiet }), 0);
  assert.is(await main(['run', jobId, '--batch-blocks', '1', '--parallel', '1'], { stdout: quiet, stderr: quiet }), 0);
  const { rows } = await openPool().query(`SELECT parallelism FROM conflag.job_runs WHERE job_id = $1::bigint ORDER BY id`, [jobId]);
  assert.equal(rows.map((r) => r.parallelism), [3, 1]);
});

test('a parallelism outside 1-16 is refused with the column, the value and what is allowed (CF009)', async () => {
  const jobId = await jobWith(null);
  for (const bad of [0, 17]) {
    const error = await openPool().query(`UPDATE conflag.jobs SET parallelism = $2 WHERE id = $1::bigint`, [jobId, bad]).then(
      () => undefined, (e: Error & { code?: string }) => e);
    assert.ok(error, `parallelism ${bad} was accepted`);
    assert.is(error.code, 'CF009');
    assert.match(error.message, `jobs.parallelism: ${bad} is not allowed; use a whole number of connections from 1 to 16, or NULL for the runner's CONFLAG_RUN_PARALLELISM`);
  }
  const { rows } = await openPool().query(`SELECT parallelism FROM conflag.jobs WHERE id = $1::bigint`, [jobId]);
  assert.is(rows[0].parallelism, null);
});

test('the job page shows the job\'s parallelism, or that the runner decides', async () => {
  const jobId = await jobWith(null);
  const shown = async () => String(await settingsList((await readJobSettings(openPool(), jobId))!, 'UTC'));
  assert.match(await shown(), '<dt>parallelism</dt><dd>the runner&#39;s default (CONFLAG_RUN_PARALLELISM, 2 unless set)</dd>');
  await openPool().query(`UPDATE conflag.jobs SET parallelism = 1 WHERE id = $1::bigint`, [jobId]);
  assert.match(await shown(), '<dt>parallelism</dt><dd>1 connection at once</dd>');
});

test.run();
