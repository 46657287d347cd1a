// Every column of conflag.jobs has its documented default, updated_at follows changes, created_at stays.
import * as assert from 'uvu/assert';
import { closePools, openPool } from '../lib/db.ts';
import { suite } from '../lib/suite.ts';
import { expectDatabaseError, insertJob, updateJob } from './expectDatabaseError.ts';

const test = suite('jobs: defaults');
test.after(closePools);

test('a job with only name, condition and action gets every default', async () => {
  const pool = openPool();
  const { rows: [{ now }] } = await pool.query('SELECT now()');
  const job = await insertJob(pool, { name: 'defaults', condition: { any: [] }, action: 'clear' });
  assert.type(job.id, 'string', 'bigint id comes back as a string');
  assert.ok(Number(job.id) >= 1);
  assert.equal(
    {
      access_scope: job.access_scope,
      mode: job.mode,
      log_enabled: job.log_enabled,
      keep_history_days: job.keep_history_days,
      timezone: job.timezone,
      execution_time_limit_minutes: job.execution_time_limit_minutes,
      keep_alive_timeout_minutes: job.keep_alive_timeout_minutes,
      parallelism: job.parallelism,
      notify_on_completion: job.notify_on_completion,
      notify_on_failure: job.notify_on_failure,
      notify_emails: job.notify_emails,
      schedule: job.schedule,
      enabled: job.enabled,
    },
    {
      access_scope: null,
      mode: 'full',
      log_enabled: false,
      keep_history_days: 60,
      timezone: null,
      execution_time_limit_minutes: null,
      keep_alive_timeout_minutes: 15,
      parallelism: null,
      notify_on_completion: 'off',
      notify_on_failure: 'off',
      notify_emails: null,
      schedule: 'manual',
      enabled: true,
    },
  );
  assert.ok(job.created_at instanceof Date && job.created_at.getTime() >= now.getTime() - 1000, 'created_at defaults to now()');
  assert.equal(job.updated_at, job.created_at, 'updated_at equals created_at on insert');
  assert.equal(job.condition, { any: [] });
});

test('the defaults are the table defaults (information_schema)', async () => {
  const { rows } = await openPool().query<{ column_name: string; column_default: string | null; is_identity: string }>(
    `SELECT column_name, column_default, is_identity FROM information_schema.columns
      WHERE table_schema = 'conflag' AND table_name = 'jobs' ORDER BY ordinal_position`,
  );
  const defaults = Object.fromEntries(rows.map((r) => [r.column_name, r.is_identity === 'YES' ? 'identity' : r.column_default]));
  assert.equal(defaults, {
    id: 'identity',
    name: null,
    access_scope: null,
    mode: "'full'::text",
    condition: null,
    action: null,
    log_enabled: 'false',
    keep_history_days: '60',
    timezone: null,
    execution_time_limit_minutes: null,
    keep_alive_timeout_minutes: '15',
    notify_on_completion: "'off'::text",
    notify_on_failure: "'off'::text",
    notify_emails: null,
    schedule: "'manual'::text",
    enabled: 'true',
    created_at: 'now()',
    updated_at: 'now()',
    parallelism: null,
  });
});

test('updated_at moves on every change, created_at cannot be changed', async () => {
  const pool = openPool();
  const client = await pool.connect();
  try {
    const job = await insertJob(client, { name: 'timestamps', condition: { all: [] }, action: 'set' });
    // A separate transaction has a later now().
    await new Promise((resolve) => setTimeout(resolve, 20));
    const changed = await updateJob(client, job.id, { enabled: false });
    assert.ok(changed.updated_at.getTime() > job.updated_at.getTime(), 'updated_at advanced');
    assert.equal(changed.created_at, job.created_at);
    await expectDatabaseError(() => updateJob(client, job.id, { created_at: new Date(0) }), {
      code: 'CF014',
      includes: ['jobs.created_at', '1970-01-01'],
    });
    await expectDatabaseError(() => client.query(`UPDATE conflag.jobs SET id = 99 WHERE id = $1`, [job.id]), {
      code: '428C9',
      includes: ['id'],
    });
  } finally {
    client.release();
  }
});

test('settings has one row with its defaults', async () => {
  const { rows } = await openPool().query('SELECT * FROM conflag.settings');
  assert.is(rows.length, 1);
  const { updated_at, ...rest } = rows[0];
  assert.ok(updated_at instanceof Date);
  assert.equal(rest, { portal_url: null, email_enabled: false, email_from: null, default_timezone: null, keep_failed_runs_days: 180, keep_flag_history_days: 365 });
});

test('run_requests defaults: requested_at now(), requested_by current_user, not picked up', async () => {
  const pool = openPool();
  const job = await insertJob(pool, { name: 'requests', condition: { all: [] }, action: 'set' });
  const { rows } = await pool.query(
    `INSERT INTO conflag.run_requests (job_id) VALUES ($1) RETURNING *, current_user AS me, now() AS now`,
    [job.id],
  );
  const request = rows[0];
  assert.is(request.requested_by, request.me);
  assert.equal(request.requested_at, request.now);
  assert.is(request.picked_up_at, null);
  assert.is(request.run_id, null);
});

test.run();
