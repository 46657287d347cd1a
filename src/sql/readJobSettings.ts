// Every setting of one job, for its page (conflag.jobs as the DBA wrote it).
import type pg from 'pg';
import type { JobRow } from '../run/types.ts';
import { YIELDS_TO } from './loadJob.ts';

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
    `SELECT j.id::text, j.name, j.access_scope, j.mode, j.condition, j.action, j.log_enabled, j.keep_history_days, j.timezone,
            j.execution_time_limit_minutes, j.keep_alive_timeout_minutes, j.parallelism, j.notify_on_completion, j.notify_on_failure, j.notify_emails,
            j.schedule, j.enabled, j.created_at, j.updated_at, ${YIELDS_TO}
       FROM conflag.jobs j WHERE j.id = $1::bigint`,
    [jobId],
  );
  return rows[0];
}
