// conflag.flag_history as the pages read it: a recording's changes in order (the answer to "why is this call
// confidential?"), and the first changes a run made (found through the BRIN index on changed_at: a run's changes
// lie between its start and its end).
import type pg from 'pg';

export interface FlagChange {
  /** The recording's key as JSON text, e.g. [42]. */
  recording_key: string;
  tenant_id: string;
  changed_at: Date;
  old_confidential: boolean;
  new_confidential: boolean;
  run_id: string;
  job_id: string | null;
  job_name: string;
  /** Whether the run and the job are still there to link to. */
  run_exists: boolean;
  job_exists: boolean;
}

const COLUMNS = `h.recording_key::text, h.tenant_id, h.changed_at, h.old_confidential, h.new_confidential, h.run_id::text,
  h.job_id::text, h.job_name,
  EXISTS (SELECT 1 FROM conflag.job_runs r WHERE r.id = h.run_id) AS run_exists,
  EXISTS (SELECT 1 FROM conflag.jobs j WHERE j.id = h.job_id) AS job_exists`;

export async function readFlagHistoryOfRecording(db: pg.Pool | pg.ClientBase, recordingKey: string, limit: number): Promise<FlagChange[]> {
  const { rows } = await db.query<FlagChange>(
    `SELECT * FROM (SELECT ${COLUMNS} FROM conflag.flag_history h WHERE h.recording_key = $1::jsonb
                     ORDER BY h.changed_at DESC LIMIT $2) newest
      ORDER BY changed_at`,
    [recordingKey, limit],
  );
  return rows;
}

export async function readFlagChangesOfRun(
  db: pg.Pool | pg.ClientBase,
  run: { id: string; started_at: Date; finished_at: Date | null },
  limit: number,
): Promise<FlagChange[]> {
  const { rows } = await db.query<FlagChange>(
    `SELECT ${COLUMNS} FROM conflag.flag_history h
      WHERE h.run_id = $1::bigint AND h.changed_at >= $2 AND h.changed_at <= coalesce($3, now())
      ORDER BY h.recording_key LIMIT $4`,
    [run.id, run.started_at, run.finished_at, limit],
  );
  return rows;
}
