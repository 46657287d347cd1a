// Decides what a run goes through and records it on the run row (scan, candidates, scan_units):
// - full mode, or incremental without a usable last snapshot: the whole table as its blocks were when the run
//   started (each heap: the table, or each leaf partition), in block ranges;
// - incremental with a last snapshot, the same fingerprint (condition, scope, timezone, action, compiled SQL) and
//   a condition that does not depend on the run's time: only recordings in the change log of transactions not
//   visible in that snapshot (`xid >= pg_snapshot_xmin(prev)` via the index, then pg_visible_in_snapshot), which
//   also catches transactions that were still open then and committed late. Their keys go to run_candidates,
//   numbered so batches take ranges of them — unless there are so many that reading the whole table is cheaper
//   (after a bulk load): then the table is scanned, skipping processed recordings as always; or so few that one
//   batch takes them all (at most `directUpTo`): then the batch reads them from the change log itself, between the
//   last snapshot and this run's, and no list is written (building a list of 10 000 took 53 ms of a 204 ms run,
//   PostgreSQL 15). Why is returned for the run log (runLogEntries.ts words it).
// For incremental runs the state row is written BEFORE the snapshot is taken (same transaction), so
// prune_recording_changes (which takes a SHARE lock on the state table) either sees this run's snapshot or ran
// entirely before it — it never deletes change-log rows this run's successor needs. A direct read relies on the
// same rule: the rows its batch reads later are not visible in the job's last snapshot, which stays stored until
// the run ends (reset_incremental_state refuses while the job runs).
// The change log is only trusted while it can be complete: an incremental run refuses (CF411) while a change-log
// trigger of the recordings table is missing or disabled (conflag.change_log_problem), and reads the whole table
// once when a trigger was put back after its last snapshot (recording_source.change_log_restarted_xid).
// Every run refuses (CF413) while row-level security would not check its writes on the mapped table or one of its
// partitions (conflag.run_scope_problem): a partition attached after the mapping has none of its policies.
import type pg from 'pg';
import { ConflagError, SQLSTATE } from '../errors.ts';
import type { RecordingSource } from '../source/recordingSource.ts';
import type { RunScan } from '../run/types.ts';

/**
 * Above this share of the table's rows (pg_class.reltuples) in the change log, an incremental run reads the table
 * instead: a candidate costs an index probe and a heap fetch, a scanned row a fraction of a sequential page.
 * Measured on 1.3 M rows: 300 000 candidates (23 %) took 3.3 s, the table 1.6 s — break-even near 11 %.
 */
export const CHANGES_SHARE_LIMIT = 0.05;

export interface ScanPlan {
  scan: RunScan;
  /** scan = table: every heap with its size in blocks when the run started. */
  heaps: Array<{ oid: number; name: string; blocks: number }>;
  /** scan = changes: recordings to consider (null when too many changed and the run reads the table). */
  candidates: number | null;
  /** Blocks (table) or candidates (changes) to go through. */
  units: number;
  /** Why this scan. */
  reason: ScanReason;
  /** Incremental: the last successful run the change log is read from. */
  previousRunId: string | null;
  /** scan = changes without a list: one batch reads the change log between these two snapshots. */
  changes?: { since: string; until: string };
}

export type ScanReason =
  | 'full_mode' | 'no_snapshot' | 'settings_changed' | 'time_dependent' | 'change_log_restarted' | 'changes_since_last_run' | 'too_many_changes';

export interface PrepareScanInput {
  runId: string;
  jobId: string;
  incremental: boolean;
  fingerprint: string;
  timeDependent: boolean;
  source: RecordingSource;
  /** At most this many changed recordings are read from the change log in one batch, without a list. */
  directUpTo: number;
}

