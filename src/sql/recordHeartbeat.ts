// A heartbeat of a run in progress: job_runs.heartbeat_at = now, written by the run's runner on a connection
// other than the run's own (which may be busy in a long statement). Never waits for a row lock: when the run's
// own transaction is writing the row right now (a batch recording its progress), the run is evidently alive and
// that write moves heartbeat_at too ('busy'). 'ended' when the run is no longer running. conflag.record_heartbeat:
// the runner role may not UPDATE job_runs (migration 0010).
import type pg from 'pg';

export type HeartbeatOutcome = 'ok' | 'busy' | 'ended';

export async function recordHeartbeat(db: pg.Pool | pg.ClientBase, runId: string): Promise<HeartbeatOutcome> {
  const { rows } = await db.query<{ outcome: HeartbeatOutcome }>(`SELECT conflag.record_heartbeat($1::bigint) AS outcome`, [runId]);
  return rows[0].outcome;
}
