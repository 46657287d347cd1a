// The job's start lock: a transaction-level advisory lock that serialises, per job, starting a run, recording a
// run's end, picking up requests for the job, the keep-alive's look at the job's run and
// conflag.reset_incremental_state (which take the same key in SQL). Held until the caller's transaction ends.
import type pg from 'pg';

export async function lockJobStart(client: pg.ClientBase, jobId: string | number): Promise<void> {
  await client.query(`SELECT pg_advisory_xact_lock(hashtext('conflag.job'), ($1::bigint % 2147483647)::integer)`, [jobId]);
}
