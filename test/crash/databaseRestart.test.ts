// Crash suite (issue 10): the database restarts (fast shutdown, as `pg_ctl restart -m fast`) while a runner
// process is in the middle of a run, and the job's next scheduled tick comes due meanwhile. The test starts a
// PostgreSQL of its own from the embedded binaries, so it can restart it without disturbing the other test files.
// Nothing is done after the restart: the interrupted run must be recorded as interrupted (not left 'running'
// for the keep-alive's timeout, whose error would mislead), retried, and the job finished within a minute; the
// tick must not be 'skipped' behind the dead run; the flags must equal an oracle computed in plain SQL.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import * as assert from 'uvu/assert';
import { freePort, startEmbeddedPostgres, type EmbeddedServer } from '../../src/db/embeddedPostgres.ts';
import { migrate } from '../../src/db/migrate.ts';
import { suite } from '../lib/suite.ts';
import { type RunnerProcess, spawnRunner, stopAll, waitFor } from '../service/helpers.ts';

const test = suite('crash: a database restart mid-run');
const RECORDINGS = 150_000;
let dataDir: string;
let server: EmbeddedServer | undefined;
let pool: pg.Pool | undefined;

test.before(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'conflag-restart-'));
  fs.chmodSync(dataDir, 0o755);
  server = await startEmbeddedPostgres({ dataDir, port: await freePort() });
});
test.after(async () => {
  await stopAll();
  await pool?.end().catch(() => {});
  await server?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function openPool(url: string): pg.Pool {
  const opened = new pg.Pool({ connectionString: url, max: 3 });
  // Idle connections die with the restart; the pool opens new ones.
  opened.on('error', () => {});
  return opened;
}

const ORACLE = `(duration > 900)`;

test('the interrupted run is retried and finishes, the tick due meanwhile is not skipped behind it, flags equal the oracle', async () => {
  const url = server!.url;
  await migrate(url);
  const db = (pool = openPool(url));
  await db.query(
    `INSERT INTO conflag.recordings (tenant_id, call_id, started_at, duration, direction)
     SELECT 'default', 'call-' || i, timestamptz '2026-01-01 08:00+00' + make_interval(secs => i), ((i::bigint * 7919) % 1200)::int,
            (ARRAY['inbound', 'outbound', 'internal'])[1 + i % 3]
       FROM generate_series(1, $1::int) i`,
    [RECORDINGS],
  );
  // Feb 29: its ticks come only when the test makes one due. A keep-alive timeout far off: only the run's session
  // ending can explain a quick recovery.
  const { rows: [job] } = await db.query<{ id: string }>(
    `INSERT INTO conflag.jobs (name, condition, action, schedule, keep_alive_timeout_minutes)
     VALUES ('restart long', '{"all": [{"fact": "duration", "operator": "greaterThan", "value": 900}]}', 'set', '7 3 29 2 *', 60) RETURNING id::text`,
  );
  // One connection per run: a run long enough to be in its middle when the database goes.
  const env = { DATABASE_URL: url, CONFLAG_RUN_PARALLELISM: '1', CONFLAG_KEEPALIVE_CHECK_SECONDS: '1', LOG_LEVEL: 'warn' };
  const runners: RunnerProcess[] = [await spawnRunner(env)];
  await waitFor(async () => (await db.query('SELECT 1 FROM conflag.job_schedules WHERE job_id = $1', [job.id])).rowCount, { what: 'the schedule' });

  // A row lock on a matching recording in the table's last block holds the run in its middle however fast this
  // machine is (a run alone finished 150 000 rows before the restart began on a quiet one); the lock's session
  // dies with the restart like the run's.
  const holder = new pg.Client({ connectionString: url });
  holder.on('error', () => {});
  await holder.connect();
  await holder.query('BEGIN');
  await holder.query(`SELECT id FROM conflag.recordings WHERE ${ORACLE} ORDER BY ctid DESC LIMIT 1 FOR UPDATE`);
  await db.query(`SELECT conflag.request_run('restart long')`);
  const running = await waitFor(async () => {
    const { rows } = await db.query(
      `SELECT r.id::text, r.batches FROM conflag.job_runs r
        WHERE r.job_id = $1 AND r.status = 'running'
          AND EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.application_name = 'conflag-run:' || r.id AND a.wait_event_type = 'Lock')`,
      [job.id],
    );
    return rows[0];
  }, { timeoutMs: 30_000, intervalMs: 20, what: 'the run to be under way and waiting on the locked recording' });
  await db.query(`UPDATE conflag.job_schedules SET next_tick_at = now() + interval '1 second' WHERE job_id = $1`, [job.id]);

  const restartAt = Date.now();
  await server!.stop();
  server = await startEmbeddedPostgres({ dataDir, port: server!.port });
  await holder.end().catch(() => {});
  const restartSeconds = (Date.now() - restartAt) / 1000;

  const done = await waitFor(async () => {
    const { rows } = await db.query(
      `SELECT (SELECT count(*)::int FROM conflag.job_runs WHERE status = 'running') AS running,
              (SELECT count(*)::int FROM conflag.job_runs WHERE status = 'succeeded') AS succeeded,
              (SELECT count(*)::int FROM conflag.job_runs WHERE trigger = 'schedule' AND status <> 'running') AS ticks,
              (SELECT count(*)::int FROM conflag.run_requests q JOIN conflag.job_runs r ON r.id = q.run_id WHERE NOT r.retry_planned AND r.status <> 'running') AS answered,
              (SELECT count(*)::int FROM conflag_boss.job WHERE name = 'conflag-run' AND state IN ('created', 'retry', 'active')) AS queued`,
    ).catch(() => ({ rows: [] as Array<Record<string, number>> }));
    const r = rows[0];
    return r && r.running === 0 && r.succeeded >= 1 && r.ticks === 1 && r.answered === 1 && r.queued === 0 ? r : undefined;
  }, { timeoutMs: 60_000, intervalMs: 200, what: 'the run and the tick to finish after the restart' }).catch(async (error: Error) => {
    const runs = await db.query(`SELECT id, job_id, trigger, attempt, status, error FROM conflag.job_runs ORDER BY id`).catch(() => ({ rows: [] }));
    throw new Error(`${error.message}; runs: ${JSON.stringify(runs.rows)}\n${runners.map((r) => r.output()).join('\n')}`);
  });
  const recoverySeconds = (Date.now() - restartAt) / 1000;
  assert.ok(done);

  const { rows: runs } = await db.query<{ id: string; job_id: string; trigger: string; attempt: number; status: string; retry_planned: boolean; error: string | null }>(
    `SELECT id::text, job_id::text, trigger, attempt, status, retry_planned, error FROM conflag.job_runs ORDER BY id`,
  );
  const { rows: [wrong] } = await db.query(`SELECT count(*)::int AS n FROM conflag.recordings WHERE confidential IS DISTINCT FROM ${ORACLE}`);
  const interrupted = runs.filter((r) => r.status === 'interrupted');
  console.log(`figures: database restart mid-run: restart took ${restartSeconds.toFixed(2)} s, runs interrupted ${interrupted.length}, ` +
    `everything finished ${recoverySeconds.toFixed(1)} s after the restart began, recordings with a wrong flag (lost) ${wrong.n}`);

  assert.is(wrong.n, 0, 'the flags equal the oracle');
  assert.ok(recoverySeconds < 60, `${recoverySeconds} s`);
  const first = runs.find((r) => r.id === running.id)!;
  assert.is(first.status, 'interrupted', JSON.stringify(runs));
  assert.ok(first.retry_planned, 'a retry answers the request, so it sends no failure e-mail');
  assert.match(first.error!, /session ended/);
  assert.not.match(first.error!, /no heartbeat|keep_alive_timeout/, 'not the keep-alive timeout: the session ended');
  // The request's retry (attempt 2) and the tick both came after the restart: one of them ran the job, the other
  // ran too or found it running — but nothing was ever skipped behind the dead run.
  const after = runs.filter((r) => r.id !== first.id);
  assert.ok(after.some((r) => r.status === 'succeeded'), JSON.stringify(runs));
  assert.ok(after.some((r) => r.trigger === 'manual' && r.attempt === 2), 'the request was retried, not left to a new trigger');
  for (const skipped of runs.filter((r) => r.status === 'skipped')) {
    const blocker = /job is already running \(run (\d+)/.exec(skipped.error ?? '')?.[1];
    assert.is.not(runs.find((r) => r.id === blocker)?.status, 'interrupted', `run ${skipped.id} was skipped behind the dead run ${blocker}`);
  }
  for (const runner of runners) runner.child.kill('SIGTERM');
  assert.equal(await Promise.all(runners.map((r) => r.exited)), [0]);
});

test.run();
