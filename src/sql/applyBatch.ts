// One batch of a run, as ONE statement (inside the batch's own transaction, see src/run/runBatches.ts):
//   m: the recordings of the batch that satisfy the job's scope and condition (the compiled predicate from
//      src/condition, evaluated once per row), with whether their flag differs and — incremental jobs — whether
//      the job processed them before. A table batch is a block range of one heap (ctid >= (lo,0) AND ctid <
//      (hi,0): a TID Range Scan, sequential reads, any key type); a changes batch is a range of the run's
//      listed candidates, or (a small change list) the keys in the change log between two snapshots, found by key
//      through the table's key index. A row whose newest version one of this run's own
//      batches wrote (conflag.run_batch_xids) was counted already: an update that does not fit its page moves
//      the row, possibly into a block not scanned yet.
//   u: the UPDATE, only of rows whose flag differs (and not processed before), by ctid (a TID Scan) or by key;
//      the predicate and the flag test are repeated so a row changed concurrently is re-checked on its newest
//      version (READ COMMITTED re-evaluates the WHERE on it; a row moved by a concurrent update no longer has
//      that ctid and is left to a later batch or run);
//   p: incremental jobs remember what they processed (matched, not processed before);
//   h: the flag history: one conflag.flag_history row per row u changed — its key and tenant, the run's job id and
//      name copied (old is NOT target: u only writes rows whose flag differs) — in the same statement as the change;
//   x: the batch's transaction id, when it wrote rows (see m);
//   flipFlops: of the rows u changed, those whose last change (their newest flag history row, written before this
//      statement) was made by another job and set the flag this run undoes: set and clear jobs fighting over them
//      (docs/dba.md "Conflicts"). One index probe per changed row; 0 without the flag history (bench only).
// A plain UPDATE would need a second scan to count the rows that already had the right flag; this reads the
// range once and writes only rows that change (a re-run on unchanged data writes nothing). docs/performance.md.
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type pg from 'pg';
import { compileSql } from '../db/kysely.ts';
import type { RecordingSource } from '../source/recordingSource.ts';

export interface BatchCounts {
  matched: number;
  changed: number;
  skipped: number;
  /** Recordings newly remembered as processed (incremental). */
  remembered: number;
  /** Of `changed`: recordings whose flag another job had changed last, to the value this run changed it from. */
  flipFlops: number;
}

/**
 * A block range [from, to) of one heap, a range (after, upTo] of the run's listed candidates, or every recording in
 * the change log of transactions not visible in snapshot `since` and visible in `until` (a small change list,
 * read straight from the log in one batch: src/sql/prepareScan.ts).
 */
export type BatchRange =
  | { kind: 'blocks'; heap: string; from: number; to: number }
  | { kind: 'candidates'; after: number; upTo: number }
  | { kind: 'changes'; since: string; until: string };

export interface BatchInput {
  runId: string;
  jobId: string;
  incremental: boolean;
  /** true for action 'set', false for 'clear'. */
  target: boolean;
  /** recordingsOfJob(job, catalog, ctx): scope AND condition over alias r. */
  predicate: RawBuilder<SqlBool>;
  source: RecordingSource;
  range: BatchRange;
  /** false only in bench/runFlagHistoryBench.ts, to measure what the flag history costs (ExecuteRunOptions.flagHistory). */
  flagHistory?: boolean;
}

