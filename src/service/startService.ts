// The long-running service behind `conflag start`: keeps schedules in step with conflag.jobs, fires ticks, picks
// up run-now requests, executes queued runs (pg-boss workers), calls the keep-alive and pruning routines, and
// serves /health, /metrics and the job pages (src/pages/). Any number of these may run on one database; see
// docs/operations.md.
import os from 'node:os';
import pg from 'pg';
import type { PgBoss } from 'pg-boss';
import type { Logger } from '../log.ts';
import { readEmailConfig, type EmailConfig } from '../notify/emailConfig.ts';
import { addPageRoutes } from '../pages/pageRoutes.ts';
import { readPagesConfig, type PagesConfig } from '../pages/pagesConfig.ts';
import { executeRun as executeRunOfExecutor } from '../run/executeRun.ts';
import { startHttpServer } from './httpServer.ts';
import { createNotificationGuard } from './notificationGuard.ts';
import { startNotificationListener } from './notificationListener.ts';
import { BOSS_SCHEMA, ensureRunQueue, RUN_QUEUE, startBoss } from './runQueue.ts';
import { readRunnerConfig, type RunnerConfig } from './runnerConfig.ts';
import { collectSharedGauges, createRunnerMetrics, type RunnerMetrics } from './runnerMetrics.ts';
import { startRunnerLoops, type RunnerLoops } from './runnerLoops.ts';
import { createRunHandler, type ExecuteRun } from './runWorker.ts';
import { addServiceRoutes } from './serviceRoutes.ts';
import { stopRunner } from './stopRunner.ts';

export interface Service {
  url: string;
  port: number;
  /** The HTTP port asked for, when it was busy and `port` is a free one instead (httpPortFixed false). */
  busyPort?: number;
  stop(): Promise<void>;
  /** Internals, for tests and diagnostics. */
  boss: PgBoss;
  pool: pg.Pool;
  metrics: RunnerMetrics;
  loops: RunnerLoops;
  /** The application_name of this runner's connections (pg_stat_activity). */
  applicationName: string;
}

export interface ServiceOptions {
  databaseUrl: string;
  httpPort: number;
  /** false: a busy httpPort (a default, not set by the user) gives way to a free port. Default true. */
  httpPortFixed?: boolean;
  log: Logger;
  /** Defaults to readRunnerConfig(process.env). */
  config?: RunnerConfig;
  /** Defaults to src/run/executeRun.ts. */
  executeRun?: ExecuteRun;
  /** SMTP and e-mail retry settings; defaults to readEmailConfig(process.env). */
  email?: EmailConfig;
  /** Bind address and page token; defaults to readPagesConfig(process.env). */
  pages?: PagesConfig;
  /** A clock for tests: scheduler, reconcile, keep-alive and pruning use it instead of the database's clock. */
  now?: () => Date;
}

let instances = 0;

export async function startService(options: ServiceOptions): Promise<Service> {
  const config = options.config ?? readRunnerConfig();
  const email = options.email ?? readEmailConfig();
  const pages = options.pages ?? readPagesConfig();
  const executeRun: ExecuteRun = options.executeRun ?? executeRunOfExecutor;
  const log = options.log;
  const applicationName = `conflag-runner ${os.hostname()}:${process.pid}:${++instances}`.slice(0, 63);
  // Each run works on runParallelism connections; three more for the scheduler, request pickup and maintenance.
  const pool = new pg.Pool({
    connectionString: options.databaseUrl, max: config.concurrency * config.runParallelism + 3, application_name: applicationName,
  });
  pool.on('error', (error) => log.warn({ err: error }, 'idle database connection failed'));
  const metrics = createRunnerMetrics(log);
  const shutdown = new AbortController();
  let bossState: 'starting' | 'started' | 'stopping' | 'stopped' = 'starting';
  let boss: PgBoss | undefined;
  let loops: RunnerLoops | undefined;
  let listener: ReturnType<typeof startNotificationListener> | undefined;
  let http: Awaited<ReturnType<typeof startHttpServer>> | undefined;
  try {
    boss = await startBoss({ databaseUrl: options.databaseUrl, log });
    boss.on('stopped', () => (bossState = 'stopped'));
    await ensureRunQueue(boss, config);
    bossState = 'started';
    loops = await startRunnerLoops({ pool, boss, config, metrics, log, now: options.now, email });
    const startedLoops = loops;
    const guard = createNotificationGuard(log, { onDrop: (channel) => metrics.notificationsIgnored.inc({ channel }) });
    listener = startNotificationListener({
      databaseUrl: options.databaseUrl,
      channels: ['conflag_jobs', 'conflag_run_requests', 'conflag_email_outbox'],
      onNotification: (channel, payload) => {
        if (!guard.accept(channel, payload)) return;
        if (channel === 'conflag_jobs') startedLoops.jobChanged(payload);
        else if (channel === 'conflag_email_outbox') startedLoops.email.wake();
        else startedLoops.requests.wake();
      },
      onConnected: () => {
        startedLoops.reconcile.wake();
        startedLoops.requests.wake();
        startedLoops.email.wake();
      },
      log,
    });
    const handler = createRunHandler({ pool, boss, config, parallelism: config.runParallelism, executeRun, shutdown: shutdown.signal, metrics, log });
    await boss.work(
      RUN_QUEUE,
      // NOTIFY wakes workers for new runs; a retry coming due sends none, so polling stays at 2 s regardless.
      // burstWhenReadyExceeds: with a backlog (more than one run ready, by pg-boss's queue statistics), a worker that
      // finished a run fetches the next at once instead of waiting out the 2 s: without it, a runner started at
      // most concurrency / 2 s runs, however short (docs/performance.md, "1 000 jobs every minute").
      // includeMetadata: the handler needs each queue job's retryLimit to know whether a failed run is retried.
      {
        localConcurrency: config.concurrency, batchSize: 1, pollingIntervalSeconds: 2, notifyPollingIntervalSeconds: 2, burstWhenReadyExceeds: 1,
        includeMetadata: true,
      },
      handler.handle,
    );
    const bossForQueue = boss;
    collectSharedGauges(metrics, pool, { schema: BOSS_SCHEMA, name: RUN_QUEUE, table: async () => (await bossForQueue.getQueue(RUN_QUEUE))?.table });
    http = await startHttpServer(options.httpPort, { host: pages.host, freeIfBusy: options.httpPortFixed === false });
    const openListener = listener;
    addServiceRoutes(
      http,
      {
        pool,
        bossState: () => bossState,
        listenerConnected: () => openListener.connected,
        lastReconcileAt: () => startedLoops.lastReconcileAt(),
        stopping: () => shutdown.signal.aborted,
      },
      metrics.metrics,
    );
    addPageRoutes(http, pool, pages, log);
    const parts = { boss, pool, loops, listener, http, handler, shutdown, config, log, applicationName };
    let stopping: Promise<void> | undefined;
    return {
      url: http.url,
      port: http.port,
      busyPort: http.busyPort,
      boss,
      pool,
      metrics,
      loops,
      applicationName,
      stop: () => {
        bossState = 'stopping';
        stopping ??= stopRunner(parts);
        return stopping;
      },
    };
  } catch (error) {
    // A runner that cannot start must not leave connections or timers behind.
    shutdown.abort();
    await loops?.stop().catch(() => {});
    await listener?.close().catch(() => {});
    await boss?.stop({ graceful: false }).catch(() => {});
    await http?.close().catch(() => {});
    await pool.end().catch(() => {});
    throw error;
  }
}
