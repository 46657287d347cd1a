// The runner's Prometheus series (docs/operations.md, "Health and metrics"). Counters are per runner process
// (Prometheus sums them across runners); queue and schedule gauges are read from the database at scrape time,
// so every runner reports the same shared state.
import type pg from 'pg';
import { Registry, type Counter, type Gauge, type Histogram } from './metrics.ts';

export interface RunnerMetrics {
  registry: Registry;
  runs: Counter;
  recordingsChanged: Counter;
  recordingsMatched: Counter;
  runDuration: Histogram;
  runsActive: Gauge;
  ticks: Counter;
  requestsPickedUp: Counter;
  stalledRunsExpired: Counter;
  reconciles: Counter;
  lastReconcile: Gauge;
}

export const RUN_DURATION_BUCKETS = [0.1, 0.5, 1, 5, 15, 60, 300, 900, 1800, 3600, 7200, 14_400];

export function createRunnerMetrics(): RunnerMetrics {
  const registry = new Registry();
  return {
    registry,
    runs: registry.counter('conflag_runs_total', 'Runs this runner finished, by status (succeeded, failed, aborted, skipped) and trigger (schedule, manual).'),
    recordingsChanged: registry.counter('conflag_recordings_changed_total', 'Recordings whose confidential flag a run of this runner changed.'),
    recordingsMatched: registry.counter('conflag_recordings_matched_total', 'Recordings that matched a job condition in runs of this runner.'),
    runDuration: registry.histogram('conflag_run_duration_seconds', 'Duration of finished runs, by status.', RUN_DURATION_BUCKETS),
    runsActive: registry.gauge('conflag_runs_active', 'Runs this runner is executing now.'),
    ticks: registry.counter('conflag_schedule_ticks_total', 'Scheduled ticks this runner fired: enqueued, or merged into a tick of the same job still waiting in the queue.'),
    requestsPickedUp: registry.counter('conflag_run_requests_picked_up_total', 'Run-now requests (conflag.run_requests) this runner picked up.'),
    stalledRunsExpired: registry.counter('conflag_stalled_runs_expired_total', 'Runs this runner marked failed because they made no progress within keep_alive_timeout_minutes.'),
    reconciles: registry.counter('conflag_schedule_reconciles_total', 'Full schedule reconciles this runner ran, by result (ok, error).'),
    lastReconcile: registry.gauge('conflag_schedule_last_reconcile_timestamp_seconds', 'When this runner last reconciled all schedules with conflag.jobs successfully (Unix time).'),
  };
}

/**
 * Gauges read at scrape time: the queue lag (age of the oldest run waiting to start; 0 when none waits), how
 * many wait, and how many jobs are scheduled. `queueTable` is pg-boss's job table for the run queue.
 */
export function collectSharedGauges(metrics: RunnerMetrics, pool: pg.Pool, queue: { schema: string; name: string; table: () => Promise<string | undefined> }) {
  const lag = metrics.registry.gauge('conflag_queue_lag_seconds', 'Age of the oldest run waiting in the queue to be picked up (0 when none waits).');
  const waiting = metrics.registry.gauge('conflag_queue_waiting_runs', 'Runs waiting in the queue, ready to start.');
  const retrying = metrics.registry.gauge('conflag_queue_retry_pending_runs', 'Failed runs waiting for their retry delay.');
  const scheduled = metrics.registry.gauge('conflag_scheduled_jobs', 'Jobs with a schedule (rows in conflag.job_schedules).');
  const overdue = metrics.registry.gauge('conflag_schedule_overdue_seconds', 'How late the most overdue scheduled tick is (0 when none is due): no runner is firing ticks when it grows.');
  metrics.registry.collect(async () => {
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
  metrics.registry.collect(async () => {
    const { rows } = await pool.query(
      `SELECT count(*)::int AS n,
              coalesce(extract(epoch FROM now() - min(next_tick_at) FILTER (WHERE next_tick_at <= now())), 0)::float8 AS overdue
         FROM conflag.job_schedules`,
    );
    scheduled.set(rows[0].n);
    overdue.set(rows[0].overdue);
  });
}

function quote(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}
