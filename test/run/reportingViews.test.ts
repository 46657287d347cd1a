// The reporting views against a known history written row by row: conflag.job_report (last run, last success,
// last failure, consecutive failures, next run, lifetime totals) and conflag.job_daily_activity (runs, flagged and
// cleared per day, job and tenant, days in the session's time zone).
import * as assert from 'uvu/assert';
import type pg from 'pg';
import { closePools, openPool } from '../lib/db.ts';
import { suite } from '../lib/suite.ts';
import { insertTenants, resetRunData } from './fixtures.ts';

const test = suite('run: reporting views');
test.after(closePools);

let x = '';
let y = '';
const runs: Record<string, string> = {};

async function job(db: pg.Pool, name: string, scope: string[] | null, schedule: string): Promise<string> {
  const { rows } = await db.query(
    `INSERT INTO conflag.jobs (name, condition, action, access_scope, schedule, timezone)
     VALUES ($1, '{"all": []}', 'set', $2, $3, 'Europe/Berlin') RETURNING id::text`,
    [name, scope, schedule],
  );
  return rows[0].id;
}

async function run(db: pg.Pool, key: string, jobId: string, status: string, startedAt: string, changed: number): Promise<void> {
  const { rows } = await db.query(
    `INSERT INTO conflag.job_runs (job_id, job_name, trigger, status, started_at, finished_at, heartbeat_at, as_of, timezone, mode, action,
                                   access_scope, condition, changed, error)
     SELECT j.id, j.name, 'schedule', $2, $3::timestamptz, $3::timestamptz + interval '10 seconds', $3::timestamptz, $3::timestamptz,
            'Europe/Berlin', 'full', 'set', j.access_scope, j.condition, $4, CASE WHEN $2 = 'failed' THEN 'boom' END
       FROM conflag.jobs j WHERE j.id = $1::bigint
     RETURNING id::text`,
    [jobId, status, startedAt, changed],
  );
  runs[key] = rows[0].id;
}

async function changes(db: pg.Pool, key: string, tenant: string, count: number, to: boolean, at: string): Promise<void> {
  await db.query(
    `INSERT INTO conflag.flag_history (recording_key, tenant_id, changed_at, old_confidential, new_confidential, run_id, job_id, job_name)
     SELECT jsonb_build_array(1000 * $1::bigint + g), $2, $5::timestamptz, NOT $4::boolean, $4::boolean, r.id, r.job_id, r.job_name
       FROM conflag.job_runs r, generate_series(1, $3::int) g WHERE r.id = $1::bigint`,
    [runs[key], tenant, count, to, at],
  );
}

test.before(async () => {
  const db = openPool();
  await resetRunData(db);
  await insertTenants(db, 'a', 'b');
  x = await job(db, 'X', ['a', 'b'], '0 1 * * *');
  y = await job(db, 'Y', null, '*/5 * * * *');
  await run(db, 'x1', x, 'succeeded', '2026-03-01 10:00Z', 4);
  await changes(db, 'x1', 'a', 3, true, '2026-03-01 10:00:01Z');
  await changes(db, 'x1', 'b', 1, true, '2026-03-01 10:00:01Z');
  // 23:30 UTC is 00:30 on March 2 in Berlin.
  await run(db, 'x2', x, 'failed', '2026-03-01 23:30Z', 1);
  await changes(db, 'x2', 'a', 1, false, '2026-03-01 23:31Z');
  await run(db, 'x3', x, 'skipped', '2026-03-02 08:00Z', 0);
  await run(db, 'y1', y, 'succeeded', '2026-03-01 12:00Z', 2);
  await changes(db, 'y1', 'b', 2, false, '2026-03-01 12:00:01Z');
  // Two earlier runs of X were pruned; the runners' next tick of X, and a stale one of Y (an older crontab).
  await db.query(`INSERT INTO conflag.job_pruned_totals (job_id, runs, changed) VALUES ($1, 2, 10)`, [x]);
  await db.query(
    `INSERT INTO conflag.job_schedules (job_id, crontab, timezone, next_tick_at, next_slot)
     VALUES ($1, '0 1 * * *', 'Europe/Berlin', '2026-03-03 00:00Z', '2026-03-03T01:00+01:00'),
            ($2, '0 * * * *', 'Europe/Berlin', '2026-03-02 09:00Z', '2026-03-02T10:00+01:00')`,
    [x, y],
  );
});

