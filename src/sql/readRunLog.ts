// A run's detailed log as `conflag log <run id>` prints it: the run (job, status) and its entries in order,
// through conflag.job_run_log_view, in the order written. The log of one run is small (a few entries plus one per
// batch).
import type pg from 'pg';

export interface RunLogRun {
  id: string;
  job_id: string | null;
  job_name: string;
  status: string;
  log_enabled_now: boolean | null;
}

export interface RunLogRow {
  id: string;
  at: Date;
  elapsed_ms: number;
  level: 'info' | 'warn' | 'error';
  event: string;
  message: string;
  details: Record<string, unknown>;
}

export async function readRunLog(db: pg.Pool | pg.ClientBase, runId: string): Promise<{ run: RunLogRun; entries: RunLogRow[] } | undefined> {
  const run = await db.query<RunLogRun>(
    `SELECT r.id::text, r.job_id::text, r.job_name, r.status, j.log_enabled AS log_enabled_now
       FROM conflag.job_runs r LEFT JOIN conflag.jobs j ON j.id = r.job_id
      WHERE r.id = $1::bigint`,
    [runId],
  );
  if (!run.rows[0]) return undefined;
  const { rows } = await db.query<RunLogRow>(
    // Ordered by the bigint column, qualified: a bare "ORDER BY id" would sort the text output column, and run 7
    // of a 505-entry log started with "batch 88".
    `SELECT l.id::text AS id, l.at, (extract(epoch FROM l.elapsed) * 1000)::float8 AS elapsed_ms, l.level, l.event, l.message, l.details
       FROM conflag.job_run_log_view l WHERE l.run_id = $1::bigint ORDER BY l.id`,
    [runId],
  );
  return { run: run.rows[0], entries: rows };
}
