// One run as its page shows it: the run row, whether its job still exists, and whether it has a detailed log.
import type pg from 'pg';

export interface RunDetails {
  id: string;
  job_id: string | null;
  job_name: string;
  job_exists: boolean;
  trigger: string;
  attempt: number;
  request_id: string | null;
  status: string;
  started_at: Date;
  finished_at: Date | null;
  heartbeat_at: Date;
  as_of: Date;
  timezone: string;
  mode: string;
  action: string;
  access_scope: string[] | null;
  condition: unknown;
  scan: string | null;
  parallelism: number | null;
  batch_target_ms: number | null;
  scan_units: string | null;
  scanned_units: string;
  candidates: string | null;
  batches: number;
  matched: string;
  changed: string;
  skipped: string;
  error: string | null;
  retry_planned: boolean;
  runner: string | null;
  log_entries: number;
}

export async function readRun(db: pg.Pool | pg.ClientBase, runId: string): Promise<RunDetails | undefined> {
  const { rows } = await db.query<RunDetails>(
    `SELECT r.id::text, r.job_id::text, r.job_name, j.id IS NOT NULL AS job_exists, r.trigger, r.attempt, r.request_id::text, r.status,
            r.started_at, r.finished_at, r.heartbeat_at, r.as_of, r.timezone, r.mode, r.action, r.access_scope, r.condition, r.scan,
            r.parallelism, r.batch_target_ms, r.scan_units::text, r.scanned_units::text, r.candidates::text, r.batches, r.matched::text, r.changed::text,
            r.skipped::text, r.error, r.retry_planned, r.runner,
            (SELECT count(*)::int FROM conflag.job_run_log l WHERE l.run_id = r.id) AS log_entries
       FROM conflag.job_runs r LEFT JOIN conflag.jobs j ON j.id = r.job_id
      WHERE r.id = $1::bigint`,
    [runId],
  );
  return rows[0];
}
