// Records how a run ended (markRunFinished): on the run's own session, which also releases the run's liveness
// lock; or, when that session is gone (the keep-alive terminated it, the database restarted, the connection
// dropped), on another connection of the pool — retried for up to RECORD_RETRY_MS while the database comes
// back (a fast restart takes a second or two: test/crash/databaseRestart.test.ts). Should the database stay away
// longer, the error is thrown: the run's session is gone, so its liveness lock is free and whoever looks next (the
// keep-alive of any runner, the next run of the job) records the run as interrupted.
import type pg from 'pg';
import type { Logger } from '../log.ts';
import { markRunFinished, type FinishedRun } from '../sql/markRunFinished.ts';
import { sessionLost } from './runFailure.ts';

const RECORD_RETRY_MS = 30_000;

export type RunEnd = Omit<Parameters<typeof markRunFinished>[1], 'ownSession'>;

/** `session.broken` is set when the run's own session turns out to be gone (the caller then discards it). */
export async function recordRunEnd(
  pool: pg.Pool, own: pg.ClientBase, session: { broken: Error | undefined }, end: RunEnd, log?: Logger,
): Promise<FinishedRun> {
  if (!session.broken) {
    try {
      return await markRunFinished(own, { ...end, ownSession: true });
    } catch (error) {
      if (!session.broken && !sessionLost(error)) throw error;
      session.broken ??= error as Error;
    }
  }
  const giveUpAt = Date.now() + RECORD_RETRY_MS;
  for (let delay = 100; ; delay = Math.min(delay * 2, 2_000)) {
    try {
      const other = await pool.connect();
      try {
        const finished = await markRunFinished(other, { ...end, ownSession: false });
        other.release();
        return finished;
      } catch (error) {
        other.release(error as Error);
        throw error;
      }
    } catch (error) {
      if (Date.now() + delay > giveUpAt) throw error;
      log?.warn({ runId: end.runId, err: error, retryInMs: delay }, 'could not record the end of the run yet (is the database restarting?); retrying');
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
