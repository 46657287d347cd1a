// Graceful shutdown of a runner (SIGTERM/SIGINT): take no new work, stop the runs in progress between batches
// (the AbortSignal executeRun watches), let them record their status, then close everything. A run stuck inside
// one statement past the shutdown timeout has its statement cancelled, so the process can still exit; a run it
// leaves 'running' loses its session with the process, and another runner records it interrupted and retries it.
import type pg from 'pg';
import type { PgBoss } from 'pg-boss';
import type { Logger } from '../log.ts';
import type { HttpServer } from './httpServer.ts';
import type { NotificationListener } from './notificationListener.ts';
import { RUN_QUEUE } from './runQueue.ts';
import type { RunnerConfig } from './runnerConfig.ts';
import type { RunnerLoops } from './runnerLoops.ts';
import type { RunHandler } from './runWorker.ts';

export interface RunnerParts {
  boss: PgBoss;
  pool: pg.Pool;
  loops: RunnerLoops;
  listener: NotificationListener;
  http: HttpServer;
  handler: RunHandler;
  shutdown: AbortController;
  config: RunnerConfig;
  log: Logger;
  applicationName: string;
}

export async function stopRunner(parts: RunnerParts): Promise<void> {
  const { boss, pool, loops, listener, http, handler, shutdown, config, log } = parts;
  // 1. No new work: workers stop fetching, loops stop enqueuing; then ask running runs to stop between batches.
  await boss.offWork(RUN_QUEUE, { wait: false }).catch((error) => log.warn({ err: error }, 'stopping workers failed'));
  shutdown.abort(new Error('runner shutting down'));
  await Promise.all([loops.stop(), listener.close()]);
  // 2. Wait for the runs in progress to record their status.
  if (handler.active()) log.info({ runs: handler.active() }, 'waiting for runs in progress to stop at the end of their current batch');
  if (!(await handler.idle(config.shutdownTimeoutMs))) {
    log.warn({ runs: handler.active(), timeoutMs: config.shutdownTimeoutMs }, 'runs did not stop in time; cancelling their statements');
    // A run's session is named 'conflag-run:<run id>' while it runs (src/sql/startRun.ts); before that it still
    // carries this runner's application_name.
    await pool
      .query(
        `SELECT pg_cancel_backend(a.pid) FROM pg_stat_activity a
          WHERE a.datname = current_database() AND a.pid <> pg_backend_pid() AND a.state <> 'idle'
            AND (a.application_name = $1 OR a.application_name = ANY (SELECT 'conflag-run:' || unnest($2::text[])))`,
        [parts.applicationName, handler.runIds()],
      )
      .catch((error) => log.warn({ err: error }, 'cancelling statements failed'));
    if (!(await handler.idle(5_000))) log.error({ runs: handler.active() }, 'runs still did not stop; exiting anyway (another runner will record them interrupted and retry them)');
  }
  // 3. pg-boss settles the finished runs (complete, or fail → retry) and closes its pool; then ours and HTTP.
  await boss.stop({ graceful: true, timeout: 5_000 }).catch((error) => log.warn({ err: error }, 'pg-boss stop failed'));
  await http.close();
  await withTimeout(pool.end(), 5_000, () => log.error('database connections did not close in time'));
}

async function withTimeout(promise: Promise<unknown>, ms: number, onTimeout: () => void): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
  try {
    if ((await Promise.race([promise, timeout])) === 'timeout') onTimeout();
  } finally {
    clearTimeout(timer);
  }
}
