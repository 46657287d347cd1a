// pg-boss as conflag uses it: one queue of runs ("conflag-run") in its own schema, filled by the scheduler and
// the run-request pickup, drained by every runner's workers. pg-boss provides the distribution across runners,
// retries, heartbeats that notice a dead runner, and expiry; the tick decision is conflag's own (src/schedule/), so
// pg-boss's cron is switched off.
// Fair queueing: one queued run per job and trigger at most (policy 'short' with singletonKey "schedule:<job>" or
// "request:<job>"): a tick for a job whose previous tick still waits merges into it, and any number of requests
// for a job wait as one run that answers them all. Ticks are queued with a higher priority than requests, so a
// flood of requests, or a backlog of other jobs' requests, never holds a scheduled tick back; ticks of different
// jobs are taken oldest first.
// Retries: pg-boss retries at once (retryDelay 0) — a run interrupted by a crash, a restart or a shutdown should
// continue within seconds; a run that FAILED waits the configured backoff, which the runner sets itself when it
// hands the run back (src/service/runWorker.ts).
import type pg from 'pg';
import { PgBoss, type Db } from 'pg-boss';
import { ConflagError, SQLSTATE } from '../errors.ts';
import type { Logger } from '../log.ts';
import { MAX_RUN_MINUTES } from '../run/types.ts';
import type { RunnerConfig } from './runnerConfig.ts';

export const BOSS_SCHEMA = 'conflag_boss';
export const RUN_QUEUE = 'conflag-run';
/** Workers refresh a run's heartbeat every half of this; a runner silent for longer has its run retried. */
export const HEARTBEAT_SECONDS = 30;
/**
 * How often pg-boss looks for runs whose runner stopped sending heartbeats (and expired ones): with
 * HEARTBEAT_SECONDS, a run claimed by a runner that died before it could record the run is retried within 40 s.
 * (A run that had started is handed back sooner, by the keep-alive: src/service/retryInterruptedRuns.ts.)
 */
const SUPERVISE_SECONDS = 10;
/** How often a runner re-reads pg-boss's queue statistics (pg-boss's default: 60 s). */
const QUEUE_CACHE_SECONDS = 5;
/** Beyond a run's time limit (which the run enforces itself), before pg-boss gives up on it: 24 h at most. */
const EXPIRE_GRACE_SECONDS = 300;
/** Ticks go before requests (pg-boss fetches by priority, then oldest first). */
export const TICK_PRIORITY = 10;

/** The payload of a queued run. */
export interface RunMessage {
  jobId: number;
  trigger: 'schedule' | 'manual';
  /** A scheduled tick: its local slot and due time. */
  slot?: string;
  tickAt?: string;
}

/**
 * pg-boss for a runner: its schema and the run queue are installed by `conflag migrate` (src/db/installRunQueue.ts,
 * as the owner), so the runner starts it with migrate: false — it only checks that the schema is at pg-boss's
 * version — and works as a login holding only conflag_runner. reindex: false: rebuilding a bloated index needs the
 * owner of the index; pg-boss still warns about bloat, and the owner can REINDEX (docs/operations.md).
 */
export async function startBoss(options: { databaseUrl: string; log: Logger; name?: string }): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: options.databaseUrl,
    schema: BOSS_SCHEMA,
    application_name: 'conflag-boss',
    max: 3,
    schedule: false,
    supervise: true,
    superviseIntervalSeconds: SUPERVISE_SECONDS,
    monitorIntervalSeconds: SUPERVISE_SECONDS,
    // How fresh the queue statistics the workers' burst mode reads are (startService.ts): a backlog is noticed
    // within monitorIntervalSeconds + this; one small query on pg-boss's queue table each time.
    queueCacheIntervalSeconds: QUEUE_CACHE_SECONDS,
    migrate: false,
    reindex: false,
    useListenNotify: true,
    instanceName: options.name ?? 'conflag-runner',
  });
  boss.on('error', (error) => options.log.error({ err: error }, 'pg-boss error'));
  boss.on('warning', (warning) => options.log.warn({ pgboss: warning.data }, `pg-boss: ${warning.message}`));
  await boss.start({ attempts: 5 });
  return boss;
}

