// The runner's sign of life for a run in progress: every HEARTBEAT_MS, whatever the run's session is doing (a
// batch may take longer than the job's keep-alive timeout), job_runs.heartbeat_at is written from another pooled
// connection. The keep-alive (conflag.expire_stalled_runs) ends a run only when these stop for
// keep_alive_timeout_minutes (at least 1 minute, so six missed beats): its runner is frozen or cut off, not busy.
import type pg from 'pg';
import type { Logger } from '../log.ts';
import { recordHeartbeat } from '../sql/recordHeartbeat.ts';

export const HEARTBEAT_MS = 10_000;
/** A beat that found the row locked (the run recording a batch, a keep-alive looking at it) is tried again soon. */
const BUSY_RETRY_MS = 1_000;

export interface RunHeartbeat {
  /** Stops the beats; resolves once a beat in flight has finished (so the pool can be closed after). */
  stop(): Promise<void>;
}

export function startRunHeartbeat(pool: pg.Pool, runId: string, log: Logger | undefined, intervalMs = HEARTBEAT_MS): RunHeartbeat {
  let inFlight: Promise<void> = Promise.resolve();
  let failing = false;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  const beat = async () => {
    try {
      const outcome = await recordHeartbeat(pool, runId);
      if (failing) log?.info({ runId }, 'run heartbeat written again');
      failing = false;
      if (outcome === 'ended') log?.warn({ runId }, 'run heartbeat: the run is no longer running in the database (recorded as ended by the keep-alive or the next run)');
      if (outcome === 'busy' && !stopped && !retry) {
        retry = setTimeout(() => {
          retry = undefined;
          inFlight = inFlight.then(beat);
        }, BUSY_RETRY_MS);
      }
    } catch (error) {
      // Logged once per outage: the keep-alive ends the run if this lasts keep_alive_timeout_minutes.
      if (!failing) log?.warn({ runId, err: error }, 'run heartbeat could not be written; retrying');
      failing = true;
    }
  };
  const timer = setInterval(() => {
    inFlight = inFlight.then(beat);
  }, intervalMs);
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      clearTimeout(retry);
      await inFlight;
    },
  };
}
