// The runner's Prometheus series (docs/operations.md, "Health and metrics"). Counters are per runner process
// (Prometheus sums them across runners); queue, schedule and per-job gauges are read from the database at scrape
// time, so every runner reports the same shared state.
import type pg from 'pg';
import { Counter, Gauge, Histogram } from 'prom-client';
import type { Logger } from '../log.ts';
import { jobOverviews } from '../schedule/jobOverview.ts';
import { createMetricsRegistry, type MetricsRegistry } from './metrics.ts';

export interface RunnerMetrics {
  metrics: MetricsRegistry;
  runs: Counter<'status' | 'trigger'>;
  recordingsChanged: Counter;
  recordingsMatched: Counter;
  flipFlops: Counter;
  runDuration: Histogram<'status'>;
  runsActive: Gauge;
  ticks: Counter<'result'>;
  requestsPickedUp: Counter;
  runsInterrupted: Counter<'reason'>;
  notificationsIgnored: Counter<'channel'>;
  reconciles: Counter<'result'>;
  lastReconcile: Gauge;
}

export const RUN_DURATION_BUCKETS = [0.1, 0.5, 1, 5, 15, 60, 300, 900, 1800, 3600, 7200, 14_400];

/** The statuses a finished run can have, as conflag_job_last_run_status states. */
export const LAST_RUN_STATUSES = ['succeeded', 'failed', 'aborted', 'stopped', 'interrupted'] as const;

export function createRunnerMetrics(log: Logger): RunnerMetrics {
  const metrics = createMetricsRegistry(log);
  const registers = [metrics.registry];
  return {
    metrics,
    runs: new Counter({ name: 'conflag_runs_total', help: 'Runs this runner finished, by status (succeeded, failed, aborted, stopped, interrupted, skipped) and trigger (schedule, manual).', labelNames: ['status', 'trigger'], registers }),
    recordingsChanged: new Counter({ name: 'conflag_recordings_changed_total', help: 'Recordings whose confidential flag a run of this runner changed.', registers }),
    recordingsMatched: new Counter({ name: 'conflag_recordings_matched_total', help: 'Recordings that matched a job condition in runs of this runner.', registers }),
    flipFlops: new Counter({ name: 'conflag_recordings_flip_flopped_total', help: 'Recordings runs of this runner changed back from what a job of the opposite action had set (set and clear jobs fighting; see conflag.job_conflicts).', registers }),
    runDuration: new Histogram({ name: 'conflag_run_duration_seconds', help: 'Duration of finished runs, by status.', labelNames: ['status'], buckets: RUN_DURATION_BUCKETS, registers }),
    runsActive: new Gauge({ name: 'conflag_runs_active', help: 'Runs this runner is executing now.', registers }),
    ticks: new Counter({ name: 'conflag_schedule_ticks_total', help: 'Scheduled ticks this runner fired: enqueued, or merged into a tick of the same job still waiting in the queue.', labelNames: ['result'], registers }),
    requestsPickedUp: new Counter({ name: 'conflag_run_requests_picked_up_total', help: 'Run-now requests (conflag.run_requests) this runner picked up.', registers }),
    runsInterrupted: new Counter({
      name: 'conflag_runs_interrupted_total',
      help: "Runs this runner's keep-alive recorded as interrupted, by reason: session_ended (runner killed, database restarted, connection lost; noticed within seconds) or no_heartbeat (the runner stopped responding for keep_alive_timeout_minutes; its session was terminated).",
      labelNames: ['reason'], registers,
    }),
    notificationsIgnored: new Counter({ name: 'conflag_notifications_ignored_total', help: 'Notifications on conflag\'s channels that did not have the shape conflag sends (any login can NOTIFY), by channel; ignored.', labelNames: ['channel'], registers }),
    reconciles: new Counter({ name: 'conflag_schedule_reconciles_total', help: 'Full schedule reconciles this runner ran, by result (ok, error).', labelNames: ['result'], registers }),
    lastReconcile: new Gauge({ name: 'conflag_schedule_last_reconcile_timestamp_seconds', help: 'When this runner last reconciled all schedules with conflag.jobs successfully (Unix time).', registers }),
  };
}

/**
 * Gauges read at scrape time: the queue lag (age of the oldest run waiting to start; 0 when none waits), how
 * many wait, how many jobs are scheduled, how late the most overdue tick is — not fired yet, or fired and still
 * waiting for a worker — and the per-job series. `queue.table` is pg-boss's job table for the run queue.
 */
