// Records the start of a run in conflag.job_runs, in one transaction on the run's own connection, under the
// job's start lock (pg_advisory_xact_lock(hashtext('conflag.job'), job), also taken by the keep-alive, by
// markRunFinished and by reset_incremental_state). The run's session takes the job's liveness lock
// (conflag.run_lock_key) and keeps it until the run records its end, so anyone can tell a dead run from a busy
// one: the session ending frees the lock.
// - The lock is free: any 'running' row of the job is a run whose session is gone; it is recorded as
//   'interrupted' (conflag.interrupt_dead_run) and this run starts — it is never skipped behind a dead run.
// - The lock is held by this attempt's own earlier attempt (the queue gave up on it while it was still alive):
//   wait for it to end, then start; skipping would lose the tick or request if that attempt then failed.
// - The lock is held by another run: record a 'skipped' run naming that one.
// The session is named 'conflag-run:<id>' (expire_stalled_runs terminates exactly that backend), notices a
// client that went away within seconds (client_connection_check_interval) and bounds every statement by the
// run's time budget (statement_timeout). A run that answers requests (the runner's manual runs) links every
// request of its job that is not answered yet: several requests waiting together share one run.
import os from 'node:os';
import type pg from 'pg';
import type { JobRow, RunTrigger } from '../run/types.ts';
import { lockJobStart } from './jobStartLock.ts';

export type StartedRun =
  | { kind: 'started'; runId: string; asOf: Date; startedAt: Date; requestId: string | null }
  | { kind: 'skipped'; runId: string; runningRunId: string };

export interface StartRunInput {
  job: JobRow;
  trigger: RunTrigger;
  attempt: number;
  timezone: string;
  parallelism: number;
  batchTargetMs: number;
  now: Date | null;
  /** Link the job's unanswered run requests to this run. */
  answerRequests: boolean;
  /** The queued run (pg-boss job id) this attempt answers; null for `conflag run`. */
  queueJobId: string | null;
  /** Whether the runner retries this attempt should it fail or be interrupted. */
  retryable: boolean;
  /** Upper bound for any one statement of the run (its time budget), in milliseconds. */
  statementTimeoutMs: number;
}

/** A server-side check for a client that went away, during a long statement (PostgreSQL 14+). */
const CLIENT_CHECK_MS = 2_000;

export async function startRun(client: pg.ClientBase, input: StartRunInput): Promise<StartedRun> {
  for (let round = 0; ; round++) {
    await client.query('BEGIN');
    let holding = false;
    try {
      await lockJobStart(client, input.job.id);
      holding = (await client.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(conflag.run_lock_key($1)) AS ok`, [input.job.id])).rows[0].ok;
      if (holding) {
        const started = await insertRunning(client, input);
        await client.query('COMMIT');
        return started;
      }
      const running = await client.query<{ id: string; started_at: Date; queue_job_id: string | null }>(
        `SELECT id::text, started_at, queue_job_id::text FROM conflag.job_runs WHERE job_id = $1::bigint AND status = 'running'`,
        [input.job.id],
      );
      const other = running.rows[0];
      const ownEarlierAttempt = other !== undefined && input.queueJobId !== null && other.queue_job_id === input.queueJobId;
      if (!other || ownEarlierAttempt) {
        await client.query('ROLLBACK');
        if (!other && round >= 3) {
          throw new Error(`could not start a run of job ${input.job.id}: its liveness lock (conflag.run_lock_key) is held by a session without a running run`);
        }
        await waitForLock(client, input.job.id, ownEarlierAttempt ? 0 : 10_000);
        continue;
      }
      const skipped = await insertSkipped(client, input, other);
      await client.query('COMMIT');
      return skipped;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      if (holding) await client.query(`SELECT pg_advisory_unlock(conflag.run_lock_key($1))`, [input.job.id]).catch(() => {});
      throw error;
    }
  }
}

/**
 * Waits until the job's liveness lock is free (0 = as long as it takes: an earlier attempt ends by itself or is
 * ended by the keep-alive), without keeping it.
 */
async function waitForLock(client: pg.ClientBase, jobId: string, timeoutMs: number): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(`SELECT set_config('lock_timeout', $1, true)`, [`${timeoutMs}ms`]);
    await client.query(`SELECT pg_advisory_lock(conflag.run_lock_key($1))`, [jobId]);
    await client.query(`SELECT pg_advisory_unlock(conflag.run_lock_key($1))`, [jobId]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    if ((error as { code?: string }).code !== '55P03') throw error;
  }
}

function runColumns(input: StartRunInput): unknown[] {
  const { job } = input;
  return [job.id, input.trigger, input.attempt, input.now, input.timezone, job.mode, job.action, job.access_scope,
    JSON.stringify(job.condition), input.parallelism, input.batchTargetMs, `${os.hostname()}/${process.pid}`, input.queueJobId, input.retryable];
}

// Running (with this session's pid) when the skip reason ($15) is null, else skipped (finished at once, the reason
// in error): conflag.record_run_start, since the runner role may not INSERT into job_runs (migration 0010).
const RECORD_RUN_START = `SELECT run_id::text AS id, as_of, started_at
     FROM conflag.record_run_start($1::bigint, $2, $3::integer, $4::timestamptz, $5, $6, $7, $8::text[], $9::jsonb, $10::integer,
                                   $11::integer, $12, $13::uuid, $14::boolean, $15)`;

async function insertRunning(client: pg.ClientBase, input: StartRunInput): Promise<StartedRun> {
  const noticedBy = `the next run of the job (${input.trigger}, attempt ${input.attempt}) on ${os.hostname()}/${process.pid}`;
  await client.query(`SELECT conflag.interrupt_dead_run($1::bigint, $2)`, [input.job.id, noticedBy]);
  const { rows } = await client.query<{ id: string; as_of: Date; started_at: Date }>(
    RECORD_RUN_START,
    [...runColumns(input), null],
  );
  const run = rows[0];
  await client.query(
    `SELECT set_config('application_name', 'conflag-run:' || $1, false),
            set_config('statement_timeout', $2, false),
            set_config('client_connection_check_interval', $3, false)`,
    [run.id, `${Math.max(1, Math.ceil(input.statementTimeoutMs))}ms`, `${CLIENT_CHECK_MS}ms`],
  );
  const requestId = input.answerRequests ? await answerRequests(client, run.id) : null;
  return { kind: 'started', runId: run.id, asOf: run.as_of, startedAt: run.started_at, requestId };
}

async function insertSkipped(client: pg.ClientBase, input: StartRunInput, running: { id: string; started_at: Date }): Promise<StartedRun> {
  const { rows } = await client.query<{ id: string }>(RECORD_RUN_START, [
    ...runColumns(input), `job is already running (run ${running.id}, started ${running.started_at.toISOString()})`,
  ]);
  if (input.answerRequests) await answerRequests(client, rows[0].id);
  return { kind: 'skipped', runId: rows[0].id, runningRunId: running.id };
}

/**
 * Links the job's requests that no run has answered yet to this run and returns the first one's id
 * (job_runs.request_id): conflag.answer_run_requests. Rows the request pickup holds right now are left to it: it
 * enqueues a run for them (src/service/claimRunRequests.ts).
 */
async function answerRequests(client: pg.ClientBase, runId: string): Promise<string | null> {
  const { rows } = await client.query<{ first: string | null }>(`SELECT conflag.answer_run_requests($1::bigint)::text AS first`, [runId]);
  return rows[0].first;
}
