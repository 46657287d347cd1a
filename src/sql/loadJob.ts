// Reads the job a run applies: by id for executeRun, by name (any case) or id for the CLI — with the enabled jobs of
// the opposite action it yields to (conflag.job_precedence), whose selection recordingsOfJob excludes.
import type pg from 'pg';
import type { JobRow } from '../run/types.ts';

/** JobRow.yields_to of the job aliased j: its enabled winners of the opposite action, with their resolved zones. */
export const YIELDS_TO = `(SELECT coalesce(jsonb_agg(jsonb_build_object('id', w.id::text, 'name', w.name, 'access_scope', w.access_scope,
                                                            'condition', w.condition, 'timezone', conflag.job_timezone(w.timezone)) ORDER BY w.id), '[]')
                 FROM conflag.job_precedence p JOIN conflag.jobs w ON w.id = p.winner_job_id
                WHERE p.loser_job_id = j.id AND w.enabled AND w.action <> j.action) AS yields_to`;

const COLUMNS = `j.id::text AS id, j.name, j.access_scope, j.mode, j.condition, j.action, j.log_enabled, j.timezone,
                 j.execution_time_limit_minutes, j.keep_alive_timeout_minutes, j.parallelism, ${YIELDS_TO}`;

export async function loadJob(db: pg.Pool | pg.ClientBase, jobId: string | number | bigint): Promise<JobRow | undefined> {
  const { rows } = await db.query<JobRow>(`SELECT ${COLUMNS} FROM conflag.jobs j WHERE j.id = $1::bigint`, [String(jobId)]);
  return rows[0];
}

/** A job by its id (digits) or its name, ignoring case; an id wins over a job named like a number. */
export async function findJob(db: pg.Pool | pg.ClientBase, nameOrId: string): Promise<JobRow | undefined> {
  const { rows } = await db.query<JobRow>(
    `SELECT ${COLUMNS} FROM conflag.jobs j
      WHERE ($1 ~ '^[0-9]{1,18}$' AND j.id = CASE WHEN $1 ~ '^[0-9]{1,18}$' THEN $1::bigint END) OR lower(j.name) = lower($1)
      ORDER BY (j.id::text = $1) DESC LIMIT 1`,
    [nameOrId],
  );
  return rows[0];
}
