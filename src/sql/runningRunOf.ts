// The run of a job that is in progress right now, if any (the CLI reports it or waits for it to end).
import type pg from 'pg';

export interface RunningRun {
  id: string;
  started_at: Date;
  heartbeat_at: Date;
  batches: number;
}

export async function runningRunOf(db: pg.Pool | pg.ClientBase, jobId: string): Promise<RunningRun | undefined> {
  const { rows } = await db.query<RunningRun>(
    `SELECT id::text, started_at, heartbeat_at, batches FROM conflag.job_runs WHERE job_id = $1::bigint AND status = 'running'`,
    [jobId],
  );
  return rows[0];
}
