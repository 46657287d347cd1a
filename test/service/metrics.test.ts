// /metrics (Prometheus text format 0.0.4, prom-client) and /health of a runner, after real runs: runs by status
// and trigger, recordings changed, run duration histogram, queue lag while a run waits for a busy runner, last
// reconcile, the process/Node default metrics, the per-job series and the unschedulable-jobs gauge — and the
// whole text through `promtool check metrics` (rule in test/service/promtool.ts).
import type pg from 'pg';
import * as assert from 'uvu/assert';
import { closePools } from '../lib/db.ts';
import { suite } from '../lib/suite.ts';
import { checkWithPromtool } from './promtool.ts';
import { db, insertJob, insertJobSavedUnderOlderRules, insertRecordings, lockMatchingRecording, runsOf, startTestService, stopAll, waitFor, waitUntilBlocked } from './helpers.ts';

const test = suite('runner: metrics and health');
test.after(async () => {
  await stopAll();
  await closePools();
});

/** Parses exposition text into "name{labels}" → value, checking every sample line's shape on the way. */
function parse(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (-?[0-9.e+-]+|NaN|[+-]Inf)$/.exec(line);
    assert.ok(match, `not a sample line: ${line}`);
    samples.set(match[1], Number(match[2]));
  }
  return samples;
}

test('/health reports the database, pg-boss and the listener', async () => {
  const service = await startTestService();
  const response = await fetch(`${service.url}/health`);
  assert.is(response.status, 200);
  const body = (await response.json()) as Record<string, string>;
  assert.equal({ status: body.status, database: body.database, pgBoss: body.pgBoss }, { status: 'ok', database: 'ok', pgBoss: 'started' });
  assert.ok(['connected', 'reconnecting'].includes(body.listener));
  assert.ok(Date.parse(body.lastReconcileAt) > Date.now() - 60_000);
});

test('/metrics after runs: runs by status, recordings changed, duration histogram, last reconcile', async () => {
  await stopAll();
  const pool = db();
  await insertRecordings(pool, 30);
  const service = await startTestService();
  const job = await insertJob(pool, { name: 'measured' });
  await pool.query(`SELECT conflag.request_run('measured')`);
  await waitFor(async () => (await runsOf(pool, job))[0]?.status === 'succeeded', { what: 'the first run' });
  await pool.query(`SELECT conflag.request_run('measured')`);
  await waitFor(async () => (await runsOf(pool, job))[1]?.status === 'succeeded', { what: 'the second run' });
  const response = await fetch(`${service.url}/metrics`);
  assert.is(response.status, 200);
  assert.is(response.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  const text = await response.text();
  const m = parse(text);
  for (const name of ['conflag_runs_total', 'conflag_recordings_changed_total', 'conflag_run_duration_seconds', 'conflag_queue_lag_seconds', 'conflag_schedule_last_reconcile_timestamp_seconds']) {
    assert.match(text, `# TYPE ${name} `);
  }
  assert.is(m.get('conflag_runs_total{status="succeeded",trigger="manual"}'), 2);
  assert.is(m.get('conflag_recordings_changed_total'), 10, 'the first run flags 10, the second none');
  assert.is(m.get('conflag_recordings_matched_total'), 20);
  assert.is(m.get('conflag_run_duration_seconds_count{status="succeeded"}'), 2);
  assert.is(m.get('conflag_run_duration_seconds_bucket{le="+Inf",status="succeeded"}'), 2);
  assert.ok(m.get('conflag_run_duration_seconds_bucket{le="60",status="succeeded"}')! <= m.get('conflag_run_duration_seconds_bucket{le="+Inf",status="succeeded"}')!);
  assert.is(m.get('conflag_runs_active'), 0);
  const reconciled = m.get('conflag_schedule_last_reconcile_timestamp_seconds')!;
  assert.ok(reconciled > Date.now() / 1000 - 60 && reconciled <= Date.now() / 1000 + 1, String(reconciled));
  assert.is(m.get('conflag_queue_lag_seconds'), 0, 'nothing waits');
});

test('the whole /metrics text passes promtool check metrics, with the process and Node.js default metrics', async () => {
  const service = await startTestService();
  const text = await (await fetch(`${service.url}/metrics`)).text();
  const m = parse(text);
  for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
    assert.ok(m.has(name), `default metric ${name}`);
  }
  assert.is(checkWithPromtool(text).output, '', 'promtool has nothing to say');
});

