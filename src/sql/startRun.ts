// Records the start of a run in conflag.job_runs, or — when the job already has a run in progress (the partial
// unique index job_runs_one_running_per_job) — records a 'skipped' run naming that one. Runs in its own
// transaction on the run's connection, under the job's advisory lock (also taken by reset_incremental_state),
// and names the session 'conflag-run:<id>' so expire_stalled_runs can terminate exactly this backend. A manual
// request (requestId) gets the run's id in run_requests.run_id.
import os from 'node:os';
import type pg from 'pg';
import type { JobRow, RunTrigger } from '../run/types.ts';
import { runningRunOf } from './runningRunOf.ts';

export type StartedRun =
  | { kind: 'started'; runId: string; asOf: Date; startedAt: Date }
  | { kind: 'skipped'; runId: string; runningRunId: string };

export interface StartRunInput {
  job: JobRow;
  trigger: RunTrigger;
  attempt: number;
  requestId: string | null;
  timezone: string;
  parallelism: number;
  batchTargetMs: number;
  now: Date | null;
}

export async function startRun(client: pg.ClientBase, input: StartRunInput): Promise<StartedRun> {
  const { job } = input;
  const runner = `${os.hostname()}/${process.pid}`;
  const common = [job.id, job.name, input.trigger, input.attempt, input.requestId, input.now, input.timezone, job.mode, job.action,
    job.access_scope, JSON.stringify(job.condition), input.parallelism, input.batchTargetMs, runner];
  await client.query('BEGIN');
  try {
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('conflag.job'), ($1::bigint % 2147483647)::integer)`, [job.id]);
    for (let attempt = 0; attempt < 3; attempt++) {
      const inserted = await client.query<{ id: string; as_of: Date; started_at: Date }>(
        `INSERT INTO conflag.job_runs (job_id, job_name, trigger, attempt, request_id, as_of, timezone, mode, action,
                                       access_scope, condition, parallelism, batch_target_ms, runner, backend_pid)
         VALUES ($1::bigint, $2, $3, $4, $5::bigint, coalesce($6::timestamptz, now()), $7, $8, $9, $10::text[], $11::jsonb,
                 $12, $13, $14, pg_backend_pid())
         ON CONFLICT (job_id) WHERE status = 'running' DO NOTHING
         RETURNING id::text, as_of, started_at`,
        common,
      );
      if (inserted.rows[0]) {
        const run = inserted.rows[0];
        await client.query(`SELECT set_config('application_name', 'conflag-run:' || $1, false)`, [run.id]);
        await linkRequest(client, input.requestId, run.id);
        await client.query('COMMIT');
        return { kind: 'started', runId: run.id, asOf: run.as_of, startedAt: run.started_at };
      }
      const running = await runningRunOf(client, job.id);
      if (!running) continue; // it finished in between: try again
      const { id: runningRunId, started_at } = running;
      const skipped = await client.query<{ id: string }>(
        `INSERT INTO conflag.job_runs (job_id, job_name, trigger, attempt, request_id, as_of, timezone, mode, action,
                                       access_scope, condition, parallelism, batch_target_ms, runner, status, finished_at, error)
         VALUES ($1::bigint, $2, $3, $4, $5::bigint, coalesce($6::timestamptz, now()), $7, $8, $9, $10::text[], $11::jsonb,
                 $12, $13, $14, 'skipped', clock_timestamp(), $15)
         RETURNING id::text`,
        [...common, `job is already running (run ${runningRunId}, started ${started_at.toISOString()})`],
      );
      await linkRequest(client, input.requestId, skipped.rows[0].id);
      await client.query('COMMIT');
      return { kind: 'skipped', runId: skipped.rows[0].id, runningRunId };
    }
    throw new Error(`could not start a run of job ${job.id}: its running run kept changing`);
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

/** A manual request (conflag.run_requests) learns which run answered it. */
async function linkRequest(client: pg.ClientBase, requestId: string | null, runId: string): Promise<void> {
  if (requestId === null) return;
  await client.query(
    `UPDATE conflag.run_requests SET run_id = $2::bigint, picked_up_at = coalesce(picked_up_at, now())
      WHERE id = $1::bigint AND run_id IS NULL`,
    [requestId, runId],
  );
}