test('job_report: last run, success and failure, consecutive failures, next run, lifetime totals', async () => {
  const { rows } = await openPool().query(
    `SELECT name, timezone, next_run_at, last_run_id::text, last_status, last_success_run_id::text, last_failure_run_id::text,
            last_failure_status, last_failure_error, consecutive_failures, runs_total::int, changed_total::int
       FROM conflag.job_report ORDER BY name`,
  );
  assert.equal(rows, [
    {
      name: 'X', timezone: 'Europe/Berlin', next_run_at: new Date('2026-03-03T00:00:00Z'), last_run_id: runs.x2, last_status: 'failed',
      last_success_run_id: runs.x1, last_failure_run_id: runs.x2, last_failure_status: 'failed', last_failure_error: 'boom',
      consecutive_failures: 1, runs_total: 5, changed_total: 15,
    },
    {
      name: 'Y', timezone: 'Europe/Berlin', next_run_at: null, last_run_id: runs.y1, last_status: 'succeeded',
      last_success_run_id: runs.y1, last_failure_run_id: null, last_failure_status: null, last_failure_error: null,
      consecutive_failures: 0, runs_total: 1, changed_total: 2,
    },
  ]);
});

async function daily(timezone: string): Promise<string[]> {
  const client = await openPool().connect();
  try {
    await client.query(`SET TimeZone = '${timezone}'`);
    const { rows } = await client.query(
      `SELECT to_char(day, 'MM-DD') AS day, job_name, tenant_id, runs, succeeded, failed, flagged, cleared
         FROM conflag.job_daily_activity ORDER BY day, job_name, tenant_id`,
    );
    return rows.map((r) => `${r.day} ${r.job_name} ${r.tenant_id}: runs ${r.runs} (ok ${r.succeeded}, failed ${r.failed}), flagged ${r.flagged}, cleared ${r.cleared}`);
  } finally {
    client.release();
  }
}

test('job_daily_activity: runs, flagged and cleared per day, job and tenant, in the session time zone', async () => {
  assert.equal(await daily('Europe/Berlin'), [
    '03-01 X a: runs 1 (ok 1, failed 0), flagged 3, cleared 0',
    '03-01 X b: runs 1 (ok 1, failed 0), flagged 1, cleared 0',
    '03-01 Y a: runs 1 (ok 1, failed 0), flagged 0, cleared 0',
    '03-01 Y b: runs 1 (ok 1, failed 0), flagged 0, cleared 2',
    '03-01 Y default: runs 1 (ok 1, failed 0), flagged 0, cleared 0',
    '03-02 X a: runs 1 (ok 0, failed 1), flagged 0, cleared 1',
    '03-02 X b: runs 1 (ok 0, failed 1), flagged 0, cleared 0',
  ]);
  const utc = await daily('UTC');
  assert.ok(utc.includes('03-01 X a: runs 2 (ok 1, failed 1), flagged 3, cleared 1'), utc.join('\n'));
  assert.ok(utc.includes('03-02 X a: runs 0 (ok 0, failed 0), flagged 0, cleared 0'), 'a day with only a skipped run');
});

test('job_daily_activity keeps a deleted job under its name, with job_id NULL', async () => {
  const db = openPool();
  await db.query(`DELETE FROM conflag.jobs WHERE id = $1`, [y]);
  const { rows } = await db.query(
    `SELECT job_id, tenant_id, runs::int, cleared::int FROM conflag.job_daily_activity WHERE job_name = 'Y' AND tenant_id = 'b'`,
  );
  assert.equal(rows, [{ job_id: null, tenant_id: 'b', runs: 1, cleared: 2 }]);
});

test.run();
