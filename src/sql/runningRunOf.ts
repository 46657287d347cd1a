// The run of a job that is in progress right now, if any (the CLI reports it or waits for it to end): a 'running'
// row whose session still holds the job's liveness lock. A dead one (its runner gone) is not in progress: the next
// run takes over from it.
import type pg from 'pg';

export interface RunningRun {
  id: string;
  started_at: Date;
  heartbeat_at: Date;
  batches: number;
}

export async function runningRunOf(db: pg.Pool | pg.ClientBase, jobId: string): Promise<RunningRun | undefined> {
  const { rows } = await db.query<RunningRun>(
    `SELECT id::text, started_at, heartbeat_at, batches FROM conflag.job_runs
      WHERE job_id = $1::bigint AND status = 'running' AND conflag.job_run_alive(job_id)`,
    [jobId],
  );
  return rows[0];
}
