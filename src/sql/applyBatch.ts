// One batch of a run, as ONE statement (inside the batch's transaction, see executeRun):
//   m: the recordings of the id range (scan = changes: only the run's candidates in it) that satisfy the job's
//      scope and condition — the compiled predicate from src/condition, evaluated once per row; for incremental
//      jobs, whether the job processed them before (index probe, only for matching rows);
//   u: the UPDATE, only of rows whose flag differs (and not processed before), by primary key; the predicate and
//      the flag test are repeated so a row changed concurrently is re-checked on its newest version. The id range
//      is repeated too: on a small table PostgreSQL may scan it whole and test the predicate before `= ANY`, and a
//      row outside the batch must never be evaluated there (seen on PostgreSQL 15: an error in batch 2's row
//      failed batch 1);
//   p: incremental jobs remember what they processed (matched, not processed before).
// A plain range UPDATE would need a second scan to count the rows that already had the right flag; this reads
// the range once and writes only rows that change (a re-run on unchanged data writes nothing). bench/README.md.
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type pg from 'pg';
import { compileSql } from '../db/kysely.ts';
import type { RunScan } from '../run/types.ts';

export interface BatchCounts {
  matched: number;
  changed: number;
  skipped: number;
  /** Recordings newly remembered as processed (incremental). */
  remembered: number;
}

export interface BatchInput {
  runId: string;
  jobId: string;
  scan: RunScan;
  incremental: boolean;
  /** true for action 'set', false for 'clear'. */
  target: boolean;
  /** recordingsOfJob(job, catalog, ctx): scope AND condition over alias r. */
  predicate: RawBuilder<SqlBool>;
  after: string;
  upTo: string;
}

export function batchStatement(input: BatchInput): RawBuilder<unknown> {
  const { predicate, target, runId, jobId } = input;
  const range = sql`r.id > ${input.after}::bigint AND r.id <= ${input.upTo}::bigint`;
  const inRange =
    input.scan === 'changes'
      ? sql`${range} AND r.id IN (SELECT c.recording_id FROM conflag.run_candidates c
                                   WHERE c.run_id = ${runId}::bigint
                                     AND c.recording_id > ${input.after}::bigint AND c.recording_id <= ${input.upTo}::bigint)`
      : range;
  const done = input.incremental
    ? sql`EXISTS (SELECT 1 FROM conflag.job_processed_recordings p
                   WHERE p.job_id = ${jobId}::bigint AND p.recording_id = r.id)`
    : sql`false`;
  const remember = input.incremental
    ? sql`, p AS (
        INSERT INTO conflag.job_processed_recordings (job_id, recording_id, run_id)
        SELECT ${jobId}::bigint, m.id, ${runId}::bigint FROM m WHERE NOT m.done
        ON CONFLICT (job_id, recording_id) DO NOTHING
        RETURNING 1)`
    : sql``;
  return sql`WITH m AS MATERIALIZED (
  SELECT r.id, r.confidential IS DISTINCT FROM ${target}::boolean AS differs, ${done} AS done
    FROM conflag.recordings r
   WHERE ${inRange} AND (${predicate})
), u AS (
  UPDATE conflag.recordings r
     SET confidential = ${target}::boolean, confidential_changed_at = now(), confidential_changed_by_run = ${runId}::bigint
   WHERE ${range} AND r.id = ANY (ARRAY(SELECT m.id FROM m WHERE m.differs AND NOT m.done))
     AND (${predicate}) AND r.confidential IS DISTINCT FROM ${target}::boolean
  RETURNING 1
)${remember}
SELECT count(*) FILTER (WHERE NOT m.done)::integer AS matched,
       count(*) FILTER (WHERE m.done)::integer AS skipped,
       (SELECT count(*) FROM u)::integer AS changed,
       ${input.incremental ? sql`(SELECT count(*) FROM p)` : sql`0`}::integer AS remembered
  FROM m`;
}

export async function applyBatch(client: pg.ClientBase, input: BatchInput): Promise<BatchCounts> {
  const { sql: text, parameters } = compileSql(batchStatement(input));
  const { rows } = await client.query<BatchCounts>(text, parameters);
  return rows[0];
}