export function collectSharedGauges(runner: RunnerMetrics, pool: pg.Pool, queue: { schema: string; name: string; table: () => Promise<string | undefined> }) {
  const registers = [runner.metrics.registry];
  const gauge = (name: string, help: string) => new Gauge({ name, help, registers });
  const lag = gauge('conflag_queue_lag_seconds', 'Age of the oldest run waiting in the queue to be picked up (0 when none waits).');
  const waiting = gauge('conflag_queue_waiting_runs', 'Runs waiting in the queue, ready to start.');
  const retrying = gauge('conflag_queue_retry_pending_runs', 'Failed runs waiting for their retry delay.');
  const scheduled = gauge('conflag_scheduled_jobs', 'Jobs with a schedule (rows in conflag.job_schedules).');
  const overdue = gauge('conflag_schedule_overdue_seconds', 'How late the most overdue scheduled tick is, not yet fired or fired and still waiting for a worker (0 when none is): no runner fires ticks, or all workers are busy, when it grows.');
  const ticksWaiting = gauge('conflag_schedule_ticks_waiting', 'Scheduled ticks fired and ready, waiting in the queue for a worker.');
  runner.metrics.collect('queue', async () => {
    const table = await queue.table();
    if (!table) return;
    const { rows } = await pool.query(
      `SELECT count(*) FILTER (WHERE start_after <= now())::int AS ready,
              count(*) FILTER (WHERE start_after > now())::int AS deferred,
              coalesce(extract(epoch FROM now() - min(start_after) FILTER (WHERE start_after <= now())), 0)::float8 AS lag
         FROM ${quote(queue.schema)}.${quote(table)}
        WHERE name = $1 AND state IN ('created', 'retry')`,
      [queue.name],
    );
    waiting.set(rows[0].ready);
    retrying.set(rows[0].deferred);
    lag.set(rows[0].lag);
  });
  runner.metrics.collect('schedules', async () => {
    const table = await queue.table();
    // A tick waiting in the queue is late since it was due (a retry: since it became ready again).
    const { rows } = await pool.query(
      `WITH waiting AS (
         SELECT CASE WHEN q.state = 'created' THEN coalesce((q.data->>'tickAt')::timestamptz, q.start_after) ELSE q.start_after END AS due
           FROM ${quote(queue.schema)}.${quote(table ?? 'job')} q
          WHERE q.name = $1 AND q.state IN ('created', 'retry') AND q.start_after <= now() AND q.data->>'trigger' = 'schedule')
       SELECT (SELECT count(*)::int FROM conflag.job_schedules) AS n,
              (SELECT count(*)::int FROM waiting) AS waiting,
              greatest(coalesce((SELECT extract(epoch FROM now() - min(next_tick_at)) FROM conflag.job_schedules WHERE next_tick_at <= now()), 0),
                       coalesce((SELECT extract(epoch FROM now() - min(due)) FROM waiting), 0))::float8 AS overdue`,
      [queue.name],
    );
    scheduled.set(rows[0].n);
    ticksWaiting.set(rows[0].waiting);
    overdue.set(rows[0].overdue);
  });
  collectJobGauges(runner.metrics, pool);
}

/** One series per job (labels job_id and job, the name), from conflag.job_status and the job's schedule. */
function collectJobGauges(metrics: MetricsRegistry, pool: pg.Pool) {
  const registers = [metrics.registry];
  const labelNames = ['job_id', 'job'] as const;
  const perJob = (name: string, help: string) => new Gauge({ name, help, labelNames, registers });
  const status = new Gauge({
    name: 'conflag_job_last_run_status',
    help: `The status of each job's last finished run: 1 for it, 0 for the other states (${LAST_RUN_STATUSES.join(', ')}); all 0 before the first run.`,
    labelNames: [...labelNames, 'status'], registers,
  });
  const lastSuccess = perJob('conflag_job_last_success_timestamp_seconds', "When the job's last successful run finished (Unix time); absent before its first success.");
  const failures = perJob('conflag_job_consecutive_failures', 'Failed, aborted or interrupted runs of the job since its last success (conflag.job_status.consecutive_failures).');
  const nextTick = perJob('conflag_job_next_tick_seconds', 'Seconds until the job is next due (negative: overdue); absent for manual, disabled and unschedulable jobs.');
  const changed = perJob('conflag_job_last_run_recordings_changed', "Recordings whose flag the job's last finished run changed.");
  const unschedulable = new Gauge({ name: 'conflag_jobs_unschedulable', help: 'Enabled jobs with a schedule that cannot be scheduled (saved under older rules the database now refuses, or a server TimeZone PostgreSQL cannot use): they never run; `conflag jobs` names them.', registers });
  const all = [status, lastSuccess, failures, nextTick, changed];
  metrics.collect('jobs', async () => {
    const now = new Date();
    let problems = 0;
    const values: Array<() => void> = [];
    for await (const page of jobOverviews(pool, now)) {
      for (const job of page) {
        const r = job.row;
        const labels = { job_id: r.id, job: r.name };
        if (job.scheduleProblem) problems++;
        values.push(() => {
          for (const s of LAST_RUN_STATUSES) status.set({ ...labels, status: s }, r.last_status === s ? 1 : 0);
          if (r.last_success_at) lastSuccess.set(labels, r.last_success_at.getTime() / 1000);
          failures.set(labels, r.consecutive_failures);
          if (job.nextRunAt) nextTick.set(labels, (job.nextRunAt.getTime() - now.getTime()) / 1000);
          if (r.last_changed !== null) changed.set(labels, Number(r.last_changed));
        });
      }
    }
    // Replaced whole once read, so a deleted or renamed job's series disappear and a failed read keeps the last.
    for (const g of all) g.reset();
    for (const set of values) set();
    unschedulable.set(problems);
  });
}

function quote(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}
