// The pg-boss handler that executes one queued run with executeRun (src/run/executeRun.ts, injected so tests can
// count or slow runs). pg-boss's retry count becomes the attempt number, so each attempt is its own job_runs row.
// - An interrupted run (its session went away: the database restarted, the connection dropped) and a run stopped
//   by this runner's shutdown throw: pg-boss retries them at once, on any runner.
// - A failed run with retries left is handed back with the configured backoff (failureRetryDelay.ts); on its last
//   attempt it throws, and pg-boss records it failed.
// - Skipped, succeeded and time-limit-aborted runs complete.
// pg-boss retries an attempt while retryCount < retryLimit (the queue job's own limit, hence the workers fetch
// with includeMetadata); the run learns that before it starts and ends (retryPlannedOnFailure / OnStop), so
// job_runs.retry_planned is set exactly for the attempts a retry follows and only the last one e-mails. A manual
// run answers every request of its job that waited for it (answerRequests).
import type pg from 'pg';
import type { JobWithMetadata, PgBoss } from 'pg-boss';
import type { Logger } from '../log.ts';
import type { ExecuteRunOptions, RunResult } from '../run/types.ts';
import { failureRetryDelaySeconds } from './failureRetryDelay.ts';
import { retryQueuedRun, type RunMessage } from './runQueue.ts';
import type { RunnerConfig } from './runnerConfig.ts';
import type { RunnerMetrics } from './runnerMetrics.ts';

/** The executor's entry point (src/run/executeRun.ts), as the runner calls it. */
export type ExecuteRun = (pool: pg.Pool, jobId: number, options: ExecuteRunOptions) => Promise<RunResult>;

export interface RunHandlerDeps {
  pool: pg.Pool;
  boss: PgBoss;
  config: RunnerConfig;
  /** Connections each run works on unless its job sets its own parallelism (CONFLAG_RUN_PARALLELISM). */
  parallelism: number;
  executeRun: ExecuteRun;
  /** Aborted when the runner begins to shut down. */
  shutdown: AbortSignal;
  metrics: RunnerMetrics;
  log: Logger;
}

export class RunFailedError extends Error {
  override name = 'RunFailedError';
}

export interface RunHandler {
  /** The pg-boss work handler. */
  handle(jobs: JobWithMetadata<RunMessage>[]): Promise<unknown>;
  /** Runs in progress in this runner. */
  active(): number;
  /** conflag.job_runs ids of the runs in progress (known once executeRun reports its first progress). */
  runIds(): string[];
  /** Resolves when no run is in progress, or after `ms` (then false). */
  idle(ms: number): Promise<boolean>;
}

export function createRunHandler(deps: RunHandlerDeps): RunHandler {
  const inFlight = new Set<Promise<unknown>>();
  const runIds = new Map<string, string>();
  const handle = (jobs: JobWithMetadata<RunMessage>[]): Promise<unknown> => {
    const job = jobs[0];
    const running = runOne(deps, job, (runId) => runIds.set(job.id, runId));
    inFlight.add(running);
    deps.metrics.runsActive.set(inFlight.size);
    const done = () => {
      inFlight.delete(running);
      runIds.delete(job.id);
      deps.metrics.runsActive.set(inFlight.size);
    };
    running.then(done, done);
    return running;
  };
  return {
    handle,
    active: () => inFlight.size,
    runIds: () => [...runIds.values()],
    async idle(ms) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
      const settled = Promise.allSettled([...inFlight]).then(() => true);
      try {
        return await Promise.race([settled, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

async function runOne(deps: RunHandlerDeps, job: JobWithMetadata<RunMessage>, onRunId: (runId: string) => void): Promise<unknown> {
  const message = job.data;
  const attempt = job.retryCount + 1;
  // pg-boss's own rule when an attempt fails (or its claim is given up): retry while retry_count < retry_limit.
  const retryRemains = Number(job.retryCount) < Number(job.retryLimit);
  // executeRun logs the job, trigger and attempt itself; these add where the run came from.
  const log = deps.log.child({ queueJob: job.id, slot: message.slot });
  // pg-boss can hand out a job in the moment between our shutdown and its workers stopping; give it back.
  if (deps.shutdown.aborted) throw new RunFailedError('the runner was shutting down; the run is retried');
  const started = performance.now();
  const result = await deps.executeRun(deps.pool, message.jobId, {
    trigger: message.trigger,
    attempt,
    answerRequests: message.trigger === 'manual',
    queueJobId: job.id,
    // The job's own parallelism, when it sets one, wins over the runner's.
    defaultParallelism: deps.parallelism,
    signal: AbortSignal.any([job.signal, deps.shutdown]),
    onProgress: (progress) => onRunId(progress.runId),
    log,
    // A failed run is handed back with a backoff below, an interrupted one thrown (retried at once). A stopped one
    // is retried too: a stop by our shutdown is thrown below, a stop by job.signal means pg-boss has already
    // failed (and so retried) the attempt.
    retryPlannedOnFailure: retryRemains,
    retryPlannedOnStop: retryRemains,
  });
  const seconds = (performance.now() - started) / 1000;
  deps.metrics.runs.inc({ status: result.status, trigger: message.trigger });
  deps.metrics.runDuration.observe({ status: result.status }, seconds);
  deps.metrics.recordingsChanged.inc(Number(result.changed) || 0);
  deps.metrics.recordingsMatched.inc(Number(result.matched) || 0);
  deps.metrics.flipFlops.inc(Number(result.flipFlops) || 0);
  const summary = { runId: result.runId, status: result.status, matched: result.matched, changed: result.changed, skipped: result.skipped, flipFlops: result.flipFlops };
  log.info({ jobId: message.jobId, attempt, ...summary, seconds: Math.round(seconds * 1000) / 1000, error: result.error, retryPlanned: result.retryPlanned }, `run ${result.status}`);
  if (result.status === 'failed') {
    if (!retryRemains) throw new RunFailedError(`run ${result.runId} failed: ${result.error ?? 'unknown error'}`);
    await retryAfterBackoff(deps, job, attempt, `run ${result.runId} failed: ${result.error ?? 'unknown error'}`);
    return summary;
  }
  if (result.status === 'interrupted') {
    throw new RunFailedError(`run ${result.runId} was interrupted: ${result.error}${retryRemains ? '; it is retried' : ''}`);
  }
  // Only a stop (by the shutdown): a run that hit its time limit while the runner was shutting down is done.
  if (result.status === 'aborted' && result.stopped && deps.shutdown.aborted) {
    throw new RunFailedError(`run ${result.runId} was stopped by a runner shutdown; it is retried`);
  }
  return summary;
}

/** Fails the attempt and delays its retry, in one transaction: no worker may take it up before the delay. */
async function retryAfterBackoff(deps: RunHandlerDeps, job: JobWithMetadata<RunMessage>, attempt: number, reason: string): Promise<void> {
  const delaySeconds = failureRetryDelaySeconds(attempt, deps.config);
  const client = await deps.pool.connect();
  try {
    await client.query('BEGIN');
    await retryQueuedRun(deps.boss, { id: job.id, retryCount: job.retryCount }, { reason, delaySeconds, client });
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    // pg-boss fails the attempt itself then (and retries it at once): a retry too early, never a retry lost.
    throw error;
  } finally {
    client.release();
  }
}
