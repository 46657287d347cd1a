// The service and `conflag run` as they are meant to be deployed: a login holding only conflag_runner (no other
// grant, not the owner, not a superuser), on a database `conflag migrate` installed as the owner — pg-boss's
// schema and the run queue included. `conflag start` is the real command in a child process; a run requested
// through conflag.request_run is picked up, runs and changes flags; nothing is created in any schema; the
// runner's log has no permission error (pg-boss's supervision, the keep-alive, pruning and the e-mail loop all
// run as that login).
import { spawnSync } from 'node:child_process';
import * as assert from 'uvu/assert';
import { closePools } from '../lib/db.ts';
import { dropMemberLogins, memberOf } from '../lib/loginRole.ts';
import { suite } from '../lib/suite.ts';
import { bin, db, insertJob, insertRecordings, spawnRunner, stopAll, waitFor } from './helpers.ts';

const test = suite('runner: the service as a login holding only conflag_runner');
test.after(async () => {
  await stopAll();
  await closePools();
  await dropMemberLogins();
});

/** Relations in conflag's schemas and pg-boss's: a runner that changed the schema would change this count. */
async function relationCount(): Promise<number> {
  const { rows } = await db().query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname IN ('conflag', 'conflag_meta', 'conflag_boss')`,
  );
  return rows[0].n;
}

test('conflag start as the runner login runs a requested job; conflag run as that login too; no DDL, no permission error', async () => {
  const pool = db();
  const runner = await memberOf('conflag_runner');
  const who = await pool.query(
    `SELECT r.rolsuper, r.rolcreaterole, array(SELECT b.rolname::text FROM pg_auth_members m JOIN pg_roles b ON b.oid = m.roleid WHERE m.member = r.oid) AS member_of
       FROM pg_roles r WHERE r.rolname = $1`,
    [runner.name],
  );
  assert.equal(who.rows[0], { rolsuper: false, rolcreaterole: false, member_of: ['conflag_runner'] });
  await insertRecordings(pool, 90);
  const job = await insertJob(pool, { name: 'as runner' });
  const relations = await relationCount();

  const service = await spawnRunner({ DATABASE_URL: runner.url, CONFLAG_CONCURRENCY: '1', CONFLAG_KEEPALIVE_CHECK_SECONDS: '1', CONFLAG_PRUNE_SECONDS: '1' });
  await pool.query(`SELECT conflag.request_run($1::bigint)`, [job]);
  const run = await waitFor(async () => {
    const { rows } = await pool.query(`SELECT id, status, changed::int, error FROM conflag.job_runs WHERE job_id = $1 AND status <> 'running'`, [job]);
    return rows[0];
  }, { timeoutMs: 30_000, what: () => `the requested run to end; runner output:\n${service.output()}` });
  assert.equal({ status: run.status, changed: run.changed }, { status: 'succeeded', changed: 30 }, run.error ?? service.output());
  const flagged = await pool.query(`SELECT count(*)::int AS n FROM conflag.recordings WHERE confidential`);
  assert.is(flagged.rows[0].n, 30);
  const answered = await pool.query(`SELECT run_id::text FROM conflag.run_requests WHERE job_id = $1`, [job]);
  assert.equal(answered.rows, [{ run_id: String(run.id) }], 'the request is answered by the run');

  // The same login runs a job from the command line while the service runs (its keep-alive and pruning, every second).
  await pool.query(`UPDATE conflag.recordings SET confidential = false`);
  const cli = spawnSync(process.execPath, [bin, 'run', 'as runner'], {
    env: { ...process.env, DATABASE_URL: runner.url, LOG_LEVEL: 'warn', LOG_FORMAT: 'json' }, encoding: 'utf8', timeout: 60_000,
  });
  assert.is(cli.status, 0, cli.stderr + cli.stdout);
  assert.match(cli.stdout, /^run \d+ succeeded: matched 30, changed 30/);
  await new Promise((resolve) => setTimeout(resolve, 2_500));

  assert.is(await relationCount(), relations, 'the runner login created nothing');
  assert.not.match(service.output(), /permission denied|must be owner|"level":50/i, service.output());
  assert.is(service.child.exitCode, null, 'the service is still running');
});

test.run();
