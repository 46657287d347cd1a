// A heartbeat of a run in progress: job_runs.heartbeat_at = now, written by the run's runner on a connection
// other than the run's own (which may be busy in a long statement). Never waits for a row lock: when the run's
// own transaction is writing the row right now (a batch recording its progress), the run is evidently alive and
// that write moves heartbeat_at too ('busy'). 'ended' when the run is no longer running.
import type pg from 'pg';

export type HeartbeatOutcome = 'ok' | 'busy' | 'ended';

export async function recordHeartbeat(db: pg.Pool | pg.ClientBase, runId: string): Promise<HeartbeatOutcome> {
  const { rows } = await db.query<{ running: boolean; written: boolean }>(
    `WITH mine AS (
       SELECT id FROM conflag.job_runs WHERE id = $1::bigint AND status = 'running' FOR NO KEY UPDATE SKIP LOCKED
     ), beat AS (
       UPDATE conflag.job_runs r SET heartbeat_at = clock_timestamp() FROM mine WHERE r.id = mine.id RETURNING r.id
     )
     SELECT EXISTS (SELECT 1 FROM conflag.job_runs WHERE id = $1::bigint AND status = 'running') AS running,
            EXISTS (SELECT 1 FROM beat) AS written`,
    [runId],
  );
  if (rows[0].written) return 'ok';
  return rows[0].running ? 'busy' : 'ended';
}
