// The runner's settings, from environment variables (README "Configuration", docs/operations.md). Every runner
// on a machine can differ by its environment; defaults suit one or a few runners on one database.

export interface RunnerConfig {
  /** Runs one runner process executes at the same time (pg-boss localConcurrency). */
  concurrency: number;
  /** Full reconcile of schedules with conflag.jobs, in addition to LISTEN (safety net). */
  reconcileIntervalMs: number;
  /** Polling for conflag.run_requests, in addition to LISTEN. */
  requestPollIntervalMs: number;
  /** How often conflag.expire_stalled_runs() is called (keep-alive). */
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

type Env = Record<string, string | undefined>;

export function readRunnerConfig(env: Env = process.env): RunnerConfig {
  return {
    concurrency: int(env, 'CONFLAG_CONCURRENCY', 2, 1, 100),
    reconcileIntervalMs: seconds(env, 'CONFLAG_RECONCILE_SECONDS', 60),
    requestPollIntervalMs: seconds(env, 'CONFLAG_REQUEST_POLL_SECONDS', 5),
    keepAliveCheckIntervalMs: seconds(env, 'CONFLAG_KEEPALIVE_CHECK_SECONDS', 30),
    pruneIntervalMs: seconds(env, 'CONFLAG_PRUNE_SECONDS', 3600),
    retryLimit: int(env, 'CONFLAG_RETRY_LIMIT', 2, 0, 100),
    retryDelaySeconds: int(env, 'CONFLAG_RETRY_DELAY_SECONDS', 30, 0, 86_400),
    retryBackoff: bool(env, 'CONFLAG_RETRY_BACKOFF', true),
    retryDelayMaxSeconds: int(env, 'CONFLAG_RETRY_DELAY_MAX_SECONDS', 3600, 1, 86_400),
    shutdownTimeoutMs: seconds(env, 'CONFLAG_SHUTDOWN_TIMEOUT_SECONDS', 30),
    tickMaxSleepMs: 5_000,
  };
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name}=${JSON.stringify(raw)} is not valid; use a whole number from ${min} to ${max} (default ${fallback}).`);
  }
  return value;
}

/** Seconds (fractions allowed, e.g. 0.5) → milliseconds. */
function seconds(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback * 1000;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || value > 86_400) {
    throw new Error(`${name}=${JSON.stringify(raw)} is not valid; use a number of seconds greater than 0 and at most 86400 (default ${fallback}).`);
  }
  return Math.round(value * 1000);
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new Error(`${name}=${JSON.stringify(raw)} is not valid; use true or false (default ${fallback}).`);
}
