// The demo's example job: "flag calls longer than 2 hours", every 5 minutes. Inserted only when no job has
// that name (ignoring case), so `conflag demo` can run again without failing on the unique name; not with
// ON CONFLICT, which the jobs validation trigger rules out (it reports a taken name before the index could).
import type pg from 'pg';

export const DEMO_JOB = {
  name: 'flag calls longer than 2 hours',
  condition: { all: [{ fact: 'duration', operator: 'greaterThan', value: 7200 }] },
  action: 'set',
  schedule: '*/5 * * * *',
} as const;

/** Inserts the demo job if absent; returns its id and whether it was added now. */
export async function insertDemoJob(client: pg.ClientBase): Promise<{ id: string; inserted: boolean }> {
  const added = await client.query<{ id: string }>(
    `INSERT INTO conflag.jobs (name, condition, action, schedule)
     SELECT $1, $2, $3, $4
      WHERE NOT EXISTS (SELECT 1 FROM conflag.jobs WHERE lower(name) = lower($1))
     RETURNING id`,
    [DEMO_JOB.name, JSON.stringify(DEMO_JOB.condition), DEMO_JOB.action, DEMO_JOB.schedule],
  );
  if (added.rows.length) return { id: added.rows[0].id, inserted: true };
  const existing = await client.query<{ id: string }>(`SELECT id FROM conflag.jobs WHERE lower(name) = lower($1)`, [DEMO_JOB.name]);
  return { id: existing.rows[0].id, inserted: false };
}
