// Crash suite (issue 10): runner processes (`conflag start`) are killed with SIGKILL at random moments while
// they run jobs, CONFLAG_CRASH_KILLS times (default 20; `npm run crash -- --kills 100` for more). After each kill
// a replacement starts and nothing else is done: no new tick, no new request. The interrupted runs must be taken
// over and finish by themselves within a minute, every request must end answered by a run that succeeded, and
// the flags must equal an oracle computed in plain SQL. Four jobs on four tenants (so their flags never
// interfere): full and incremental, set and clear. Notification e-mails are on: a crash must queue no failure
// e-mail and no completion e-mail twice (the outbox; sending is test/notify's). Prints kills, runs interrupted,
// requests completed and lost (0).
import * as assert from 'uvu/assert';
import { closePools } from '../lib/db.ts';
import { suite } from '../lib/suite.ts';
import { enableEmail } from '../notify/helpers.ts';
import { db, type RunnerProcess, spawnRunner, stopAll, waitFor } from '../service/helpers.ts';

const KILLS = Number(process.env.CONFLAG_CRASH_KILLS || 20);
// Enough that the four runs of a round take a couple of seconds on two connections each, so most kills land
// inside one.
const RECORDINGS = 300_000;
const RUNNER_ENV = { CONFLAG_KEEPALIVE_CHECK_SECONDS: '1', CONFLAG_CONCURRENCY: '2', LOG_LEVEL: 'warn' };

const test = suite('crash: SIGKILL of runners at random moments');
test.after(async () => {
  await stopAll();
  await closePools();
});

/** What each job's tenant's flags must be once its run is done: plain SQL over the recording and its first flag. */
const JOBS = [
  { name: 'crash set long', tenant: 't1', mode: 'full', action: 'set',
    condition: { all: [{ fact: 'duration', operator: 'greaterThan', value: 600 }] }, oracle: `initial OR duration > 600` },
  { name: 'crash clear inbound', tenant: 't2', mode: 'full', action: 'clear',
    condition: { all: [{ fact: 'direction', operator: 'equal', value: 'inbound' }] }, oracle: `initial AND NOT direction = 'inbound'` },
  { name: 'crash incremental outbound', tenant: 't3', mode: 'incremental', action: 'set',
    condition: { all: [{ fact: 'duration', operator: 'greaterThan', value: 300 }, { fact: 'direction', operator: 'equal', value: 'outbound' }] },
    oracle: `initial OR (duration > 300 AND direction = 'outbound')` },
  { name: 'crash set short or internal', tenant: 't4', mode: 'full', action: 'set',
    condition: { any: [{ fact: 'duration', operator: 'lessThan', value: 60 }, { fact: 'direction', operator: 'equal', value: 'internal' }] },
    oracle: `initial OR duration < 60 OR direction = 'internal'` },
] as const;

/** The recording's flag before any run: its "initial" value, restored at the start of every round. */
const INITIAL = `(r.id % 7 = 0)`;

async function setUp(): Promise<void> {
  const pool = db();
  await pool.query(`INSERT INTO conflag.tenants (id, name) SELECT t, t FROM unnest(ARRAY['t1', 't2', 't3', 't4']) t`);
  await pool.query(
    `INSERT INTO conflag.recordings (tenant_id, call_id, started_at, duration, direction)
     SELECT 't' || (1 + i % 4), 'call-' || i, timestamptz '2026-01-01 08:00+00' + make_interval(secs => i), ((i::bigint * 7919) % 1200)::int,
            (ARRAY['inbound', 'outbound', 'internal'])[1 + (i / 4) % 3]
       FROM generate_series(1, $1::int) i`,
    [RECORDINGS],
  );
  for (const job of JOBS) {
    await pool.query(
      `INSERT INTO conflag.jobs (name, condition, action, mode, access_scope, notify_on_completion, notify_on_failure, notify_emails)
       VALUES ($1, $2::jsonb, $3, $4, ARRAY[$5], 'every_time', 'every_time', 'ops@example.com')`,
      [job.name, JSON.stringify(job.condition), job.action, job.mode, job.tenant],
    );
  }
  await enableEmail(pool);
}

/** Recordings whose flag differs from the oracle, per tenant. */
async function wrongFlags(): Promise<Record<string, number>> {
  const cases = JOBS.map((j) => `WHEN '${j.tenant}' THEN (${j.oracle})`).join(' ');
  const { rows } = await db().query<{ tenant: string; n: number }>(
    `SELECT tenant_id AS tenant, count(*)::int AS n
       FROM (SELECT r.*, ${INITIAL} AS initial FROM conflag.recordings r) r
      WHERE confidential IS DISTINCT FROM (CASE tenant_id ${cases} END)
      GROUP BY tenant_id`,
  );
  return Object.fromEntries(rows.map((r) => [r.tenant, r.n]));
}

/** Back to the initial flags, the incremental job forgetting what it processed: every job has all its work ahead. */
async function resetRound(): Promise<void> {
  const pool = db();
  await pool.query(`UPDATE conflag.recordings r SET confidential = ${INITIAL} WHERE confidential IS DISTINCT FROM ${INITIAL}`);
  await pool.query(`SELECT conflag.reset_incremental_state('crash incremental outbound')`);
}

