// Decides what a run goes through and records it on the run row (scan, max_id, candidates):
// - full mode, or incremental without a usable last snapshot: the whole table, ids up to max(id) now;
// - incremental with a last snapshot, the same fingerprint (condition, scope, timezone, action, compiled SQL) and
//   a condition that does not depend on the run's time: only recordings in the change log of transactions not
//   visible in that snapshot (`xid >= pg_snapshot_xmin(prev)` via the index, then pg_visible_in_snapshot), which
//   also catches transactions that were still open then and committed late. Those ids go to run_candidates.
// For incremental runs the state row is written BEFORE the snapshot is taken (same transaction), so
// prune_recording_changes (which takes a SHARE lock on the state table) either sees this run's snapshot or ran
// entirely before it — it never deletes change-log rows this run's successor needs.
import type pg from 'pg';
import type { RunScan } from '../run/types.ts';

export interface PreparedScan {
  scan: RunScan;
  /** Lowest and highest recording id when the run started (for progress; max_id also bounds a table scan). */
  minId: string | null;
  maxId: string | null;
  candidates: number | null;
}

export async function prepareScan(
  client: pg.ClientBase,
  input: { runId: string; jobId: string; incremental: boolean; fingerprint: string; timeDependent: boolean },
): Promise<PreparedScan> {
  await client.query('BEGIN');
  try {
    let scan: RunScan = 'table';
    let candidates: number | null = null;
    let maxId: string | null;
    let minId: string | null;
    if (!input.incremental) {
      const bounds = await client.query<{ min_id: string | null; max_id: string | null }>(
        `SELECT min(id)::text AS min_id, max(id)::text AS max_id FROM conflag.recordings`,
      );
      ({ min_id: minId, max_id: maxId } = bounds.rows[0]);
    } else {
      await client.query(
        `INSERT INTO conflag.job_incremental_state (job_id) VALUES ($1::bigint) ON CONFLICT (job_id) DO NOTHING`,
        [input.jobId],
      );
      const state = await client.query<{ last_snapshot: string | null; fingerprint: string | null }>(
        `SELECT last_snapshot::text, fingerprint FROM conflag.job_incremental_state WHERE job_id = $1::bigint FOR UPDATE`,
        [input.jobId],
      );
      // One statement: every recording visible in the snapshot has an id <= max_id.
      const now = await client.query<{ snapshot: string; min_id: string | null; max_id: string | null }>(
        `SELECT pg_current_snapshot()::text AS snapshot, (SELECT min(id) FROM conflag.recordings)::text AS min_id,
                (SELECT max(id) FROM conflag.recordings)::text AS max_id`,
      );
      ({ min_id: minId, max_id: maxId } = now.rows[0]);
      await client.query(
        `UPDATE conflag.job_incremental_state SET running_run_id = $2::bigint, running_snapshot = $3::pg_snapshot
          WHERE job_id = $1::bigint`,
        [input.jobId, input.runId, now.rows[0].snapshot],
      );
      const previous = state.rows[0];
      if (previous.last_snapshot && previous.fingerprint === input.fingerprint && !input.timeDependent) {
        scan = 'changes';
        const inserted = await client.query(
          `INSERT INTO conflag.run_candidates (run_id, recording_id)
           SELECT DISTINCT $1::bigint, c.recording_id
             FROM conflag.recording_changes c
            WHERE c.xid >= pg_snapshot_xmin($2::pg_snapshot)
              AND NOT pg_visible_in_snapshot(c.xid, $2::pg_snapshot)`,
          [input.runId, previous.last_snapshot],
        );
        candidates = inserted.rowCount ?? 0;
      }
    }
    await client.query(
      `UPDATE conflag.job_runs SET scan = $2, max_id = $3::bigint, candidates = $4::bigint, heartbeat_at = clock_timestamp()
        WHERE id = $1::bigint`,
      [input.runId, scan, maxId, candidates],
    );
    await client.query('COMMIT');
    return { scan, minId, maxId, candidates };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}
