// The retention rule at its boundary, with a fixed reference time: successful and skipped runs are kept for the
// job's keep_history_days, failed and aborted runs for settings.keep_failed_runs_days (or keep_history_days when
// longer); a run that finished exactly at the cut-off is kept, one a millisecond earlier is deleted. What pruning
// removes is added to job_pruned_totals, so lifetime totals do not shrink.
import * as assert from 'uvu/assert';
import { closePools, openPool } from '../lib/db.ts';
import { suite } from '../lib/suite.ts';
import { insertJob, longCalls, resetRunData } from './fixtures.ts';

const test = suite('run: retention');
test.after(closePools);
test.before.each(async () => {
  const pool = openPool();
  await resetRunData(pool);
  await pool.query(`UPDATE conflag.settings SET keep_failed_runs_days = 30`);
});

const NOW = '2026-06-01T12:00:00Z';

/** A finished run that ended `age` before NOW (a PostgreSQL interval), changing `changed` recordings. */
async function runEnded(jobId: string | null, status: string, age: string, changed = 0): Promise<string> {
  const { rows } = await openPool().query<{ id: string }>(
    `INSERT INTO conflag.job_runs (job_id, job_name, trigger, status, started_at, finished_at, heartbeat_at, as_of, timezone, mode, action, condition, changed, error)
     SELECT $1::bigint, 'past', 'schedule', $2, t - interval '1 minute', t, t, t, 'UTC', 'full', 'set', '{"all": []}', $4,
            CASE WHEN $2 IN ('failed', 'aborted') THEN 'boom' END
       FROM (SELECT $5::timestamptz - $3::interval AS t) x
     RETURNING id::text`,
    [jobId, status, age, changed, NOW],
  );
  return rows[0].id;
}

async function prune(): Promise<number> {
  return (await openPool().query<{ n: number }>(`SELECT conflag.prune_history($1) AS n`, [NOW])).rows[0].n;
}

async function runIds(): Promise<string[]> {
  return (await openPool().query(`SELECT id::text FROM conflag.job_runs ORDER BY id`)).rows.map((r) => r.id);
}

test('successful, stopped and skipped runs: kept exactly keep_history_days, deleted a millisecond later', async () => {
  const jobId = await insertJob(openPool(), { name: 'ten days', condition: longCalls, keep_history_days: 10 });
  const justOut = await runEnded(jobId, 'succeeded', '10 days 0.001 seconds', 5);
  const atCutoff = await runEnded(jobId, 'succeeded', '10 days', 7);
  const skippedOut = await runEnded(jobId, 'skipped', '10 days 0.001 seconds');
  const skippedIn = await runEnded(jobId, 'skipped', '10 days');
  const stoppedOut = await runEnded(jobId, 'stopped', '10 days 0.001 seconds');
  const stoppedIn = await runEnded(jobId, 'stopped', '10 days');
  const newest = await runEnded(jobId, 'succeeded', '1 day', 11);
  assert.is(await prune(), 3);
  assert.equal(await runIds(), [atCutoff, skippedIn, stoppedIn, newest]);
  const left = await runIds();
  for (const id of [justOut, skippedOut, stoppedOut]) assert.not.ok(left.includes(id), `run ${id} is deleted`);
  assert.is(await prune(), 0, 'a second call finds nothing more');
});

test('failed and aborted runs: kept keep_failed_runs_days, or keep_history_days when that is longer', async () => {
  const short = await insertJob(openPool(), { name: 'short history', condition: longCalls, keep_history_days: 10 });
  const long = await insertJob(openPool(), { name: 'long history', condition: longCalls, keep_history_days: 40 });
  const failedOut = await runEnded(short, 'failed', '30 days 0.001 seconds');
  const failedAtCutoff = await runEnded(short, 'failed', '30 days');
  const abortedOut = await runEnded(short, 'aborted', '30 days 0.001 seconds');
  const abortedIn = await runEnded(short, 'aborted', '20 days');
  const succeededOut = await runEnded(short, 'succeeded', '20 days');
  await runEnded(short, 'succeeded', '1 day');
  const longFailedIn = await runEnded(long, 'failed', '35 days');
  const longFailedOut = await runEnded(long, 'failed', '40 days 0.001 seconds');
  await runEnded(long, 'succeeded', '1 day');
  assert.is(await prune(), 4);
  const left = await runIds();
  for (const id of [failedAtCutoff, abortedIn, longFailedIn]) assert.ok(left.includes(id), `run ${id} is kept`);
  for (const id of [failedOut, abortedOut, succeededOut, longFailedOut]) assert.not.ok(left.includes(id), `run ${id} is deleted`);

  // The setting moves the boundary: 20 days now, so the 20-day-old abort is exactly at it and kept.
  await openPool().query(`UPDATE conflag.settings SET keep_failed_runs_days = 20`);
  assert.is(await prune(), 1, 'only the 30-day-old failure goes');
  assert.ok((await runIds()).includes(abortedIn));
  assert.not.ok((await runIds()).includes(failedAtCutoff));
});

test('pruned runs keep counting in the lifetime totals of job_report', async () => {
  const jobId = await insertJob(openPool(), { name: 'totals', condition: longCalls, keep_history_days: 10 });
  await runEnded(jobId, 'succeeded', '50 days', 100);
  await runEnded(jobId, 'succeeded', '40 days', 20);
  await runEnded(jobId, 'failed', '45 days', 3);
  await runEnded(jobId, 'succeeded', '2 days', 1);
  const totals = async () =>
    (await openPool().query(`SELECT runs_total::int, changed_total::int FROM conflag.job_report WHERE job_id = $1`, [jobId])).rows[0];
  assert.equal(await totals(), { runs_total: 4, changed_total: 124 });
  assert.is(await prune(), 3);
  assert.equal(await runIds(), [(await runIds())[0]], 'one run left');
  assert.equal(await totals(), { runs_total: 4, changed_total: 124 }, 'the same totals after pruning');
  const pruned = await openPool().query(`SELECT runs::int, changed::int FROM conflag.job_pruned_totals WHERE job_id = $1`, [jobId]);
  assert.equal(pruned.rows[0], { runs: 3, changed: 123 });
});

test.run();
