// A job's runs for its page: a page of the history, newest first (keyset: ids before `before`), and the points of
// its "changed per run" chart (the newest `limit` finished runs, oldest first).
import type pg from 'pg';

export interface RunSummary {
  id: string;
  trigger: string;
  attempt: number;
  status: string;
  started_at: Date;
  finished_at: Date | null;
  matched: string;
  changed: string;
  error: string | null;
}

export async function readJobRuns(db: pg.Pool | pg.ClientBase, jobId: string, page: { before: string | null; limit: number }): Promise<RunSummary[]> {
  const { rows } = await db.query<RunSummary>(
    `SELECT id::text, trigger, attempt, status, started_at, finished_at, matched::text, changed::text, error
       FROM conflag.job_runs
      WHERE job_id = $1::bigint AND ($2::bigint IS NULL OR id < $2::bigint)
      ORDER BY id DESC LIMIT $3`,
    [jobId, page.before, page.limit],
  );
  return rows;
}

export interface ChartPoint {
  id: string;
  started_at: Date;
  status: string;
  changed: number;
}

export async function readChangedPerRun(db: pg.Pool | pg.ClientBase, jobId: string, limit: number): Promise<ChartPoint[]> {
  const { rows } = await db.query<ChartPoint>(
    `SELECT * FROM (SELECT id::text, started_at, status, changed::float8 AS changed
                      FROM conflag.job_runs
                     WHERE job_id = $1::bigint AND status NOT IN ('running', 'skipped')
                     ORDER BY id DESC LIMIT $2) newest
      ORDER BY id::bigint`,
    [jobId, limit],
  );
  return rows;
}