export async function prepareScan(client: pg.ClientBase, input: PrepareScanInput): Promise<ScanPlan> {
  await client.query('BEGIN');
  try {
    await refuseUnguardedTable(client, input.source);
    const heaps = await heapSizes(client, input.source);
    const blocks = heaps.reduce((n, h) => n + h.blocks, 0);
    let plan: ScanPlan = { scan: 'table', heaps, candidates: null, units: blocks, reason: 'full_mode', previousRunId: null };
    if (input.incremental) plan = await planIncremental(client, input, heaps, blocks);
    await client.query(`SELECT conflag.record_run_scan($1::bigint, $2, $3::bigint, $4::bigint)`, [input.runId, plan.scan, plan.candidates, plan.units]);
    await client.query('COMMIT');
    return plan;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

async function heapSizes(client: pg.ClientBase, source: RecordingSource): Promise<ScanPlan['heaps']> {
  const { rows } = await client.query<{ oid: number; blocks: string }>(
    `SELECT h.oid, (pg_relation_size(h.oid::regclass) / current_setting('block_size')::bigint)::text AS blocks
       FROM unnest($1::oid[]) AS h(oid)`,
    [source.heaps.map((h) => h.oid)],
  );
  const blocks = new Map(rows.map((r) => [Number(r.oid), Number(r.blocks)]));
  return source.heaps.map((h) => ({ ...h, blocks: blocks.get(h.oid) ?? 0 }));
}

async function planIncremental(client: pg.ClientBase, input: PrepareScanInput, heaps: ScanPlan['heaps'], blocks: number): Promise<ScanPlan> {
  await client.query(
    `INSERT INTO conflag.job_incremental_state (job_id) VALUES ($1::bigint) ON CONFLICT (job_id) DO NOTHING`,
    [input.jobId],
  );
  const state = await client.query<{ last_snapshot: string | null; fingerprint: string | null; last_run_id: string | null }>(
    `SELECT last_snapshot::text, fingerprint, last_run_id::text FROM conflag.job_incremental_state WHERE job_id = $1::bigint FOR UPDATE`,
    [input.jobId],
  );
  const now = await client.query<{ snapshot: string }>(`SELECT pg_current_snapshot()::text AS snapshot`);
  await client.query(
    `UPDATE conflag.job_incremental_state SET running_run_id = $2::bigint, running_snapshot = $3::pg_snapshot WHERE job_id = $1::bigint`,
    [input.jobId, input.runId, now.rows[0].snapshot],
  );
  const previous = state.rows[0];
  const table = (reason: ScanReason): ScanPlan => ({ scan: 'table', heaps, candidates: null, units: blocks, reason, previousRunId: previous.last_run_id });
  await refuseBrokenChangeLog(client, input.source);
  if (!previous.last_snapshot) return table('no_snapshot');
  if (previous.fingerprint !== input.fingerprint) return table('settings_changed');
  if (input.timeDependent) return table('time_dependent');
  if (await changeLogRestartedSince(client, previous.last_snapshot)) return table('change_log_restarted');
  const rows = await client.query<{ rows: number }>(
    `SELECT coalesce(sum(greatest(c.reltuples, 0)), 0)::float8 AS rows FROM pg_class c WHERE c.oid = ANY ($1::oid[])`,
    [heaps.map((h) => h.oid)],
  );
  // reltuples is -1 or 0 before the first VACUUM/ANALYZE: then guess from the size (about 50 rows per 8 kB block).
  const tableRows = rows.rows[0].rows > 0 ? rows.rows[0].rows : blocks * 50;
  const limit = Math.max(1000, Math.floor(CHANGES_SHARE_LIMIT * tableRows));
  // Decided before the list is built: building and dropping 250 000 candidates took 3.0 s of a 5.1 s run that then
  // read the table anyway (1 M rows +25 %, PostgreSQL 17; the full run took 1.3 s). Change-log rows are counted,
  // at most limit + 1 of them, through the xid index: a recording changed twice counts twice, so a log of many
  // repeated changes to few recordings reads the table too — slower than its list would have been, never slower
  // than a full run.
  const logged = await client.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT 1 FROM conflag.recording_changes c
      WHERE c.xid >= pg_snapshot_xmin($1::pg_snapshot) AND NOT pg_visible_in_snapshot(c.xid, $1::pg_snapshot) LIMIT $2) s`,
    [previous.last_snapshot, limit + 1],
  );
  if (logged.rows[0].n > limit) return table('too_many_changes');
  const plan = { scan: 'changes', heaps, reason: 'changes_since_last_run', previousRunId: previous.last_run_id } as const;
  const since = previous.last_snapshot;
  if (logged.rows[0].n <= input.directUpTo) return { ...plan, ...await directChanges(client, since, now.rows[0].snapshot) };
  const candidates = await listCandidates(client, input.runId, since);
  return { ...plan, candidates, units: candidates };
}

/** A change list one batch takes whole: counted here, read by the batch from the log between the two snapshots. */
async function directChanges(client: pg.ClientBase, since: string, until: string): Promise<Pick<ScanPlan, 'candidates' | 'units' | 'changes'>> {
  const { rows } = await client.query<{ n: number }>(
    `SELECT count(DISTINCT c.recording_key)::int AS n FROM conflag.recording_changes c
      WHERE c.xid >= pg_snapshot_xmin($1::pg_snapshot) AND NOT pg_visible_in_snapshot(c.xid, $1::pg_snapshot)
        AND pg_visible_in_snapshot(c.xid, $2::pg_snapshot)`,
    [since, until],
  );
  return { candidates: rows[0].n, units: rows[0].n, changes: { since, until } };
}

/** Numbers the changed recordings in run_candidates, for batches that take ranges of them; returns how many. */
async function listCandidates(client: pg.ClientBase, runId: string, since: string): Promise<number> {
  const inserted = await client.query(
    `INSERT INTO conflag.run_candidates (run_id, seq, recording_key)
     SELECT $1::bigint, row_number() OVER (), k.recording_key
       FROM (SELECT DISTINCT c.recording_key
               FROM conflag.recording_changes c
              WHERE c.xid >= pg_snapshot_xmin($2::pg_snapshot)
                AND NOT pg_visible_in_snapshot(c.xid, $2::pg_snapshot)) k`,
    [runId, since],
  );
  return inserted.rowCount ?? 0;
}

/** A heap without the run-scope policies would let a runner login write outside the run's scope: refuse (CF413). */
async function refuseUnguardedTable(client: pg.ClientBase, source: RecordingSource): Promise<void> {
  const { rows } = await client.query<{ problem: string | null }>('SELECT conflag.run_scope_problem() AS problem');
  if (rows[0].problem) {
    throw new ConflagError(
      SQLSTATE.runScopeUnguarded,
      `row-level security would not check this run's writes on ${source.table} against its scope: ${rows[0].problem}; ` +
        'run SELECT conflag.install_run_scope_policies() as the table\'s owner',
    );
  }
}

/** A change log with a gap would make an incremental run skip recordings silently: refuse instead (CF411). */
async function refuseBrokenChangeLog(client: pg.ClientBase, source: RecordingSource): Promise<void> {
  const { rows } = await client.query<{ problem: string | null }>('SELECT conflag.change_log_problem() AS problem');
  if (rows[0].problem) {
    throw new ConflagError(
      SQLSTATE.changeLogBroken,
      `incremental runs read the change log of ${source.table}, which cannot be trusted: ${rows[0].problem}; ` +
        'run SELECT conflag.install_change_log_triggers() as the table\'s owner (the next run then reads the whole table once)',
    );
  }
}

/** Whether a change-log trigger was put back after the snapshot: the log may miss changes made before that. */
async function changeLogRestartedSince(client: pg.ClientBase, snapshot: string): Promise<boolean> {
  const { rows } = await client.query<{ restarted: boolean }>(
    `SELECT coalesce(NOT pg_visible_in_snapshot(s.change_log_restarted_xid, $1::pg_snapshot), false) AS restarted
       FROM conflag.recording_source s`,
    [snapshot],
  );
  return rows[0]?.restarted ?? false;
}
