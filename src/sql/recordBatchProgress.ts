// Progress of a run, written in the SAME transaction as its batch (as its last statement, so the run row is
// locked only for the commit when several connections work on one run), so job_runs never counts a batch that
// rolled back and heartbeat_at moves only with real progress. Refuses (returns 'not-running') when the run is no longer
// 'running' — expire_stalled_runs may have failed it meanwhile — and reports a deleted job (job_id set NULL):
// the caller then rolls the batch back and stops.
import type pg from 'pg';
import type { BatchCounts } from './applyBatch.ts';

export type ProgressOutcome = 'ok' | 'not-running' | 'job-deleted';

export async function recordBatchProgress(
  client: pg.ClientBase,
  input: { runId: string; jobId: string; units: number; counts: BatchCounts; incremental: boolean },
): Promise<ProgressOutcome> {
  const { counts } = input;
  const { rows } = await client.query<{ job_id: string | null }>(
    `UPDATE conflag.job_runs
        SET batches = batches + 1, matched = matched + $2, changed = changed + $3, skipped = skipped + $4,
            scanned_units = scanned_units + $5, flip_flops = flip_flops + $6, heartbeat_at = clock_timestamp()
      WHERE id = $1::bigint AND status = 'running'
      RETURNING job_id::text`,
    [input.runId, counts.matched, counts.changed, counts.skipped, input.units, counts.flipFlops],
  );
  if (!rows[0]) return 'not-running';
  if (rows[0].job_id === null) return 'job-deleted';
  if (input.incremental && counts.remembered > 0) {
    await client.query(
      `UPDATE conflag.job_incremental_state SET processed_count = processed_count + $2 WHERE job_id = $1::bigint`,
      [input.jobId, counts.remembered],
    );
  }
  return 'ok';
}
