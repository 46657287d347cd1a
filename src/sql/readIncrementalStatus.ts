// An incremental job's state for its page (conflag.job_incremental_status): what it remembers and where its next
// run continues from. No row: the job has not run incrementally yet (or was reset).
import type pg from 'pg';

export interface IncrementalStatus {
  remembered_recordings: string;
  remembering_since: Date;
  last_run_id: string | null;
  last_snapshot_at: Date | null;
  running_run_id: string | null;
}

export async function readIncrementalStatus(db: pg.Pool | pg.ClientBase, jobId: string): Promise<IncrementalStatus | undefined> {
  const { rows } = await db.query<IncrementalStatus>(
    `SELECT remembered_recordings::text, remembering_since, last_run_id::text, last_snapshot_at, running_run_id::text
       FROM conflag.job_incremental_status WHERE job_id = $1::bigint`,
    [jobId],
  );
  return rows[0];
}
