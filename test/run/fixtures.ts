// Shared set-up for the executor tests: jobs, tenants and recordings written with plain SQL, and readers for
// the flags and run rows the assertions compare. Not a test file itself.
import type pg from 'pg';
import { notesLength } from '../lib/rowsPerBlock.ts';
import { waitFor as pollUntil } from '../lib/waitFor.ts';

export interface JobInput {
  name: string;
  condition: unknown;
  action?: 'set' | 'clear';
  mode?: 'full' | 'incremental';
  access_scope?: string[] | null;
  timezone?: string | null;
  execution_time_limit_minutes?: number | null;
  keep_alive_timeout_minutes?: number;
  keep_history_days?: number;
}

export async function insertJob(db: pg.Pool | pg.ClientBase, job: JobInput): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO conflag.jobs (name, condition, action, mode, access_scope, timezone, execution_time_limit_minutes,
                               keep_alive_timeout_minutes, keep_history_days)
     VALUES ($1, $2::jsonb, $3, $4, $5::text[], $6, $7, coalesce($8, 15), coalesce($9, 60)) RETURNING id::text`,
    [job.name, JSON.stringify(job.condition), job.action ?? 'set', job.mode ?? 'full', job.access_scope ?? null, job.timezone ?? null,
      job.execution_time_limit_minutes ?? null, job.keep_alive_timeout_minutes ?? null, job.keep_history_days ?? null],
  );
  return rows[0].id;
}

export async function insertTenants(db: pg.Pool | pg.ClientBase, ...ids: string[]): Promise<void> {
  await db.query(`INSERT INTO conflag.tenants (id, name) SELECT t, t FROM unnest($1::text[]) t ON CONFLICT DO NOTHING`, [ids]);
}

/**
 * `count` recordings of a tenant; recording i (1-based) lasts durationOf(i) seconds. Returns their ids in order.
 * perBlock spreads them over the table's blocks, that many to a block (with notes sized to fill a block), so
 * tests can count batches of a few blocks each.
 */
export async function insertRecordings(
  db: pg.Pool | pg.ClientBase,
  count: number,
  options: { tenant?: string; duration?: (i: number) => number; tags?: (i: number) => string[] | null; startedAt?: string; perBlock?: number } = {},
): Promise<string[]> {
  const durations = Array.from({ length: count }, (_, i) => options.duration?.(i + 1) ?? 60);
  const tags = Array.from({ length: count }, (_, i) => JSON.stringify(options.tags?.(i + 1) ?? null));
  const notes = options.perBlock ? notesLength(options.perBlock) : 0;
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO conflag.recordings (tenant_id, call_id, started_at, duration, tags, notes)
     SELECT $1, 'call-' || n, $4::timestamptz + make_interval(mins => n::int), d,
            CASE WHEN t = 'null' THEN NULL ELSE ARRAY(SELECT jsonb_array_elements_text(t::jsonb)) END,
            CASE WHEN $5::int > 0 THEN repeat('n', $5::int) END
       FROM unnest($2::int[], $3::text[]) WITH ORDINALITY AS u(d, t, n)
      ORDER BY n
     RETURNING id::text`,
    [options.tenant ?? 'default', durations, tags, options.startedAt ?? '2025-03-01 08:00:00+00', notes],
  );
  return rows.map((r) => r.id).sort((a, b) => Number(a) - Number(b));
}

/** The table block each recording is in, by id (the ctid's block number). */
export async function blocksOf(db: pg.Pool | pg.ClientBase): Promise<Map<string, number>> {
  const { rows } = await db.query<{ id: string; block: number }>(
    `SELECT id::text, (ctid::text::point)[0]::int AS block FROM conflag.recordings`,
  );
  return new Map(rows.map((r) => [r.id, r.block]));
}

/** The recordings table's size in blocks. */
export async function tableBlocks(db: pg.Pool | pg.ClientBase): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`SELECT (pg_relation_size('conflag.recordings') / current_setting('block_size')::int)::int AS n`);
  return rows[0].n;
}

