// What an incremental job's state said when a run planned its scan — read for the run log only (executeRun,
// log_enabled), after prepareScan: that transaction changes only the running_* columns, and nothing else writes
// the last_* columns while the run is running (reset_incremental_state refuses), so this is what it decided on.
import type pg from 'pg';

export interface IncrementalStateSeen {
  hasSnapshot: boolean;
  sameFingerprint: boolean;
  lastRunId: string | null;
  lastSnapshotAt: Date | null;
  processedCount: number;
}

export async function incrementalStateOf(db: pg.ClientBase, jobId: string, fingerprint: string): Promise<IncrementalStateSeen | undefined> {
  const { rows } = await db.query<IncrementalStateSeen>(
    `SELECT last_snapshot IS NOT NULL AS "hasSnapshot", fingerprint IS NOT DISTINCT FROM $2 AS "sameFingerprint",
            last_run_id::text AS "lastRunId", last_snapshot_at AS "lastSnapshotAt", processed_count::float8 AS "processedCount"
       FROM conflag.job_incremental_state WHERE job_id = $1::bigint`,
    [jobId, fingerprint],
  );
  return rows[0];
}
