// A real runner keeps conflict detection current by itself: after a DBA inserts two fighting jobs, the runner
// compiles their predicates (NOTIFY), so conflag.job_conflicts counts what both select without anyone else doing
// anything; runs it executes count their flip-flops in /metrics (conflag_recordings_flip_flopped_total); and a
// precedence the DBA inserts reaches the loser's stored predicate within seconds, which ends the conflict.
import * as assert from 'uvu/assert';
import { closePools } from '../lib/db.ts';
import { suite } from '../lib/suite.ts';
import { db, insertJob, insertRecordings, runsOf, startTestService, stopAll, waitFor } from './helpers.ts';

const test = suite('runner: conflicts between set and clear jobs');
test.after(async () => {
  await stopAll();
  await closePools();
});

async function conflicts(): Promise<Array<{ common_recordings: string | null; problem: string | null }>> {
  return (await db().query('SELECT common_recordings, problem FROM conflag.job_conflicts')).rows;
}

function metric(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  assert.ok(line, `${name} is exported`);
  return Number(line.split(' ')[1]);
}

test('the runner compiles the predicates job_conflicts counts with, counts flip-flops, and applies a precedence', async () => {
  const pool = db();
  await insertRecordings(pool, 60); // every third lasts three hours
  await pool.query(`UPDATE conflag.recordings SET direction = CASE WHEN id % 2 = 0 THEN 'internal' ELSE 'inbound' END`);
  const common = Number((await pool.query(`SELECT count(*) FROM conflag.recordings WHERE direction = 'internal' AND duration > 7200`)).rows[0].count);
  const service = await startTestService();
  const set = await insertJob(pool, { name: 'Flag calls over 2 hours' });
  const clear = await insertJob(pool, { name: 'Unflag internal calls', action: 'clear', condition: { all: [{ fact: 'direction', operator: 'equal', value: 'internal' }] } });
  const rows = await waitFor(async () => ((await conflicts())[0]?.common_recordings ? conflicts() : undefined), { what: 'job_conflicts counting' });
  assert.equal(rows, [{ common_recordings: String(common), problem: null }]);

  const runAndWait = async (jobId: number, name: string, n: number) => {
    await pool.query('SELECT conflag.request_run($1::bigint)', [jobId]);
    await waitFor(async () => (await runsOf(pool, jobId)).filter((r) => r.status === 'succeeded').length === n, { what: `run ${n} of ${name}` });
  };
  await runAndWait(set, 'the set job', 1);
  await runAndWait(clear, 'the clear job', 1);
  await runAndWait(set, 'the set job', 2);
  const flips = (await pool.query(`SELECT sum(flip_flops)::int AS n FROM conflag.job_runs`)).rows[0].n;
  assert.is(flips, 2 * common, 'the clear run and the second set run each took back the common recordings');
  assert.is(metric(await (await fetch(`${service.url}/metrics`)).text(), 'conflag_recordings_flip_flopped_total'), 2 * common);

  await pool.query('INSERT INTO conflag.job_precedence (winner_job_id, loser_job_id) VALUES ($1, $2)', [set, clear]);
  await waitFor(async () => (await conflicts()).length === 0, { what: 'the settled conflict to leave job_conflicts' });
  await runAndWait(clear, 'the clear job', 2);
  const last = (await pool.query(`SELECT changed::int, flip_flops::int FROM conflag.job_runs WHERE job_id = $1 ORDER BY id DESC LIMIT 1`, [clear])).rows[0];
  assert.equal(last, { changed: 0, flip_flops: 0 }, 'the loser leaves the winner\'s recordings alone');
});

test.run();