/** Whether every request since `firstRequest` is answered by a succeeded run, and nothing runs or waits. */
async function roundDone(firstRequest: string): Promise<boolean> {
  const { rows } = await db().query(
    `SELECT (SELECT count(*)::int FROM conflag.run_requests q LEFT JOIN conflag.job_runs r ON r.id = q.run_id
              WHERE q.id >= $1 AND r.status IS DISTINCT FROM 'succeeded') AS open,
            (SELECT count(*)::int FROM conflag.job_runs WHERE status = 'running') AS running,
            (SELECT count(*)::int FROM conflag_boss.job WHERE name = 'conflag-run' AND state IN ('created', 'retry', 'active')) AS queued`,
    [firstRequest],
  );
  return rows[0].open === 0 && rows[0].running === 0 && rows[0].queued === 0;
}

/** A runner that has a run in progress right now, if any (else any runner): who the kill hits. */
async function victim(runners: RunnerProcess[]): Promise<RunnerProcess> {
  const { rows } = await db().query<{ runner: string }>(`SELECT runner FROM conflag.job_runs WHERE status = 'running'`);
  const busy = runners.filter((r) => rows.some((row) => row.runner.endsWith(`/${r.child.pid}`)));
  const pool = busy.length ? busy : runners;
  return pool[Math.floor(Math.random() * pool.length)];
}

test(`${KILLS} SIGKILLs at random moments: every interrupted run is taken over and finishes by itself within a minute, flags equal the oracle`, async () => {
  await setUp();
  const env = RUNNER_ENV;
  let runners: RunnerProcess[] = await Promise.all([spawnRunner(env), spawnRunner(env)]);
  // One undisturbed round first: how long the four runs take, to place the kills inside them.
  const warm = Date.now();
  await resetRound();
  const firstWarm = await requestAll();
  await waitFor(() => roundDone(firstWarm), { timeoutMs: 60_000, intervalMs: 100, what: 'the undisturbed round' });
  const roundMs = Date.now() - warm;
  assert.equal(await wrongFlags(), {});

  let completed = 0;
  let lost = 0;
  const recoveries: number[] = [];
  for (let kill = 1; kill <= KILLS; kill++) {
    await resetRound();
    const first = await requestAll();
    await new Promise((r) => setTimeout(r, Math.random() * roundMs * 0.9));
    const target = await victim(runners);
    target.child.kill('SIGKILL');
    await target.exited;
    const killedAt = Date.now();
    const replacement = spawnRunner(env);
    runners = runners.filter((r) => r !== target);
    await waitFor(() => roundDone(first), { timeoutMs: 60_000, intervalMs: 100, what: `round ${kill} to finish after the kill` }).catch(async (error: Error) => {
      throw new Error(`${error.message}; runs: ${JSON.stringify((await db().query(`SELECT id, job_id, attempt, status, error FROM conflag.job_runs ORDER BY id DESC LIMIT 12`)).rows)}`);
    });
    recoveries.push(Date.now() - killedAt);
    runners.push(await replacement);
    const wrong = await wrongFlags();
    if (Object.keys(wrong).length) lost++;
    assert.equal(wrong, {}, `round ${kill}: recordings with a flag other than the oracle's, per tenant`);
    completed += JOBS.length;
  }
  const runs = await db().query(`SELECT status, count(*)::int AS n FROM conflag.job_runs GROUP BY status ORDER BY status`);
  const byStatus: Record<string, number> = Object.fromEntries(runs.rows.map((r) => [r.status, r.n]));
  const outbox = await db().query(`SELECT o.kind AS kind, count(*)::int AS n, count(DISTINCT o.run_id)::int AS runs,
                                          bool_and(r.status = 'succeeded') AS of_successes
                                     FROM conflag.email_outbox o JOIN conflag.job_runs r ON r.id = o.run_id GROUP BY o.kind`);
  const mails: Record<string, { n: number; runs: number; of_successes: boolean }> =
    Object.fromEntries(outbox.rows.map(({ kind, ...counts }) => [kind, counts]));
  const interrupted = byStatus.interrupted ?? 0;
  const sorted = [...recoveries].sort((a, b) => a - b);
  const slowest = sorted.at(-1)!;
  console.log(`figures: SIGKILL crash suite: kills ${KILLS}, runs interrupted ${interrupted}, requests completed ${completed}, lost ${lost}, ` +
    `kill to all done: median ${(sorted[Math.floor(sorted.length / 2)] / 1000).toFixed(1)} s, slowest ${(slowest / 1000).toFixed(1)} s; runs by status ${JSON.stringify(byStatus)}, ` +
    `e-mails queued: ${mails.completion?.n ?? 0} completion, ${mails.failure?.n ?? 0} failure`);
  assert.ok(interrupted >= KILLS / 2, `most kills hit a run in progress: ${interrupted} of ${KILLS}`);
  assert.ok(slowest < 60_000, `every round finished within a minute of its kill: slowest ${slowest} ms`);
  assert.is(byStatus.skipped ?? 0, 0, 'no run was skipped behind a dead run');
  assert.is(byStatus.failed ?? 0, 0);
  assert.is(mails.failure, undefined, 'a crash queues no failure e-mail: every interrupted attempt was retried');
  assert.equal(mails.completion, { n: byStatus.succeeded, runs: byStatus.succeeded, of_successes: true }, 'one completion e-mail per successful run');
});

/** One request per job; returns the first request's id. */
async function requestAll(): Promise<string> {
  const { rows } = await db().query<{ id: string }>(`SELECT conflag.request_run(name)::text AS id FROM unnest($1::text[]) name`, [JOBS.map((j) => j.name)]);
  return rows.map((r) => r.id).sort((a, b) => Number(a) - Number(b))[0];
}

test.run();
