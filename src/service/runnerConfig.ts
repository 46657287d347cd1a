// The runner's settings, from environment variables (README "Configuration", docs/operations.md). Every runner
// on a machine can differ by its environment; defaults suit one or a few runners on one database.
import { envBool, envInt, envSeconds, type Env } from '../envValues.ts';
import { DEFAULT_PARALLELISM, MAX_PARALLELISM } from '../run/types.ts';

export interface RunnerConfig {
  /** Runs one runner process executes at the same time (pg-boss localConcurrency). */
  concurrency: number;
  /** Connections each run works on at once (executeRun's parallelism). */
  runParallelism: number;
  /** Full reconcile of schedules with conflag.jobs, in addition to LISTEN (safety net). */
  reconcileIntervalMs: number;
  /** Polling for conflag.run_requests, in addition to LISTEN. */
  requestPollIntervalMs: number;
  /** How often conflag.expire_stalled_runs() is called (keep-alive): how soon a dead run is noticed and retried. */
  keepAliveCheckIntervalMs: number;
  /** How often conflag.prune_history() is called. */
  pruneIntervalMs: number;
  /** Retries after a failed run (pg-boss retryLimit); 0 = none. */
  retryLimit: number;
  /** Delay before the first retry, seconds (pg-boss retryDelay). */
  retryDelaySeconds: number;
  /** Double the delay on each retry, with jitter (pg-boss retryBackoff). */
  retryBackoff: boolean;
  /** Upper bound of the retry delay, seconds. */
  retryDelayMaxSeconds: number;
  /** How long shutdown waits for a run to stop before giving up on it. */
  shutdownTimeoutMs: number;
  /** Longest a scheduler pass sleeps when no tick is due sooner. */
  tickMaxSleepMs: number;
}

export function readRunnerConfig(env: Env = process.env): RunnerConfig {
  return {
    concurrency: envInt(env, 'CONFLAG_CONCURRENCY', 2, 1, 100),
    runParallelism: envInt(env, 'CONFLAG_RUN_PARALLELISM', DEFAULT_PARALLELISM, 1, MAX_PARALLELISM),
    reconcileIntervalMs: envSeconds(env, 'CONFLAG_RECONCILE_SECONDS', 60),
    requestPollIntervalMs: envSeconds(env, 'CONFLAG_REQUEST_POLL_SECONDS', 5),
    // One cheap query per pass (the running runs and their locks); a dead run is retried within this.
    keepAliveCheckIntervalMs: envSeconds(env, 'CONFLAG_KEEPALIVE_CHECK_SECONDS', 5),
    pruneIntervalMs: envSeconds(env, 'CONFLAG_PRUNE_SECONDS', 3600),
    retryLimit: envInt(env, 'CONFLAG_RETRY_LIMIT', 2, 0, 100),
    retryDelaySeconds: envInt(env, 'CONFLAG_RETRY_DELAY_SECONDS', 30, 0, 86_400),
    retryBackoff: envBool(env, 'CONFLAG_RETRY_BACKOFF', true),
    retryDelayMaxSeconds: envInt(env, 'CONFLAG_RETRY_DELAY_MAX_SECONDS', 3600, 1, 86_400),
    shutdownTimeoutMs: envSeconds(env, 'CONFLAG_SHUTDOWN_TIMEOUT_SECONDS', 30),
    tickMaxSleepMs: 5_000,
  };
}