export function batchStatement(input: BatchInput): RawBuilder<unknown> {
  const { predicate, target, runId, jobId, source, range } = input;
  const flag = sql.raw(`r.${source.flagColumn}`);
  const key = sql.raw(source.keySql);
  const keyColumns = sql.raw(`(${source.keyColumnsSql})`);
  const relation = sql.raw(range.kind === 'blocks' ? `ONLY ${range.heap}` : source.table);
  const within = range.kind === 'blocks'
    ? sql`r.ctid >= ${`(${range.from},0)`}::tid AND r.ctid < ${`(${range.to},0)`}::tid`
    : keyAmong(source, range.kind === 'candidates'
      ? sql`SELECT ${sql.raw(source.keyFromCandidateSql)} FROM conflag.run_candidates c
             WHERE c.run_id = ${runId}::bigint AND c.seq > ${range.after}::bigint AND c.seq <= ${range.upTo}::bigint`
      : sql`SELECT ${sql.raw(source.keyFromCandidateSql)} FROM conflag.recording_changes c
             WHERE c.xid >= pg_snapshot_xmin(${range.since}::pg_snapshot) AND NOT pg_visible_in_snapshot(c.xid, ${range.since}::pg_snapshot)
               AND pg_visible_in_snapshot(c.xid, ${range.until}::pg_snapshot)`);
  const locate = range.kind === 'blocks'
    ? sql`r.ctid = ANY (ARRAY(SELECT m.tid FROM m WHERE m.differs AND NOT m.done)) AND ${within}`
    : sql`${keyColumns} IN (SELECT ${sql.raw(source.keyFromMatchSql)} FROM m WHERE m.differs AND NOT m.done)`;
  // One index probe per matching row. OFFSET 0 keeps the planner from turning the EXISTS into a hashed subplan,
  // which it chose with stale statistics: every batch then hashed ALL of the job's processed recordings (10 000 of
  // them for 254 matching rows, 28 times in a run on 1 M rows; docs/performance.md).
  const done = input.incremental
    ? sql`EXISTS (SELECT 1 FROM conflag.job_processed_recordings p WHERE p.job_id = ${jobId}::bigint AND p.recording_key = ${key} OFFSET 0)`
    : sql`false`;
  const audit = [
    source.changedAtColumn ? sql`, ${sql.raw(source.changedAtColumn)} = now()` : sql``,
    source.changedByRunColumn ? sql`, ${sql.raw(source.changedByRunColumn)} = ${runId}::bigint` : sql``,
  ];
  const remember = input.incremental
    ? sql`, p AS (
        INSERT INTO conflag.job_processed_recordings (job_id, recording_key, run_id)
        SELECT ${jobId}::bigint, m.key, ${runId}::bigint FROM m WHERE NOT m.done
        ON CONFLICT (job_id, recording_key) DO NOTHING
        RETURNING 1)`
    : sql``;
  // The key is needed to remember processed recordings and to find a changes batch's rows again.
  const keyOrNull = input.incremental || range.kind !== 'blocks' ? key : sql`NULL::jsonb`;
  return sql`WITH m AS MATERIALIZED (
  SELECT r.ctid AS tid, ${keyOrNull} AS key, ${flag} IS DISTINCT FROM ${target}::boolean AS differs, ${done} AS done
    FROM ${relation} r
   WHERE ${within} AND (${predicate})
     AND NOT (${flag} IS NOT DISTINCT FROM ${target}::boolean
              AND r.xmin = ANY (ARRAY(SELECT x.xid::xid FROM conflag.run_batch_xids x WHERE x.run_id = ${runId}::bigint)))
), u AS (
  UPDATE ${relation} r
     SET ${sql.raw(source.flagColumn)} = ${target}::boolean${audit[0]}${audit[1]}
   WHERE ${locate}
     AND (${predicate}) AND ${flag} IS DISTINCT FROM ${target}::boolean
  RETURNING ${key} AS key, ${sql.raw(`r.${source.tenantColumn}`)} AS tenant
)${input.flagHistory === false ? sql`` : sql`, h AS (
  INSERT INTO conflag.flag_history (recording_key, tenant_id, changed_at, old_confidential, new_confidential, run_id, job_id, job_name)
  SELECT u.key, u.tenant, now(), NOT ${target}::boolean, ${target}::boolean, run.id, run.job_id, run.job_name
    FROM u, conflag.job_runs run WHERE run.id = ${runId}::bigint
)`}${remember}, x AS (
  INSERT INTO conflag.run_batch_xids (run_id, xid)
  SELECT ${runId}::bigint, pg_current_xact_id() WHERE EXISTS (SELECT 1 FROM u)
  ON CONFLICT DO NOTHING
)
SELECT count(*) FILTER (WHERE NOT m.done)::integer AS matched,
       count(*) FILTER (WHERE m.done)::integer AS skipped,
       (SELECT count(*) FROM u)::integer AS changed,
       ${input.incremental ? sql`(SELECT count(*) FROM p)` : sql`0`}::integer AS remembered,
       ${input.flagHistory === false ? sql`0` : sql`(SELECT count(*) FROM u WHERE EXISTS (
         SELECT 1 FROM (SELECT h.job_id, h.new_confidential FROM conflag.flag_history h
                         WHERE h.recording_key = u.key ORDER BY h.changed_at DESC LIMIT 1) AS last
          WHERE last.new_confidential IS DISTINCT FROM ${target}::boolean AND last.job_id IS DISTINCT FROM ${jobId}::bigint))`}::integer AS "flipFlops"
  FROM m`;
}

/**
 * The table's rows whose key one of `keys`' rows gives. A one-column key is compared with an array (an index scan
 * that sorts and dedups the keys and probes them in order: 26 ms for 10 000 keys where `IN (SELECT ...)`, a nested
 * loop of probes, took 54 ms — PostgreSQL 15, docs/performance.md); a composite key keeps the row comparison.
 */
function keyAmong(source: RecordingSource, keys: RawBuilder<unknown>): RawBuilder<SqlBool> {
  return source.keyColumnCount === 1
    ? sql`${sql.raw(source.keyColumnsSql)} = ANY (ARRAY(${keys}))`
    : sql`(${sql.raw(source.keyColumnsSql)}) IN (${keys})`;
}

export async function applyBatch(client: pg.ClientBase, input: BatchInput): Promise<BatchCounts> {
  const { sql: text, parameters } = compileSql(batchStatement(input));
  const { rows } = await client.query<BatchCounts>(text, parameters);
  return rows[0];
}