/** Ids of confidential recordings, ascending. */
export async function confidentialIds(db: pg.Pool | pg.ClientBase, tenant?: string): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT r.id::text AS id FROM conflag.recordings r WHERE r.confidential AND ($1::text IS NULL OR r.tenant_id = $1) ORDER BY r.id`,
    [tenant ?? null],
  );
  return rows.map((r) => r.id);
}

export interface RunRow {
  id: string;
  job_id: string | null;
  status: string;
  trigger: string;
  attempt: number;
  scan: string | null;
  batches: number;
  matched: number;
  changed: number;
  skipped: number;
  scan_units: number | null;
  scanned_units: number;
  parallelism: number | null;
  error: string | null;
  finished_at: Date | null;
  backend_pid: number | null;
  timezone: string;
  as_of: Date;
}

export async function runRow(db: pg.Pool | pg.ClientBase, runId: string): Promise<RunRow> {
  const { rows } = await db.query<RunRow>(
    `SELECT id::text, job_id::text, status, trigger, attempt, scan, batches, matched::int, changed::int, skipped::int,
            scan_units::int, scanned_units::int, parallelism, error, finished_at, backend_pid, timezone, as_of
       FROM conflag.job_runs WHERE id = $1::bigint`,
    [runId],
  );
  return rows[0];
}

/** xmin of every recording: unchanged xmins prove a statement wrote no row. */
export async function rowVersions(db: pg.Pool | pg.ClientBase): Promise<string> {
  const { rows } = await db.query<{ v: string }>(`SELECT string_agg(id || ':' || xmin::text, ',' ORDER BY id) AS v FROM conflag.recordings`);
  return rows[0].v;
}

export const longCalls = { all: [{ fact: 'duration', operator: 'greaterThan', value: 7200 }] };

/** Awaits a promise that must reject, and returns its error (uvu 0.5 has no assert.rejects). */
export async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a rejection, but the promise resolved');
}

/** Empties what the executor tests write, so each test starts from a clean database. */
export async function resetRunData(db: pg.Pool | pg.ClientBase): Promise<void> {
  await db.query(`DELETE FROM conflag.jobs`);
  // CASCADE: also the tables that reference runs (job_run_log, email_outbox, …).
  await db.query(`TRUNCATE conflag.recordings, conflag.job_runs, conflag.recording_changes, conflag.run_candidates,
                           conflag.run_batch_xids, conflag.job_processed_recordings, conflag.job_incremental_state,
                           conflag.flag_history, conflag.job_pruned_totals CASCADE`);
}

/** Locks one recording in another session (as a DBA's long transaction would); the run blocks when it writes it. */
export async function holdRow(pool: pg.Pool, recordingId: string): Promise<{ release(): Promise<void> }> {
  const holder = await pool.connect();
  await holder.query('BEGIN');
  await holder.query('SELECT 1 FROM conflag.recordings WHERE id = $1 FOR UPDATE', [recordingId]);
  return {
    async release() {
      await holder.query('ROLLBACK').catch(() => {});
      holder.release();
    },
  };
}

/**
 * A run of the job in progress in another process: its 'running' row, and a session holding the job's liveness
 * lock as that run's session would (without the lock the row would be a dead run, taken over by the next start).
 */
export async function liveRun(pool: pg.Pool, jobId: string): Promise<{ id: string; end(): Promise<void> }> {
  const session = await pool.connect();
  await session.query(`SELECT pg_advisory_lock(conflag.run_lock_key($1))`, [jobId]);
  const { rows } = await session.query<{ id: string }>(
    `INSERT INTO conflag.job_runs (job_id, job_name, trigger, as_of, timezone, mode, action, condition, backend_pid)
     SELECT id, name, 'schedule', now(), 'UTC', mode, action, condition, pg_backend_pid() FROM conflag.jobs WHERE id = $1 RETURNING id::text`,
    [jobId],
  );
  return {
    id: rows[0].id,
    async end() {
      await session.query(`UPDATE conflag.job_runs SET status = 'succeeded', finished_at = now() WHERE id = $1 AND status = 'running'`, [rows[0].id]);
      await session.query(`SELECT pg_advisory_unlock(conflag.run_lock_key($1))`, [jobId]);
      session.release();
    },
  };
}

/** Polls until check() is truthy (at most ~10 s) and returns its value. */
export function waitFor<T>(what: string, check: () => Promise<T | undefined | null | false>): Promise<T> {
  return pollUntil(check, { what, intervalMs: 25 });
}

/** Resolves once a run of the job is blocked on a row lock; returns the run's id and backend pid. */
export async function waitUntilBlocked(pool: pg.Pool, jobId: string): Promise<{ id: string; pid: number }> {
  return waitFor('the run to block on a lock', async () => {
    const { rows } = await pool.query<{ id: string; pid: number }>(
      `SELECT r.id::text, a.pid FROM conflag.job_runs r JOIN pg_stat_activity a ON a.pid = r.backend_pid
        WHERE r.job_id = $1::bigint AND r.status = 'running' AND a.wait_event_type = 'Lock'`,
      [jobId],
    );
    return rows[0];
  });
}
