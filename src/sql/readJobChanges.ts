// The edit audit of one job (conflag.job_changes), newest first: who changed it, when, and which settings.
import type pg from 'pg';

export interface JobChange {
  id: string;
  operation: 'INSERT' | 'UPDATE' | 'DELETE';
  changed_by: string;
  changed_at: Date;
  /** UPDATE: the columns whose value differs between old_row and new_row. */
  changed_columns: string[] | null;
}

export async function readJobChanges(db: pg.Pool | pg.ClientBase, jobId: string, limit: number): Promise<JobChange[]> {
  const { rows } = await db.query<JobChange>(
    `SELECT c.id::text, c.operation, c.changed_by, c.changed_at,
            (SELECT array_agg(n.key ORDER BY n.key) FROM jsonb_each(c.new_row) n
              WHERE n.key <> 'updated_at' AND n.value IS DISTINCT FROM c.old_row -> n.key) AS changed_columns
       FROM conflag.job_changes c
      WHERE c.job_id = $1::bigint
      ORDER BY c.id DESC LIMIT $2`,
    [jobId, limit],
  );
  return rows;
}
