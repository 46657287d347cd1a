// The three roles' boundaries, each proven both ways (allowed and denied), as real logins that are members of the
// role (not a superuser's SET ROLE), inside a transaction that is rolled back, so nothing here leaves state behind.
import * as assert from 'uvu/assert';
import type pg from 'pg';
import { closePools, openPool } from '../lib/db.ts';
import { createLoginRole, type LoginRole } from '../lib/loginRole.ts';
import { suite } from '../lib/suite.ts';
import { expectDatabaseError, validJob } from './expectDatabaseError.ts';

const test = suite('jobs: roles');
const logins = new Map<string, LoginRole>();
test.after(async () => {
  await closePools();
  for (const login of logins.values()) await login.drop();
});

let jobId: string;
let recordingId: string;
let runId: string;

test.before(async () => {
  const pool = openPool();
  const job = await pool.query(`INSERT INTO conflag.jobs (name, condition, action) VALUES ('role fixture', '{"all": []}', 'set') RETURNING id`);
  jobId = job.rows[0].id;
  const recording = await pool.query(`INSERT INTO conflag.recordings (tenant_id, started_at, duration) VALUES ('default', now(), 60) RETURNING id`);
  recordingId = recording.rows[0].id;
  await pool.query(`INSERT INTO conflag.run_requests (job_id) VALUES ($1)`, [jobId]);
  // A run in progress of the job, whose scope a runner session may enter (row-level security, migration 0006).
  const run = await pool.query(`INSERT INTO conflag.job_runs (job_id, job_name, trigger, as_of, timezone, mode, action, condition)
                                SELECT id, name, 'manual', now(), 'UTC', mode, action, condition FROM conflag.jobs WHERE id = $1 RETURNING id`, [jobId]);
  runId = run.rows[0].id;
  for (const role of ['conflag_admin', 'conflag_runner', 'conflag_reporting']) logins.set(role, await createLoginRole(role.replace('conflag_', ''), [role]));
});

/** Runs each statement as a login member of `role` in one rolled-back transaction; a statement with `denied` must
 * fail with SQLSTATE 42501 (insufficient privilege) or the given code, and is rolled back to a savepoint. */
