// One recording's facts for its page: who it belongs to, the call, and its flag as it is now.
import type pg from 'pg';

export interface RecordingFacts {
  id: string;
  tenant_id: string;
  call_id: string | null;
  started_at: Date;
  duration: number | null;
  direction: string | null;
  confidential: boolean;
  confidential_changed_at: Date | null;
  confidential_changed_by_run: string | null;
}

export async function readRecording(db: pg.Pool | pg.ClientBase, recordingId: string): Promise<RecordingFacts | undefined> {
  const { rows } = await db.query<RecordingFacts>(
    `SELECT id::text, tenant_id, call_id, started_at, duration, direction, confidential, confidential_changed_at,
            confidential_changed_by_run::text
       FROM conflag.recordings WHERE id = $1::bigint`,
    [recordingId],
  );
  return rows[0];
}
