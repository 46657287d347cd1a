// Keeps conflag.job_predicates current: for every enabled job whose stored predicate is missing or out of date
// (conflag.job_selection_digest: its condition, scope, action, time zone, the jobs it yields to, the catalog or the
// recording source changed), compile scope AND condition AND NOT winners the way a run does (recordingsOfJob), with
// "now" bound live, and store it; drop the rows of disabled and deleted jobs. The database then counts what jobs
// select in common itself (conflag.job_conflicts). Each batch is one REPEATABLE READ transaction, so a predicate
// and its digest describe the same state of the jobs and catalogs. Called on every job change and reconcile;
// idempotent, so runners doing it at once only repeat each other. A write conflict (40001: another refresh stored
// a row this one wanted) retries the batch with a fresh snapshot rather than leaving it to the other refresh: that
// one may have started before the latest job change and not seen it, and nothing else would store it until the
// next reconcile, while job_conflicts showed a stale or missing count.
import os from 'node:os';
import type pg from 'pg';
import { loadCatalog } from '../condition/loadCatalog.ts';
import { recordingsOfJob } from '../condition/recordingsOfJob.ts';
import { compileSql } from '../db/kysely.ts';
import type { Logger } from '../log.ts';
import { loadRecordingSource } from '../source/recordingSource.ts';
import { loadJob } from '../sql/loadJob.ts';
import { resolveTimezone } from '../sql/resolveTimezone.ts';
import { storedPredicate } from './storedPredicate.ts';

export interface RefreshResult {
  compiled: number;
  removed: number;
  /** Jobs whose predicate could not be compiled (logged; they have no row, so job_conflicts names them). */
  failed: number;
}

const BATCH = 200;
/** Write conflicts on one batch before the refresh gives up (and its caller logs a failed pass). */
const MAX_CONFLICTS = 5;

export async function refreshJobPredicates(pool: pg.Pool, options: { log: Logger; all?: boolean }): Promise<RefreshResult> {
  const result: RefreshResult = { compiled: 0, removed: 0, failed: 0 };
  const removed = await pool.query(
    `DELETE FROM conflag.job_predicates p WHERE NOT EXISTS (SELECT FROM conflag.jobs j WHERE j.id = p.job_id AND j.enabled)`,
  );
  result.removed = removed.rowCount ?? 0;
  const client = await pool.connect();
  try {
    let after = '0';
    let conflicts = 0;
    for (;;) {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      try {
        const { rows } = await client.query<{ id: string; digest: string }>(
          `SELECT j.id::text, conflag.job_selection_digest(j.id) AS digest
             FROM conflag.jobs j LEFT JOIN conflag.job_predicates p ON p.job_id = j.id
            WHERE j.enabled AND j.id > $1::bigint AND ($2 OR p.digest IS DISTINCT FROM conflag.job_selection_digest(j.id))
            ORDER BY j.id LIMIT ${BATCH}`,
          [after, options.all === true],
        );
        // Counted only once committed: a batch retried after a write conflict is not counted twice.
        const batch = { compiled: 0, failed: 0 };
        if (rows.length) await compileBatch(client, rows, batch, options.log);
        await client.query('COMMIT');
        result.compiled += batch.compiled;
        result.failed += batch.failed;
        conflicts = 0;
        if (rows.length < BATCH) break;
        after = rows[rows.length - 1].id;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        if ((error as { code?: string }).code !== '40001' || ++conflicts > MAX_CONFLICTS) throw error;
        options.log.debug({ after, conflicts }, 'job predicates: write conflict with another refresh; retrying the batch');
        await new Promise((resolve) => setTimeout(resolve, 20 * conflicts * Math.random()));
      }
    }
  } finally {
    client.release();
  }
  return result;
}

async function compileBatch(client: pg.ClientBase, jobs: Array<{ id: string; digest: string }>, result: { compiled: number; failed: number }, log: Logger): Promise<void> {
  const [catalog, source] = [await loadCatalog(client), await loadRecordingSource(client)];
  const runner = `${os.hostname()}/${process.pid}`;
  for (const { id, digest } of jobs) {
    const job = await loadJob(client, id);
    if (!job) continue;
    let stored;
    try {
      const timezone = await resolveTimezone(client, job.timezone);
      stored = storedPredicate(compileSql(recordingsOfJob(job, catalog, { timezone, asOf: new Date(), liveAsOf: true }, source)));
    } catch (error) {
      result.failed++;
      log.error({ err: error, job: Number(id) }, "cannot compile a job's predicate for conflag.job_conflicts; its conflicts show as unknown until it is fixed");
      await client.query('DELETE FROM conflag.job_predicates WHERE job_id = $1::bigint', [id]);
      continue;
    }
    await client.query(
      `INSERT INTO conflag.job_predicates AS p (job_id, predicate, parameters, digest, compiled_at, compiled_by)
       VALUES ($1::bigint, $2, $3::text[], $4, now(), $5)
       ON CONFLICT (job_id) DO UPDATE
          SET predicate = EXCLUDED.predicate, parameters = EXCLUDED.parameters, digest = EXCLUDED.digest,
              compiled_at = EXCLUDED.compiled_at, compiled_by = EXCLUDED.compiled_by`,
      [id, stored.predicate, stored.parameters, digest, runner],
    );
    result.compiled++;
  }
}
