// Picks up run-now requests (conflag.run_requests, written by conflag.request_run) and turns each into a queued
// run. Rows are claimed FOR UPDATE SKIP LOCKED and marked picked_up_at in the same transaction as the enqueue,
// so with several runners each request becomes exactly one run; run_id is filled in when the run starts
// (runWorker.ts). Woken by NOTIFY conflag_run_requests, with polling as the fallback.
import type pg from 'pg';

export interface ClaimedRequest {
  requestId: number;
  jobId: number;
  timeLimitMinutes: number | null;
}

export type EnqueueRequest = (client: pg.ClientBase, request: ClaimedRequest) => Promise<string | null>;

export async function claimRunRequests(pool: pg.Pool, enqueue: EnqueueRequest, options: { limit?: number } = {}): Promise<ClaimedRequest[]> {
  const limit = options.limit ?? 50;
  const claimed: ClaimedRequest[] = [];
  const client = await pool.connect();
  try {
    for (;;) {
      await client.query('BEGIN');
      try {
        const { rows } = await client.query<{ id: string; job_id: string; time_limit: number | null }>(
          `WITH c AS (
             SELECT r.id FROM conflag.run_requests r
              WHERE r.picked_up_at IS NULL
              ORDER BY r.id
              LIMIT $1
                FOR UPDATE SKIP LOCKED)
           UPDATE conflag.run_requests r SET picked_up_at = clock_timestamp()
             FROM c
            WHERE r.id = c.id
           RETURNING r.id, r.job_id,
                     (SELECT j.execution_time_limit_minutes FROM conflag.jobs j WHERE j.id = r.job_id) AS time_limit`,
          [limit],
        );
        const batch = rows
          .map((r) => ({ requestId: Number(r.id), jobId: Number(r.job_id), timeLimitMinutes: r.time_limit }))
          .sort((a, b) => a.requestId - b.requestId);
        for (const request of batch) await enqueue(client, request);
        await client.query('COMMIT');
        claimed.push(...batch);
        if (rows.length < limit) break;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      }
    }
    return claimed;
  } finally {
    client.release();
  }
}
