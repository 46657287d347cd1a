// Set and clear jobs that fight (issue 11), on real runs: a clear job on internal calls and a set job on calls over
// two hours flip the same recordings on every run. The INSERT warns naming the other job; each run counts its
// flip-flops (job_runs, job_status, the run log); conflag.job_conflicts counts what both select now, as the
// database computes it from the stored predicates; preview names the conflict; and a precedence settles it: one
// round of runs reaches the winner's state and the next round changes nothing, whichever job wins and whichever
// runs first.
import * as assert from 'uvu/assert';
import pg from 'pg';
import { previewSubject, savedJobSubject } from '../../src/condition/previewJob.ts';
import { refreshJobPredicates } from '../../src/conflict/refreshJobPredicates.ts';
import { createLogger } from '../../src/log.ts';
import { executeRun } from '../../src/run/executeRun.ts';
import type { RunResult } from '../../src/run/types.ts';
import { findJob } from '../../src/sql/loadJob.ts';
import { closePools, databaseUrl, openPool } from '../lib/db.ts';
import { suite } from '../lib/suite.ts';
import { expectDatabaseError } from '../jobs/expectDatabaseError.ts';

const test = suite('conflicts: fighting set and clear jobs');
test.after(closePools);
const pool = openPool();
const log = createLogger({ level: 'silent' });

const INTERNAL = { all: [{ fact: 'direction', operator: 'equal', value: 'internal' }] };
const LONG = { all: [{ fact: 'duration', operator: 'greaterThan', value: 7200 }] };
let clearJob: string;
let setJob: string;
let common: number;

type Notice = { severity?: string; code?: string; message?: string; hint?: string };

/** A client that keeps the notices (WARNINGs) the server sends. */
async function noticing(): Promise<{ client: pg.Client; notices: Notice[] }> {
  const client = new pg.Client({ connectionString: databaseUrl() });
  const notices: Notice[] = [];
  client.on('notice', (n) => notices.push(n));
  await client.connect();
  return { client, notices };
}

