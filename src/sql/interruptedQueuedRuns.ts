// Interrupted runs whose queued attempt pg-boss still counts as active: the runner that held it is gone (or its
// run's session is), so nobody will settle that attempt before pg-boss's own heartbeat check gives up on it (30 s
// and more). The keep-alive hands these back to the queue at once (src/service/retryInterruptedRuns.ts). Reads
// pg-boss's job table: the attempt is the one the run recorded (retry_count = attempt - 1), so a queued run that
// has moved on since is left alone. Only runs interrupted within the last day (job_runs_finished_at_idx).
import type pg from 'pg';
import { BOSS_SCHEMA, RUN_QUEUE } from '../service/runQueue.ts';

export interface InterruptedAttempt {
  runId: string;
  queueJobId: string;
  retryCount: number;
  error: string | null;
}

export async function interruptedQueuedRuns(db: pg.Pool | pg.ClientBase): Promise<InterruptedAttempt[]> {
  const { rows } = await db.query<InterruptedAttempt>(
    `SELECT r.id::text AS "runId", q.id::text AS "queueJobId", q.retry_count AS "retryCount", r.error
       FROM conflag.job_runs r
       JOIN ${BOSS_SCHEMA}.job q ON q.id = r.queue_job_id AND q.name = $1
      WHERE r.status = 'interrupted' AND r.finished_at > now() - interval '1 day'
        AND q.state = 'active' AND q.retry_count = r.attempt - 1
      ORDER BY r.id`,
    [RUN_QUEUE],
  );
  return rows;
}