/** The run queue's settings (its retry settings are defaults: every enqueue passes its own). */
export function runQueueOptions(config: RunnerConfig) {
  return {
    // At most one queued (not yet started) run per singletonKey: a tick for a job whose previous tick is still
    // waiting merges into it, requests for a job wait as one run, instead of piling up.
    policy: 'short',
    notify: true,
    heartbeatSeconds: HEARTBEAT_SECONDS,
    deleteAfterSeconds: 2 * 86_400,
    ...retryOptions(config),
  };
}

/**
 * Makes sure the run queue exists. `conflag migrate` creates it; a runner creates it only when it is missing and
 * its login may (creating a queue is DDL in pg-boss's schema). A runner that may not refuses loudly with CF501
 * and says what to run, instead of failing later on a queue that is not there.
 */
export async function ensureRunQueue(boss: PgBoss, config: RunnerConfig): Promise<void> {
  if (await boss.getQueue(RUN_QUEUE)) return;
  try {
    await boss.createQueue(RUN_QUEUE, runQueueOptions(config));
  } catch (error) {
    if ((error as { code?: string }).code === '23505' && (await boss.getQueue(RUN_QUEUE))) return;
    if ((error as { code?: string }).code !== '42501') throw error;
    throw new ConflagError(
      SQLSTATE.schemaNotCurrent,
      `the run queue "${RUN_QUEUE}" is missing in schema ${BOSS_SCHEMA}, and this login may not create it: run "npx conflag migrate" ` +
        `as the owner of schema conflag, then start again. See "Roles and deployment" in docs/operations.md.`,
      { cause: error },
    );
  }
}

function retryOptions(config: RunnerConfig) {
  return { retryLimit: config.retryLimit, retryDelay: 0, retryBackoff: false };
}

/** pg-boss statements on our own connection, so an enqueue commits or rolls back with our transaction. */
export function onConnection(client: pg.ClientBase): Db {
  return { executeSql: (text, values) => client.query(text, values as unknown[]) };
}

/**
 * Enqueues one run inside the caller's transaction. Returns pg-boss's job id, or null when it was merged into a
 * queued run of the same job and trigger (singletonKey "schedule:<job>" or "request:<job>").
 */
export async function enqueueRun(
  boss: PgBoss,
  client: pg.ClientBase,
  message: RunMessage,
  options: { config: RunnerConfig; timeLimitMinutes: number | null },
): Promise<string | null> {
  // A job's limit is at most MAX_RUN_MINUTES (CF015), so this is at most pg-boss's 24 hours.
  const expireInSeconds = (options.timeLimitMinutes ?? MAX_RUN_MINUTES) * 60 + EXPIRE_GRACE_SECONDS;
  const tick = message.trigger === 'schedule';
  return boss.send(RUN_QUEUE, { ...message }, {
    db: onConnection(client),
    singletonKey: `${tick ? 'schedule' : 'request'}:${message.jobId}`,
    priority: tick ? TICK_PRIORITY : 0,
    expireInSeconds,
    heartbeatSeconds: HEARTBEAT_SECONDS,
    ...retryOptions(options.config),
  });
}

/**
 * Hands a run's queued attempt back to the queue: pg-boss fails that attempt (only if it is still active as that
 * attempt: `retryCount`) and, with retries left, retries it — after `delaySeconds`, or at once. In the caller's
 * transaction when `client` is given. Returns whether that attempt was still active.
 */
export async function retryQueuedRun(
  boss: PgBoss,
  attempt: { id: string; retryCount: number },
  options: { reason: string; delaySeconds?: number; client?: pg.ClientBase },
): Promise<boolean> {
  const db = options.client ? { db: onConnection(options.client) } : {};
  // pg-boss 12's typings leave CommandResponse empty; it reports how many jobs the call settled.
  const failed = (await boss.fail(RUN_QUEUE, attempt, { message: options.reason }, db)) as { affected?: number };
  if (!failed.affected) return false;
  if (options.delaySeconds) await boss.update(RUN_QUEUE, undefined, { id: attempt.id, startAfter: options.delaySeconds, ...db });
  return true;
}