async function insertJob(db: pg.ClientBase | pg.Pool, name: string, condition: unknown, action: 'set' | 'clear', extra = ''): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO conflag.jobs (name, condition, action${extra ? ', log_enabled' : ''}) VALUES ($1, $2, $3${extra ? ', true' : ''}) RETURNING id::text`,
    [name, JSON.stringify(condition), action],
  );
  return rows[0].id;
}

const run = (jobId: string): Promise<RunResult> => executeRun(pool, jobId, { trigger: 'manual', parallelism: 1, log });

/** The confidential flags of the recordings both jobs select, and of the others each selects. */
async function flags(): Promise<{ both: string[]; onlyInternal: string[]; onlyLong: string[] }> {
  const { rows } = await pool.query<{ kind: string; flags: string[] }>(
    `SELECT CASE WHEN direction = 'internal' AND duration > 7200 THEN 'both' WHEN direction = 'internal' THEN 'onlyInternal' ELSE 'onlyLong' END AS kind,
            array_agg(DISTINCT confidential::text ORDER BY confidential::text) AS flags
       FROM conflag.recordings WHERE direction = 'internal' OR duration > 7200 GROUP BY 1`,
  );
  return Object.fromEntries(rows.map((r) => [r.kind, r.flags])) as { both: string[]; onlyInternal: string[]; onlyLong: string[] };
}

test.before(async () => {
  // 600 calls: every third internal, durations 0 to 5 h; and one tenant more, to check scopes.
  await pool.query(`INSERT INTO conflag.tenants (id, name) VALUES ('acme', 'Acme') ON CONFLICT DO NOTHING`);
  await pool.query(
    `INSERT INTO conflag.recordings (tenant_id, started_at, duration, direction)
     SELECT 'default', timestamptz '2026-01-01 08:00+00' + make_interval(mins => i), (i * 37) % 18000,
            (ARRAY['inbound', 'outbound', 'internal'])[1 + i % 3]
       FROM generate_series(1, 600) i`,
  );
  common = Number((await pool.query(`SELECT count(*) FROM conflag.recordings WHERE direction = 'internal' AND duration > 7200`)).rows[0].count);
  assert.ok(common > 50, `${common} recordings both jobs select`);
});

test('the INSERT that makes two jobs fight warns, naming the other job; provably disjoint or out-of-scope jobs do not', async () => {
  const { client, notices } = await noticing();
  try {
    clearJob = await insertJob(client, 'Unflag internal calls', INTERNAL, 'clear', 'log');
    assert.equal(notices, [], 'nothing to fight yet');
    setJob = await insertJob(client, 'Flag calls over 2 hours', LONG, 'set');
    assert.is(notices.length, 1);
    assert.is(notices[0].severity, 'WARNING');
    assert.is(notices[0].code, 'CF050');
    assert.is(notices[0].message,
      `jobs: job ${setJob} ("Flag calls over 2 hours", set) may select the same recordings as job ${clearJob} ("Unflag internal calls", clear): their scopes overlap and their conditions are not provably disjoint, so each may undo what the other does`);
    assert.match(notices[0].hint!, `INSERT INTO conflag.job_precedence (winner_job_id, loser_job_id) VALUES (${clearJob}, ${setJob})`);
    assert.match(notices[0].hint!, 'SELECT * FROM conflag.job_conflicts');

    notices.length = 0;
    // Short calls never meet calls over 2 hours; inbound calls never meet internal ones; two jobs on different
    // tenants never meet.
    const short = (await client.query<{ id: string }>(
      `INSERT INTO conflag.jobs (name, condition, action, access_scope) VALUES ('Unflag short calls', $1, 'clear', '{default}') RETURNING id::text`,
      [JSON.stringify({ all: [{ fact: 'duration', operator: 'lessThan', value: 3600 }] })])).rows[0].id;
    const inbound = (await client.query<{ id: string }>(
      `INSERT INTO conflag.jobs (name, condition, action, access_scope) VALUES ('Acme: flag inbound', $1, 'set', '{acme}') RETURNING id::text`,
      [JSON.stringify({ any: [{ fact: 'direction', operator: 'in', value: ['inbound'] }] })])).rows[0].id;
    assert.equal(notices.map((n) => n.message), [], 'disjoint conditions (duration ranges, direction lists) and scopes do not warn');
    // Enabling a paused job warns; an edit that does not touch condition, scope, action or enabled does not.
    await client.query(`UPDATE conflag.jobs SET enabled = false WHERE id = $1`, [short]);
    await client.query(`UPDATE conflag.jobs SET condition = $2 WHERE id = $1`, [short, JSON.stringify({ all: [{ fact: 'duration', operator: 'lessThan', value: 9000 }] })]);
    assert.equal(notices.map((n) => n.message), [], 'a paused job does not warn');
    await client.query(`UPDATE conflag.jobs SET enabled = true WHERE id = $1`, [short]);
    assert.equal(notices.map((n) => n.message!.split(':')[1]), [` job ${short} ("Unflag short calls", clear) may select the same recordings as job ${setJob} ("Flag calls over 2 hours", set)`]);
    notices.length = 0;
    await client.query(`UPDATE conflag.jobs SET name = 'Unflag short calls (renamed)', keep_history_days = 30 WHERE id = $1`, [short]);
    assert.equal(notices, []);
    await client.query(`DELETE FROM conflag.jobs WHERE id = ANY ($1::bigint[])`, [[short, inbound]]);
  } finally {
    await client.end();
  }
});

test('every run counts the recordings it took back from the other job: on the run, in job_status and in the run log', async () => {
  const first = await run(setJob);
  assert.equal([first.status, first.flipFlops], ['succeeded', 0], 'nothing to take back yet');
  const cleared = await run(clearJob);
  assert.equal([cleared.status, cleared.changed, cleared.flipFlops], ['succeeded', common, common], 'the clear job undoes exactly the common ones');
  const again = await run(setJob);
  assert.equal([again.changed, again.flipFlops], [common, common]);
  const rerun = await run(setJob);
  assert.equal([rerun.changed, rerun.flipFlops], [0, 0], 'the same job again changes nothing: no fight with itself');
  const { rows: runs } = await pool.query(`SELECT id::text, flip_flops::int FROM conflag.job_runs WHERE id = ANY ($1::bigint[]) ORDER BY id`,
    [[first.runId, cleared.runId, again.runId]]);
  assert.equal(runs.map((r) => r.flip_flops), [0, common, common]);
  const status = await pool.query(`SELECT job_id::text, last_flip_flops::int FROM conflag.job_status WHERE job_id = ANY ($1::bigint[]) ORDER BY job_id`, [[clearJob, setJob]]);
  assert.equal(status.rows, [{ job_id: clearJob, last_flip_flops: common }, { job_id: setJob, last_flip_flops: 0 }]);
  // The clear job logs its runs (log_enabled): the end of the run says so, as a warning.
  const entry = (await pool.query(`SELECT level, message, details FROM conflag.job_run_log WHERE run_id = $1 AND event = 'run_finished'`, [cleared.runId])).rows[0];
  assert.equal([entry.level, entry.details.flip_flops], ['warn', common]);
  assert.match(entry.message, `changed ${common}, ${common} of them flip-flops (last changed by a job with the opposite action)`);
});

test('conflag.job_conflicts counts what both select now, from the predicates a runner stored; problems until then', async () => {
  const before = await pool.query('SELECT set_job_id::text, clear_job_id::text, common_recordings, problem FROM conflag.job_conflicts');
  assert.equal(before.rows.map((r) => [r.set_job_id, r.clear_job_id, r.common_recordings]), [[setJob, clearJob, null]]);
  assert.match(before.rows[0].problem, /has no current compiled predicate/);
  const refreshed = await refreshJobPredicates(pool, { log });
  assert.equal(refreshed, { compiled: 2, removed: 0, failed: 0 });
  assert.equal((await refreshJobPredicates(pool, { log })).compiled, 0, 'nothing is out of date any more');
  const { rows } = await pool.query('SELECT * FROM conflag.job_conflicts');
  assert.equal(rows, [{
    set_job_id: setJob, set_job: 'Flag calls over 2 hours', clear_job_id: clearJob, clear_job: 'Unflag internal calls',
    common_recordings: String(common), confidential_now: String(common), set_job_last_flip_flops: '0', clear_job_last_flip_flops: String(common), problem: null,
  }]);
  // A change of a job makes its stored predicate out of date: reported, not counted with the old one.
  await pool.query(`UPDATE conflag.jobs SET condition = $2 WHERE id = $1`, [setJob, JSON.stringify({ all: [{ fact: 'duration', operator: 'greaterThan', value: 7000 }] })]);
  assert.match((await pool.query('SELECT problem FROM conflag.job_conflicts')).rows[0].problem, `job ${setJob} has no current compiled predicate`);
  await pool.query(`UPDATE conflag.jobs SET condition = $2 WHERE id = $1`, [setJob, JSON.stringify(LONG)]);
  await refreshJobPredicates(pool, { log });
  // Reading recordings is needed: a role without it is told so.
  const client = new pg.Client({ connectionString: databaseUrl() });
  await client.connect();
  try {
    await client.query('SET ROLE conflag_reporting');
    await expectDatabaseError(() => client.query('SELECT * FROM conflag.job_conflicts'), { code: 'CF051', includes: ['reads conflag.recordings and conflag.job_predicates', 'conflag_reporting may not read'] });
  } finally {
    await client.end();
  }
});

test('preview names the job of the opposite action and how many of its recordings it also selects', async () => {
  const client = await pool.connect();
  try {
    await client.query('BEGIN TRANSACTION READ ONLY');
    const subject = await savedJobSubject(client, (await findJob(client, setJob))!);
    const { result, conflicts } = await previewSubject(client, subject, { asOf: new Date(), examples: 0 });
    assert.ok(result.matched > common);
    assert.equal(conflicts, [{ jobId: clearJob, name: 'Unflag internal calls', action: 'clear', common }]);
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
});

for (const { winner, order } of [
  { winner: 'set', order: ['clear', 'set'] }, { winner: 'set', order: ['set', 'clear'] },
  { winner: 'clear', order: ['clear', 'set'] }, { winner: 'clear', order: ['set', 'clear'] },
] as const) {
  test(`${winner} wins by precedence: one round (${order.join(' then ')}) reaches it, the next changes nothing`, async () => {
    await pool.query('DELETE FROM conflag.job_precedence');
    const [w, l] = winner === 'set' ? [setJob, clearJob] : [clearJob, setJob];
    await pool.query('INSERT INTO conflag.job_precedence (winner_job_id, loser_job_id, note) VALUES ($1, $2, $3)', [w, l, 'test']);
    const jobOf = { set: setJob, clear: clearJob };
    for (const action of order) await run(jobOf[action]);
    assert.equal(await flags(), { both: [winner === 'set' ? 'true' : 'false'], onlyInternal: ['false'], onlyLong: ['true'] }, 'the winner\'s flag on the common ones');
    for (const action of order) {
      const result = await run(jobOf[action]);
      assert.equal([action, result.changed, result.flipFlops], [action, 0, 0], 'stable: the second round changes nothing');
    }
    await refreshJobPredicates(pool, { log });
    assert.equal((await pool.query('SELECT * FROM conflag.job_conflicts')).rows, [], 'a settled pair is no conflict');
    const client = await pool.connect();
    try {
      await client.query('BEGIN TRANSACTION READ ONLY');
      const { conflicts } = await previewSubject(client, await savedJobSubject(client, (await findJob(client, l))!), { asOf: new Date(), examples: 0 });
      assert.equal(conflicts, [], 'the loser leaves the winner\'s recordings alone');
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });
}

test('a precedence that settles nothing is refused (CF040), naming the jobs', async () => {
  await pool.query('DELETE FROM conflag.job_precedence');
  await pool.query('INSERT INTO conflag.job_precedence (winner_job_id, loser_job_id) VALUES ($1, $2)', [setJob, clearJob]);
  const another = await insertJob(pool, 'Flag legal calls', { all: [{ fact: 'tags', operator: 'contains', value: 'legal' }] }, 'set');
  const insert = (w: string, l: string) => pool.query('INSERT INTO conflag.job_precedence (winner_job_id, loser_job_id) VALUES ($1, $2)', [w, l]);
  await expectDatabaseError(() => insert(clearJob, setJob), { code: 'CF040', includes: [`job ${setJob} ("Flag calls over 2 hours") already takes precedence over job ${clearJob}`, 'delete that row first'] });
  await expectDatabaseError(() => insert(another, setJob), { code: 'CF040', includes: ['both set the flag', 'a set job and a clear job'] });
  await expectDatabaseError(() => insert('999999', clearJob), { code: 'CF040', includes: ['winner_job_id 999999 does not exist'] });
  await expectDatabaseError(() => insert(clearJob, clearJob), { code: 'CF040', includes: ['cannot take precedence over itself'] });
  // Deleting a job deletes its precedences; a job paused no longer counts as a winner.
  await pool.query('DELETE FROM conflag.jobs WHERE id = $1', [another]);
  await pool.query(`UPDATE conflag.jobs SET enabled = false WHERE id = $1`, [setJob]);
  assert.equal((await findJob(pool, clearJob))!.yields_to, [], 'a paused winner is not compiled into the loser');
  await pool.query(`UPDATE conflag.jobs SET enabled = true WHERE id = $1`, [setJob]);
  assert.equal((await findJob(pool, clearJob))!.yields_to.map((w) => w.id), [setJob]);
});

test.run();
