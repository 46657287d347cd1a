// The keep-alive's second half: an interrupted run (recorded by conflag.expire_stalled_runs, or by the next run
// of its job) goes back to the queue at once, so its tick or request is answered by a retry within seconds of the
// crash, not after pg-boss notices the silent runner (its heartbeat check: 30 s and more). pg-boss then retries
// the attempt as usual: at once, while the queue job has retries left (the run's retry_planned said the same).
import type pg from 'pg';
import type { PgBoss } from 'pg-boss';
import type { Logger } from '../log.ts';
import { interruptedQueuedRuns } from '../sql/interruptedQueuedRuns.ts';
import { retryQueuedRun } from './runQueue.ts';

/** Returns how many attempts were handed back. */
export async function retryInterruptedRuns(pool: pg.Pool, boss: PgBoss, log: Logger): Promise<number> {
  let handed = 0;
  for (const attempt of await interruptedQueuedRuns(pool)) {
    const reason = `run ${attempt.runId} was interrupted: ${attempt.error ?? 'its session ended'}`;
    if (await retryQueuedRun(boss, { id: attempt.queueJobId, retryCount: attempt.retryCount }, { reason })) {
      handed++;
      log.info({ runId: attempt.runId, queueJob: attempt.queueJobId, attempt: attempt.retryCount + 1 }, 'interrupted run handed back to the queue');
    }
  }
  return handed;
}
