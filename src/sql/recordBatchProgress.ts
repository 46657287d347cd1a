// Progress of a run, written in the SAME transaction as its batch (as its last statement, so the run row is
// locked only for the commit when several connections work on one run), so job_runs never counts a batch that
// rolled back and heartbeat_at moves only with real progress. Refuses (returns 'not-running') when the run is no longer
// 'running' — expire_stalled_runs may have failed it meanwhile — and reports a deleted job (job_id set NULL):
// the caller then rolls the batch back and stops. Through conflag.record_batch_progress: counts only grow, and the
// runner role may not UPDATE job_runs (migration 0010).
import type pg from 'pg';
import type { BatchCounts } from './applyBatch.ts';

export type ProgressOutcome = 'ok' | 'not-running' | 'job-deleted';

export async function recordBatchProgress(
  client: pg.ClientBase,
  input: { runId: string; jobId: string; units: number; counts: BatchCounts; incremental: boolean },
): Promise<ProgressOutcome> {
  const { counts } = input;
  const { rows } = await client.query<{ outcome: ProgressOutcome }>(
    `SELECT conflag.record_batch_progress($1::bigint, $2::bigint, $3::bigint, $4::bigint, $5::bigint, $6::bigint, $7::bigint) AS outcome`,
    [input.runId, counts.matched, counts.changed, counts.skipped, input.units, counts.flipFlops, input.incremental ? counts.remembered : 0],
  );
  return rows[0].outcome;
}
