// Every setting of one job, for its page (conflag.jobs as the DBA wrote it).
import type pg from 'pg';
import type { JobRow } from '../run/types.ts';

export interface JobSettings extends JobRow {
  keep_history_days: number;
  notify_on_completion: string;
  notify_on_failure: string;
  notify_emails: string | null;
  schedule: string;
  enabled: boolean;
  created_at: Date;
  updated_at: Date;
}

export async function readJobSettings(db: pg.Pool | pg.ClientBase, jobId: string): Promise<JobSettings | undefined> {
  const { rows } = await db.query<JobSettings>(
    `SELECT id::text, name, access_scope, mode, condition, action, log_enabled, keep_history_days, timezone, execution_time_limit_minutes,
            keep_alive_timeout_minutes, notify_on_completion, notify_on_failure, notify_emails, schedule, enabled, created_at, updated_at
       FROM conflag.jobs WHERE id = $1::bigint`,
    [jobId],
  );
  return rows[0];
}
