// pg-boss as conflag uses it: one queue of runs ("conflag-run") in its own schema, filled by the scheduler and
// the run-request pickup, drained by every runner's workers. pg-boss provides the distribution across runners,
// retries with backoff, heartbeats that notice a dead runner, and expiry; the tick decision is conflag's own
// (src/schedule/), so pg-boss's cron is switched off.
import type pg from 'pg';
import { PgBoss, type Db } from 'pg-boss';
import type { Logger } from '../log.ts';
import type { RunnerConfig } from './runnerConfig.ts';

export const BOSS_SCHEMA = 'conflag_boss';
export const RUN_QUEUE = 'conflag-run';
/** Workers refresh a run's heartbeat every half of this; a runner silent for longer has its run retried. */
export const HEARTBEAT_SECONDS = 30;
/** pg-boss's largest expiry; a run of a job without a time limit is stopped after it. */
const MAX_EXPIRE_SECONDS = 24 * 3600;
/** Beyond a job's own limit (which executeRun enforces between batches), before pg-boss gives up on it. */
const EXPIRE_GRACE_SECONDS = 300;

/** The payload of a queued run. */
export interface RunMessage {
  jobId: number;
  trigger: 'schedule' | 'manual';
  /** A scheduled tick: its local slot and due time. */
  slot?: string;
  tickAt?: string;
  /** A run-now request (conflag.run_requests.id). */
  requestId?: number;
}

export async function startBoss(options: { databaseUrl: string; log: Logger; name?: string }): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: options.databaseUrl,
    schema: BOSS_SCHEMA,
    application_name: 'conflag-boss',
    max: 3,
    schedule: false,
    supervise: true,
    migrate: true,
    useListenNotify: true,
    instanceName: options.name ?? 'conflag-runner',
  });
  boss.on('error', (error) => options.log.error({ err: error }, 'pg-boss error'));
  boss.on('warning', (warning) => options.log.warn({ pgboss: warning.data }, `pg-boss: ${warning.message}`));
  await boss.start({ attempts: 5 });
  return boss;
}

/** Creates the run queue if missing (idempotent; the first runner's settings are the queue's defaults). */
export async function ensureRunQueue(boss: PgBoss, config: RunnerConfig): Promise<void> {
  if (await boss.getQueue(RUN_QUEUE)) return;
  await boss.createQueue(RUN_QUEUE, {
    // At most one queued (not yet started) run per singletonKey: a tick for a job whose previous tick is still
    // waiting merges into it instead of piling up.
    policy: 'short',
    notify: true,
    heartbeatSeconds: HEARTBEAT_SECONDS,
    deleteAfterSeconds: 2 * 86_400,
    ...retryOptions(config),
  });
}

function retryOptions(config: RunnerConfig) {
  return {
    retryLimit: config.retryLimit,
    retryDelay: config.retryDelaySeconds,
    retryBackoff: config.retryBackoff,
    // pg-boss refuses a maximum without backoff (the delay is fixed then).
    ...(config.retryBackoff ? { retryDelayMax: config.retryDelayMaxSeconds } : {}),
  };
}

/** pg-boss statements on our own connection, so an enqueue commits or rolls back with our transaction. */
export function onConnection(client: pg.ClientBase): Db {
  return { executeSql: (text, values) => client.query(text, values as unknown[]) };
}

/**
 * Enqueues one run inside the caller's transaction. Returns pg-boss's job id, or null when a tick was merged
 * into a queued tick of the same job (singletonKey "schedule:<job>").
 */
export async function enqueueRun(
  boss: PgBoss,
  client: pg.ClientBase,
  message: RunMessage,
  options: { config: RunnerConfig; timeLimitMinutes: number | null },
): Promise<string | null> {
  const limit = options.timeLimitMinutes;
  const expireInSeconds = limit ? Math.min(limit * 60 + EXPIRE_GRACE_SECONDS, MAX_EXPIRE_SECONDS) : MAX_EXPIRE_SECONDS;
  const singletonKey = message.requestId !== undefined ? `request:${message.requestId}` : `schedule:${message.jobId}`;
  return boss.send(RUN_QUEUE, { ...message }, {
    db: onConnection(client),
    singletonKey,
    expireInSeconds,
    heartbeatSeconds: HEARTBEAT_SECONDS,
    ...retryOptions(options.config),
  });
}
