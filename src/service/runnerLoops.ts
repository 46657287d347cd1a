// The runner's background loops: the scheduler (fires due ticks, sleeping until the next one is due), schedule
// sync (one job on NOTIFY conflag_jobs; all jobs every reconcile interval; both also keep the jobs' compiled
// predicates for conflag.job_conflicts current), run-request pickup (NOTIFY + polling; one queued run per job),
// keep-alive (conflag.expire_stalled_runs, then interrupted runs back to the queue), pruning (conflag.prune_history)
// and the notification e-mail sender (src/notify/). Each loop logs a failed pass and keeps going.
import type pg from 'pg';
import type { PgBoss } from 'pg-boss';
import type { Logger } from '../log.ts';
import { readEmailConfig, type EmailConfig } from '../notify/emailConfig.ts';
import { createPortalUrlCheck } from '../notify/portalUrlWarning.ts';
import { startEmailLoop, type EmailLoop } from '../notify/startEmailLoop.ts';
import { refreshJobPredicates } from '../conflict/refreshJobPredicates.ts';
import { fireDueTicks } from '../schedule/fireDueTicks.ts';
import { syncSchedules } from '../schedule/syncSchedules.ts';
import { startBackgroundLoop, type BackgroundLoop } from './backgroundLoop.ts';
import { claimRunRequests } from './claimRunRequests.ts';
import { expireStalledRuns, pruneHistory } from './maintenanceCalls.ts';
import { retryInterruptedRuns } from './retryInterruptedRuns.ts';
import { enqueueRun } from './runQueue.ts';
import type { RunnerConfig } from './runnerConfig.ts';
import type { RunnerMetrics } from './runnerMetrics.ts';

export interface RunnerLoops {
  scheduler: BackgroundLoop;
  reconcile: BackgroundLoop;
  jobSync: BackgroundLoop;
  requests: BackgroundLoop;
  keepAlive: BackgroundLoop;
  prune: BackgroundLoop;
  /** Sends conflag.email_outbox (NOTIFY conflag_email_outbox wakes it). */
  email: EmailLoop;
  /** A conflag_jobs notification: sync that job soon. */
  jobChanged(payload: string): void;
  lastReconcileAt(): Date | null;
  stop(): Promise<void>;
}

/** More changed jobs than this at once are handled by one full reconcile instead. */
const MAX_SINGLE_SYNCS = 20;

