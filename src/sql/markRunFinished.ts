// Ends a run (conflag.record_run_end, the runner role may not UPDATE job_runs): sets its final status (only while it is still 'running' — the keep-alive or the next run may have
// recorded it as interrupted first, and that verdict stands), settles the incremental state (a successful run's
// starting snapshot becomes the job's last_snapshot; otherwise the previous one stays) and drops the run's
// candidate and batch-transaction lists. One transaction, under the job's start lock; on the run's own session it
// also releases the run's liveness lock (conflag.run_lock_key) in that transaction, so a starting run sees either a
// running row with the lock held or a finished one with the lock free, never a running row it would take for dead.
// retry_planned (a failed, interrupted or aborted run its caller will retry) is set by the same UPDATE as the
// status: the e-mail trigger (conflag.job_runs_queue_email) fires on that UPDATE and must see both.
// Returns the row as it ended up, whoever finished it.
import type pg from 'pg';
import type { FinalRunStatus, RunStatus } from '../run/types.ts';
import { lockJobStart } from './jobStartLock.ts';

export interface FinishedRun {
  status: RunStatus;
  error: string | null;
  retry_planned: boolean;
  matched: number;
  changed: number;
  skipped: number;
  batches: number;
  flip_flops: number;
}

export async function markRunFinished(
  db: pg.ClientBase,
  input: {
    runId: string; jobId: string; status: FinalRunStatus; error?: string | null; fingerprint?: string | null; retryPlanned?: boolean;
    /** db is the run's own session, which holds the run's liveness lock. */
    ownSession: boolean;
  },
): Promise<FinishedRun> {
  // Only a failure, an interruption or an abort can be retried (job_runs_retry_planned_check).
  const retryPlanned = input.retryPlanned === true && ['failed', 'aborted', 'interrupted'].includes(input.status);
  await db.query('BEGIN');
  try {
    await lockJobStart(db, input.jobId);
    await db.query(`SELECT conflag.record_run_end($1::bigint, $2, $3, $4, $5)`, [
      input.runId, input.status, input.error ?? null, input.fingerprint ?? null, retryPlanned,
    ]);
    if (input.ownSession) await db.query(`SELECT pg_advisory_unlock(conflag.run_lock_key($1))`, [input.jobId]);
    const { rows } = await db.query<FinishedRun>(
      `SELECT status, error, retry_planned, matched::float8 AS matched, changed::float8 AS changed, skipped::float8 AS skipped, batches,
              flip_flops::float8 AS flip_flops
         FROM conflag.job_runs WHERE id = $1::bigint`,
      [input.runId],
    );
    await db.query('COMMIT');
    return rows[0];
  } catch (error) {
    await db.query('ROLLBACK').catch(() => {});
    throw error;
  }
}