test('per-job series (label job_id and job = the name) and the gauge of jobs that cannot be scheduled', async () => {
  await stopAll();
  const pool = db();
  await pool.query('UPDATE conflag.recordings SET confidential = false');
  // Jobs saved under older rules the database now refuses: a zone PostgreSQL does not know, a schedule that never runs.
  const zone = { name: 'Mars/Olympus_Mons' };
  const service = await startTestService();
  const ok = await insertJob(pool, { name: 'series ok', schedule: '*/5 * * * *', timezone: 'Europe/Berlin' });
  const failing = await insertJob(pool, { name: 'series "failing"', condition: { all: [{ fact: 'duration', operator: 'greaterThan', value: 7200 }] } });
  await insertJobSavedUnderOlderRules(pool, { name: 'series bad zone', schedule: 'daily', timezone: zone.name });
  await insertJobSavedUnderOlderRules(pool, { name: 'series no next time', schedule: '0 0 30 2 *' });
  await insertJobSavedUnderOlderRules(pool, { name: 'series bad zone but disabled', schedule: 'daily', timezone: zone.name, enabled: false });
  await pool.query(`SELECT conflag.request_run('series ok')`);
  await waitFor(async () => (await runsOf(pool, ok))[0]?.status === 'succeeded', { what: 'the run of series ok' });
  // Two failed runs, as a runner records them (how runs fail is tested in test/run/failures.test.ts).
  for (let i = 0; i < 2; i++) {
    await pool.query(`INSERT INTO conflag.job_runs (job_id, job_name, trigger, as_of, timezone, mode, action, condition, status, finished_at, error)
                      SELECT id, name, 'manual', now(), 'UTC', mode, action, condition, 'failed', now(), 'test failure' FROM conflag.jobs WHERE id = $1`, [failing]);
  }
  const text = await (await fetch(`${service.url}/metrics`)).text();
  const m = parse(text);
  const okLabels = `job_id="${ok}",job="series ok"`;
  const failingLabels = `job_id="${failing}",job="series \\"failing\\""`;
  assert.is(m.get(`conflag_job_last_run_status{${okLabels},status="succeeded"}`), 1, text);
  assert.is(m.get(`conflag_job_last_run_status{${okLabels},status="failed"}`), 0);
  assert.is(m.get(`conflag_job_last_run_status{${failingLabels},status="failed"}`), 1);
  assert.is(m.get(`conflag_job_consecutive_failures{${failingLabels}}`), 2);
  assert.is(m.get(`conflag_job_consecutive_failures{${okLabels}}`), 0);
  const success = m.get(`conflag_job_last_success_timestamp_seconds{${okLabels}}`)!;
  assert.ok(success > Date.now() / 1000 - 60 && success <= Date.now() / 1000 + 1, String(success));
  assert.not.ok(m.has(`conflag_job_last_success_timestamp_seconds{${failingLabels}}`), 'no success yet: no series');
  const next = m.get(`conflag_job_next_tick_seconds{${okLabels}}`)!;
  assert.ok(next > 0 && next <= 300, `every 5 minutes: next tick in ${next} s`);
  assert.not.ok(m.has(`conflag_job_next_tick_seconds{${failingLabels}}`), 'a manual job has no next tick');
  assert.is(m.get(`conflag_job_last_run_recordings_changed{${okLabels}}`), 10);
  assert.is(m.get('conflag_jobs_unschedulable'), 2, 'the bad time zone and the crontab with no next time; not the disabled job');
  // A job deleted is gone from the next scrape; a fixed one leaves the gauge.
  await pool.query(`DELETE FROM conflag.jobs WHERE name = 'series no next time'`);
  await pool.query(`UPDATE conflag.jobs SET timezone = 'UTC' WHERE name = 'series bad zone'`);
  const after = parse(await (await fetch(`${service.url}/metrics`)).text());
  assert.is(after.get('conflag_jobs_unschedulable'), 0);
  assert.not.ok([...after.keys()].some((k) => k.includes('series no next time')), 'the deleted job has no series');
  assert.is(checkWithPromtool(text).output, '');
});

