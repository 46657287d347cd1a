-- Up Migration

-- The runner's schedule state: one row per enabled job whose schedule is not 'manual'. Runners keep it in step
-- with conflag.jobs (NOTIFY conflag_jobs plus a periodic reconcile) and fire each due tick exactly once: the
-- runner that moves next_tick_at forward (row locked, SKIP LOCKED) is the one that enqueues the run.
CREATE TABLE conflag.job_schedules (
  job_id            bigint PRIMARY KEY REFERENCES conflag.jobs (id) ON DELETE CASCADE,
  crontab           text NOT NULL,
  timezone          text NOT NULL,
  next_tick_at      timestamptz NOT NULL,
  next_slot         text NOT NULL,
  last_tick_at      timestamptz,
  last_slot         text,
  last_fired_at     timestamptz,
  last_queue_job_id text,
  synced_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX job_schedules_next_tick_at_idx ON conflag.job_schedules (next_tick_at);

COMMENT ON TABLE conflag.job_schedules IS
  'When each scheduled job runs next. Maintained by the runners from conflag.jobs (schedule, timezone, enabled); do not edit: change the job instead. A job that is disabled, deleted or manual has no row.';
COMMENT ON COLUMN conflag.job_schedules.job_id IS 'The job (conflag.jobs.id).';
COMMENT ON COLUMN conflag.job_schedules.crontab IS 'The job''s schedule as a 5-field crontab (presets expanded by conflag.schedule_cron).';
COMMENT ON COLUMN conflag.job_schedules.timezone IS 'Time zone the crontab is read in: the job''s timezone, else conflag.settings.default_timezone, else the server''s TimeZone setting (as for runs).';
COMMENT ON COLUMN conflag.job_schedules.next_tick_at IS 'When the next scheduled run is due (DST rule: docs/operations.md).';
COMMENT ON COLUMN conflag.job_schedules.next_slot IS 'The local wall-clock slot of the next run, with the UTC offset in force then (no offset: a slot inside a spring-forward gap, run at the end of the gap).';
COMMENT ON COLUMN conflag.job_schedules.last_tick_at IS 'When the last tick fired was due.';
COMMENT ON COLUMN conflag.job_schedules.last_slot IS 'The local slot of the last tick fired.';
COMMENT ON COLUMN conflag.job_schedules.last_fired_at IS 'When a runner enqueued the last tick (later than last_tick_at after runner downtime: missed ticks collapse into one run).';
COMMENT ON COLUMN conflag.job_schedules.last_queue_job_id IS 'The pg-boss job the last tick became; NULL when it was merged into a tick of the same job still waiting in the queue.';
COMMENT ON COLUMN conflag.job_schedules.synced_at IS 'When a runner last wrote the crontab and timezone from the job.';

GRANT SELECT, INSERT, UPDATE, DELETE ON conflag.job_schedules TO conflag_runner;
GRANT SELECT ON conflag.job_schedules TO conflag_admin, conflag_reporting;

-- Down Migration

DROP TABLE conflag.job_schedules;
