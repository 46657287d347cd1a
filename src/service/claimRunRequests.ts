// Picks up run-now requests (conflag.run_requests, written by conflag.request_run) and queues ONE run per job for
// them: requests coalesce. The queue keeps at most one waiting manual run per job (singletonKey "request:<job>"),
// so while a run of the job waits, further requests join it; the run, when it starts, links every request of
// its job that no run has answered yet (run_requests.run_id, src/sql/startRun.ts). 10 000 requests for one job
// are a run or two, not 10 000 runs in everybody's way.
// Rows are claimed FOR UPDATE SKIP LOCKED and marked picked_up_at (conflag.claim_run_requests: the runner role may not
// UPDATE run_requests) in the same transaction as the enqueue, so with
// several runners each request is picked up once. Per job, the enqueue happens under the job's start lock, which
// a starting run also takes before it links requests: a request is either committed in time to be linked by a run
// that starts, or finds that run started and queues the next one — never picked up and left unanswered.
// Woken by NOTIFY conflag_run_requests, with polling as the fallback.
import type pg from 'pg';
import { lockJobStart } from '../sql/jobStartLock.ts';

export interface ClaimedJob {
  jobId: number;
  requestIds: number[];
  timeLimitMinutes: number | null;
}

/** Queues a run for the job's requests on the given connection (inside the caller's transaction); null = merged. */
export type EnqueueRequests = (client: pg.ClientBase, job: ClaimedJob) => Promise<string | null>;

export async function claimRunRequests(pool: pg.Pool, enqueue: EnqueueRequests, options: { limit?: number } = {}): Promise<ClaimedJob[]> {
  const limit = options.limit ?? 500;
  const claimed: ClaimedJob[] = [];
  const client = await pool.connect();
  try {
    for (;;) {
      await client.query('BEGIN');
      try {
        const { rows } = await client.query<{ id: string; job_id: string; time_limit: number | null }>(
          `SELECT id::text, job_id::text, time_limit FROM conflag.claim_run_requests($1::integer)`,
          [limit],
        );
        const jobs = byJob(rows);
        // In job order, so two runners picking up at once take the jobs' start locks in the same order.
        for (const job of jobs) {
          await lockJobStart(client, job.jobId);
          await enqueue(client, job);
        }
        await client.query('COMMIT');
        claimed.push(...jobs);
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

function byJob(rows: Array<{ id: string; job_id: string; time_limit: number | null }>): ClaimedJob[] {
  const jobs = new Map<number, ClaimedJob>();
  for (const row of rows) {
    const jobId = Number(row.job_id);
    const job = jobs.get(jobId) ?? { jobId, requestIds: [], timeLimitMinutes: row.time_limit };
    job.requestIds.push(Number(row.id));
    jobs.set(jobId, job);
  }
  return [...jobs.values()].sort((a, b) => a.jobId - b.jobId).map((job) => ({ ...job, requestIds: job.requestIds.sort((a, b) => a - b) }));
}