/**
 * The earlier tests' jobs stay in this file's database; 'series ok' runs every 5 minutes, and a tick of it that
 * came due during a later test made that test see two runs waiting instead of one (CI, 2026-11-26). Later tests
 * start with every earlier job disabled and nothing left in the queue.
 */
async function withoutEarlierJobs(pool: pg.Pool) {
  await pool.query('UPDATE conflag.jobs SET enabled = false');
  await pool.query(`DELETE FROM conflag_boss.job WHERE state IN ('created', 'retry')`);
}

test('queue lag grows while a run waits for a busy runner', async () => {
  await stopAll();
  const pool = db();
  await withoutEarlierJobs(pool);
  await pool.query('UPDATE conflag.recordings SET confidential = false');
  const service = await startTestService({ config: { concurrency: 1 } });
  const blocked = await insertJob(pool, { name: 'blocking' });
  const waiting = await insertJob(pool, { name: 'waiting' });
  const lock = await lockMatchingRecording(pool);
  try {
    await pool.query(`SELECT conflag.request_run('blocking')`);
    await waitFor(async () => (await runsOf(pool, blocked))[0]?.status === 'running', { what: 'the blocking run' });
    await pool.query(`SELECT conflag.request_run('waiting')`);
    await new Promise((r) => setTimeout(r, 1_500));
    const m = parse(await (await fetch(`${service.url}/metrics`)).text());
    assert.ok(m.get('conflag_queue_lag_seconds')! >= 1, `lag ${m.get('conflag_queue_lag_seconds')}`);
    assert.is(m.get('conflag_queue_waiting_runs'), 1);
    assert.is(m.get('conflag_runs_active'), 1);
  } finally {
    await lock.release();
  }
  await waitFor(async () => (await runsOf(pool, waiting))[0]?.status === 'succeeded', { what: 'the waiting run' });
  const m = parse(await (await fetch(`${service.url}/metrics`)).text());
  assert.is(m.get('conflag_queue_lag_seconds'), 0);
  assert.is(m.get('conflag_run_requests_picked_up_total'), 2);
});

test('/health answers 503 while the runner is stopping', async () => {
  await stopAll();
  const pool = db();
  await withoutEarlierJobs(pool);
  await pool.query('UPDATE conflag.recordings SET confidential = false');
  const service = await startTestService({ config: { shutdownTimeoutMs: 10_000 } });
  const job = await insertJob(pool, { name: 'in progress at shutdown' });
  const lock = await lockMatchingRecording(pool);
  let stopping: Promise<void> | undefined;
  try {
    await pool.query(`SELECT conflag.request_run('in progress at shutdown')`);
    await waitUntilBlocked(pool, job);
    stopping = service.stop();
    const response = await fetch(`${service.url}/health`);
    assert.is(response.status, 503);
    assert.is(((await response.json()) as { stopping?: boolean }).stopping, true);
  } finally {
    await lock.release();
  }
  await stopping;
  // Its batch finished; the executor then sees the stop request (before looking for another batch).
  const [run] = await runsOf(pool, job);
  assert.ok(['succeeded', 'aborted'].includes(run.status), run.status);
  assert.is(run.changed, '10');
});

test.run();