async function asRole(role: string, steps: { sql: string; params?: unknown[]; denied?: string | true }[]): Promise<void> {
  const client: pg.PoolClient = await openPool(logins.get(role)!.url).connect();
  try {
    await client.query('BEGIN');
    for (const step of steps) {
      await client.query('SAVEPOINT step');
      if (step.denied) {
        const code = step.denied === true ? '42501' : step.denied;
        await expectDatabaseError(() => client.query(step.sql, step.params), { code, includes: [] }, `${role}: ${step.sql}`);
        await client.query('ROLLBACK TO SAVEPOINT step');
      } else {
        try {
          await client.query(step.sql, step.params);
        } catch (error) {
          assert.unreachable(`${role} should be allowed: ${step.sql}: ${(error as Error).message}`);
        }
      }
    }
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
}

test('the roles exist and cannot log in', async () => {
  const { rows } = await openPool().query(
    `SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname IN ('conflag_admin', 'conflag_runner', 'conflag_reporting') ORDER BY 1`,
  );
  assert.equal(rows, [
    { rolname: 'conflag_admin', rolcanlogin: false },
    { rolname: 'conflag_reporting', rolcanlogin: false },
    { rolname: 'conflag_runner', rolcanlogin: false },
  ]);
});

test('conflag_admin manages jobs, settings and tenants, requests runs, reads the audit', async () => {
  const job = validJob();
  await asRole('conflag_admin', [
    { sql: `INSERT INTO conflag.jobs (name, condition, action, access_scope) VALUES ($1, $2, 'set', '{default}')`, params: [job.name, JSON.stringify(job.condition)] },
    { sql: `UPDATE conflag.jobs SET enabled = false, schedule = 'daily' WHERE name = $1`, params: [job.name] },
    { sql: `SELECT conflag.request_run($1)`, params: [job.name] },
    { sql: `SELECT * FROM conflag.run_requests` },
    { sql: `DELETE FROM conflag.jobs WHERE name = $1`, params: [job.name] },
    { sql: `SELECT operation, changed_by FROM conflag.job_changes` },
    { sql: `UPDATE conflag.settings SET portal_url = 'https://portal.example.com', default_timezone = 'UTC'` },
    { sql: `INSERT INTO conflag.tenants (id, name) VALUES ('newco', 'NewCo')` },
    { sql: `UPDATE conflag.tenants SET name = 'NewCo AG' WHERE id = 'newco'` },
    { sql: `DELETE FROM conflag.tenants WHERE id = 'newco'` },
    { sql: `SELECT conflag.validate_condition('{"all": []}'), conflag.schedule_cron('hourly')` },
    { sql: `SELECT name, type FROM conflag.attributes UNION ALL SELECT name, value_shape FROM conflag.operators` },
    // denied: recordings, editing audit or catalogs, removing settings
    { sql: `SELECT id FROM conflag.recordings`, denied: true },
    { sql: `UPDATE conflag.recordings SET confidential = true`, denied: true },
    { sql: `UPDATE conflag.job_changes SET changed_by = 'x'`, denied: true },
    { sql: `DELETE FROM conflag.job_changes`, denied: true },
    { sql: `INSERT INTO conflag.job_changes (job_id, operation) VALUES (1, 'INSERT')`, denied: 'CF023' },
    { sql: `INSERT INTO conflag.attributes (name, type, expression, description) VALUES ('x', 'text', 'r.notes', 'x')`, denied: true },
    { sql: `DELETE FROM conflag.settings`, denied: true },
    { sql: `UPDATE conflag.run_requests SET picked_up_at = now()`, denied: true },
  ]);
});

test('conflag_runner reads what a run needs and changes only the flag columns of recordings', async () => {
  await asRole('conflag_runner', [
    { sql: `SELECT * FROM conflag.recordings` },
    { sql: `SELECT * FROM conflag.jobs` },
    { sql: `SELECT * FROM conflag.settings` },
    { sql: `SELECT * FROM conflag.attributes` },
    { sql: `SELECT * FROM conflag.operators` },
    { sql: `SELECT * FROM conflag.tenants` },
    // The flag columns only inside a run's scope (a batch enters it first): row-level security refuses them outside.
    {
      sql: `UPDATE conflag.recordings SET confidential = true, confidential_changed_at = now(), confidential_changed_by_run = 1 WHERE id = $1`,
      params: [recordingId], denied: true,
    },
    { sql: `SELECT conflag.enter_run_scope($1::bigint)`, params: [runId] },
    {
      sql: `UPDATE conflag.recordings SET confidential = true, confidential_changed_at = now(), confidential_changed_by_run = 1 WHERE id = $1`,
      params: [recordingId],
    },
    // Requests are taken through conflag.claim_run_requests only (migration 0010).
    { sql: `SELECT * FROM conflag.claim_run_requests(10)` },
    { sql: `UPDATE conflag.run_requests SET picked_up_at = now(), run_id = 7 WHERE picked_up_at IS NULL`, denied: true },
    { sql: `SELECT conflag.schedule_cron('*/5 * * * *')` },
    // denied: any other column of recordings, writing jobs/settings/tenants, requesting runs, the audit
    { sql: `UPDATE conflag.recordings SET duration = 0 WHERE id = $1`, params: [recordingId], denied: true },
    { sql: `UPDATE conflag.recordings SET tenant_id = 'default', confidential = true WHERE id = $1`, params: [recordingId], denied: true },
    { sql: `INSERT INTO conflag.recordings (tenant_id, started_at) VALUES ('default', now())`, denied: true },
    { sql: `DELETE FROM conflag.recordings WHERE id = $1`, params: [recordingId], denied: true },
    { sql: `UPDATE conflag.jobs SET enabled = false WHERE id = $1`, params: [jobId], denied: true },
    { sql: `INSERT INTO conflag.jobs (name, condition, action) VALUES ('x', '{"all": []}', 'set')`, denied: true },
    { sql: `DELETE FROM conflag.jobs`, denied: true },
    { sql: `UPDATE conflag.settings SET email_enabled = false`, denied: true },
    { sql: `INSERT INTO conflag.tenants (id) VALUES ('x')`, denied: true },
    { sql: `UPDATE conflag.run_requests SET job_id = $1`, params: [jobId], denied: true },
    { sql: `INSERT INTO conflag.run_requests (job_id) VALUES ($1)`, params: [jobId], denied: true },
    { sql: `SELECT conflag.request_run($1)`, params: [jobId], denied: true },
    { sql: `SELECT * FROM conflag.job_changes`, denied: true },
  ]);
});

test('conflag_reporting reads jobs and their history, and changes nothing', async () => {
  await asRole('conflag_reporting', [
    { sql: `SELECT * FROM conflag.jobs` },
    { sql: `SELECT * FROM conflag.job_changes` },
    { sql: `SELECT * FROM conflag.recordings`, denied: true },
    { sql: `SELECT * FROM conflag.settings`, denied: true },
    { sql: `SELECT * FROM conflag.run_requests`, denied: true },
    { sql: `UPDATE conflag.jobs SET enabled = false`, denied: true },
    { sql: `INSERT INTO conflag.jobs (name, condition, action) VALUES ('x', '{"all": []}', 'set')`, denied: true },
    { sql: `DELETE FROM conflag.job_changes`, denied: true },
    { sql: `SELECT conflag.request_run($1)`, params: [jobId], denied: true },
  ]);
});

test('a role without a conflag grant cannot even reach the schema', async () => {
  const pool = openPool();
  const { rows } = await pool.query(
    `SELECT has_schema_privilege('public', 'conflag', 'USAGE') AS public_usage,
            has_function_privilege('public', 'conflag.request_run(text)', 'EXECUTE') AS public_request_run,
            has_schema_privilege('conflag_reporting', 'conflag', 'USAGE') AS reporting_usage`,
  );
  assert.equal(rows[0], { public_usage: false, public_request_run: false, reporting_usage: true });
});

test.run();