export async function startRunnerLoops(deps: {
  pool: pg.Pool;
  boss: PgBoss;
  config: RunnerConfig;
  metrics: RunnerMetrics;
  log: Logger;
  now?: () => Date;
  /** Defaults to readEmailConfig(process.env). */
  email?: EmailConfig;
}): Promise<RunnerLoops> {
  const { pool, boss, config, metrics, log, now } = deps;
  const portalUrl = createPortalUrlCheck(log);
  let lastReconcileAt: Date | null = null;
  const pending = new Set<number>();

  // The initial reconcile runs before anything else, so the first scheduler pass sees current schedules.
  // The first pass compiles every job's predicate for conflag.job_conflicts (this runner's compiler may be newer
  // than the one that stored them); later passes only the ones out of date.
  // The reconcile and the job-sync loop both refresh; one at a time, so a runner never has a write conflict with
  // itself (conflicts with other runners are retried by refreshJobPredicates).
  let compileAll = true;
  let refreshing: Promise<void> = Promise.resolve();
  const refreshOnce = async () => {
    const result = await refreshJobPredicates(pool, { log, all: compileAll });
    compileAll = false;
    if (result.compiled || result.removed || result.failed) log.debug(result, 'job predicates refreshed');
  };
  const refreshPredicates = (): Promise<void> => {
    const next = refreshing.catch(() => {}).then(refreshOnce);
    refreshing = next;
    return next;
  };
  const reconcileOnce = async () => {
    const result = await syncSchedules(pool, { now: now?.(), log });
    lastReconcileAt = new Date();
    metrics.lastReconcile.set(lastReconcileAt.getTime() / 1000);
    if (result.upserted || result.removed) log.info(result, 'schedules reconciled');
    await refreshPredicates();
    await portalUrl.check(pool);
  };
  await reconcileOnce();
  metrics.reconciles.inc({ result: 'ok' });

  const scheduler = startBackgroundLoop({
    name: 'scheduler',
    log,
    intervalMs: config.tickMaxSleepMs,
    pass: async () => {
      const result = await fireDueTicks(
        pool,
        (client, tick) =>
          enqueueRun(boss, client, { jobId: tick.jobId, trigger: 'schedule', slot: tick.slot, tickAt: tick.tickAt.toISOString() }, { config, timeLimitMinutes: tick.timeLimitMinutes }),
        { now: now?.(), log },
      );
      for (const tick of result.fired) {
        metrics.ticks.inc({ result: tick.queueJobId ? 'enqueued' : 'merged' });
        log.info({ job: tick.jobId, slot: tick.slot, queued: tick.queueJobId !== null, next: tick.next?.slot }, 'scheduled tick fired');
      }
      // Sleep until the next tick is due (a little after, so it is due when we look), at most tickMaxSleepMs. A tick
      // that is due but was not fired (another runner holds it, or its job changed and awaits sync) is retried
      // after a short pause rather than in a busy loop.
      if (result.nextDueAt) return Math.max(250, result.nextDueAt.getTime() - result.now.getTime() + 20);
    },
  });
  const reconcile = startBackgroundLoop({
    name: 'schedule reconcile',
    log,
    intervalMs: config.reconcileIntervalMs,
    firstPassAfterMs: config.reconcileIntervalMs,
    pass: async () => {
      await reconcileOnce();
      scheduler.wake();
    },
    onPass: (ok) => metrics.reconciles.inc({ result: ok ? 'ok' : 'error' }),
  });
  const jobSync = startBackgroundLoop({
    name: 'schedule sync',
    log,
    intervalMs: 3_600_000,
    pass: async () => {
      const ids = [...pending];
      pending.clear();
      if (!ids.length) return;
      if (ids.length > MAX_SINGLE_SYNCS) return void reconcile.wake();
      for (const jobId of ids) {
        const result = await syncSchedules(pool, { jobId, now: now?.(), log });
        if (result.upserted || result.removed) log.info({ job: jobId, ...result }, 'schedule synced');
      }
      scheduler.wake();
      await refreshPredicates();
    },
  });
  const requests = startBackgroundLoop({
    name: 'run-request pickup',
    log,
    intervalMs: config.requestPollIntervalMs,
    pass: async () => {
      const claimed = await claimRunRequests(pool, (client, job) =>
        enqueueRun(boss, client, { jobId: job.jobId, trigger: 'manual' }, { config, timeLimitMinutes: job.timeLimitMinutes }),
      );
      for (const job of claimed) {
        metrics.requestsPickedUp.inc(job.requestIds.length);
        log.info({ job: job.jobId, requests: job.requestIds.length, first: job.requestIds[0], last: job.requestIds.at(-1) }, 'run requests picked up');
      }
    },
  });
  const keepAlive = startBackgroundLoop({
    name: 'keep-alive',
    log,
    intervalMs: config.keepAliveCheckIntervalMs,
    pass: async () => {
      for (const run of await expireStalledRuns(pool, log, now?.())) metrics.runsInterrupted.inc({ reason: run.reason.replace(' ', '_') });
      await retryInterruptedRuns(pool, boss, log);
    },
  });
  const prune = startBackgroundLoop({
    name: 'history pruning',
    log,
    intervalMs: config.pruneIntervalMs,
    pass: async () => void (await pruneHistory(pool, log, now?.())),
  });
  const email = startEmailLoop({ pool, config: deps.email ?? readEmailConfig(), log });
  const all = [scheduler, reconcile, jobSync, requests, keepAlive, prune, email];
  return {
    scheduler,
    reconcile,
    jobSync,
    requests,
    keepAlive,
    prune,
    email,
    jobChanged(payload) {
      // The payload was checked by the notification guard: {"op":"...","id":N}.
      pending.add(Number((JSON.parse(payload) as { id: number }).id));
      jobSync.wake();
    },
    lastReconcileAt: () => lastReconcileAt,
    stop: async () => void (await Promise.all(all.map((loop) => loop.stop()))),
  };
}
