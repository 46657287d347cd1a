-- Up Migration

-- Runs of jobs, the incremental-mode state and the change log it reads, keep-alive and history routines, and the
-- job_status view. See docs/reporting.md. The current text of each routine and view is in sql/<name>.sql.

-- Roles conflag_runner, conflag_reporting and conflag_admin come from 0003_jobs.sql; grants are at the end.

-- One row per run of a job, written by the runner (src/run/executeRun.ts). History is kept when a job is
-- deleted (job_id becomes NULL, job_name stays) so "why is this call confidential?" keeps an answer; history is
-- pruned by age instead (conflag.prune_history).
CREATE TABLE conflag.job_runs (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  job_id       bigint REFERENCES conflag.jobs (id) ON DELETE SET NULL,
  job_name     text NOT NULL,
  trigger      text NOT NULL CHECK (trigger IN ('schedule', 'manual')),
  attempt      integer NOT NULL DEFAULT 1 CHECK (attempt >= 1),
  request_id   bigint,
  status       text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed', 'aborted', 'skipped')),
  started_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  finished_at  timestamptz,
  heartbeat_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  as_of        timestamptz NOT NULL,
  timezone     text NOT NULL,
  mode         text NOT NULL CHECK (mode IN ('full', 'incremental')),
  action       text NOT NULL CHECK (action IN ('set', 'clear')),
  access_scope text[],
  condition    jsonb NOT NULL,
  scan         text CHECK (scan IN ('table', 'changes')),
  batch_size   integer CHECK (batch_size > 0),
  max_id       bigint,
  last_id      bigint,
  candidates   bigint,
  batches      integer NOT NULL DEFAULT 0,
  matched      bigint NOT NULL DEFAULT 0,
  changed      bigint NOT NULL DEFAULT 0,
  skipped      bigint NOT NULL DEFAULT 0,
  error        text,
  backend_pid  integer,
  runner       text,
  CONSTRAINT job_runs_finished_check CHECK ((status = 'running') = (finished_at IS NULL))
);
-- At most one run in progress per job: a second start is recorded as 'skipped' instead.
CREATE UNIQUE INDEX job_runs_one_running_per_job ON conflag.job_runs (job_id) WHERE status = 'running';
CREATE INDEX job_runs_job_id_idx ON conflag.job_runs (job_id, id);
CREATE INDEX job_runs_finished_at_idx ON conflag.job_runs (finished_at);

COMMENT ON TABLE conflag.job_runs IS 'One row per run of a job (including runs skipped because the job was already running). Written by the runner; read it, or conflag.job_status, for history. Pruned by conflag.prune_history() after the job''s keep_history_days.';
COMMENT ON COLUMN conflag.job_runs.id IS 'Run id; recordings.confidential_changed_by_run points here.';
COMMENT ON COLUMN conflag.job_runs.job_id IS 'The job (conflag.jobs.id); NULL once the job has been deleted (its history is kept).';
COMMENT ON COLUMN conflag.job_runs.job_name IS 'The job''s name when the run started.';
COMMENT ON COLUMN conflag.job_runs.trigger IS 'schedule (a scheduled tick) or manual (conflag.request_run, npx conflag run).';
COMMENT ON COLUMN conflag.job_runs.attempt IS '1 for the first attempt of a tick or request, 2 and up for retries of a failed run.';
COMMENT ON COLUMN conflag.job_runs.request_id IS 'The manual run request (conflag.run_requests.id) this run answers, if any.';
COMMENT ON COLUMN conflag.job_runs.status IS 'running; succeeded; failed (error says why; its last batch was rolled back); aborted (stopped between batches or by the execution time limit); skipped (the job was already running; error names that run).';
COMMENT ON COLUMN conflag.job_runs.started_at IS 'When the run started.';
COMMENT ON COLUMN conflag.job_runs.finished_at IS 'When the run ended; NULL while running.';
COMMENT ON COLUMN conflag.job_runs.heartbeat_at IS 'Last sign of progress (start, then after each committed batch). conflag.expire_stalled_runs() fails runs whose heartbeat is older than the job''s keep_alive_timeout_minutes.';
COMMENT ON COLUMN conflag.job_runs.as_of IS 'The run''s "now": age_minutes/age_days are measured to this instant, fixed for the whole run.';
COMMENT ON COLUMN conflag.job_runs.timezone IS 'Timezone the run used for start_date, start_time, start_weekday and values without an offset (job timezone, else settings.default_timezone, else the server''s TimeZone).';
COMMENT ON COLUMN conflag.job_runs.mode IS 'The job''s mode when the run started: full or incremental.';
COMMENT ON COLUMN conflag.job_runs.action IS 'The job''s action when the run started: set or clear.';
COMMENT ON COLUMN conflag.job_runs.access_scope IS 'The job''s access_scope when the run started (NULL = all tenants).';
COMMENT ON COLUMN conflag.job_runs.condition IS 'The job''s condition when the run started, exactly as applied.';
COMMENT ON COLUMN conflag.job_runs.scan IS 'What the run went through: table (every recording up to max_id, in id batches) or changes (incremental: only recordings added or changed since the last successful run).';
COMMENT ON COLUMN conflag.job_runs.batch_size IS 'Recording ids per batch (each batch is one transaction).';
COMMENT ON COLUMN conflag.job_runs.max_id IS 'Highest recording id when the run started (scan = table); recordings added later are left to the next run.';
COMMENT ON COLUMN conflag.job_runs.last_id IS 'Keyset position: the highest recording id covered by the committed batches so far.';
COMMENT ON COLUMN conflag.job_runs.candidates IS 'scan = changes: how many recordings were added or changed since the last successful run.';
COMMENT ON COLUMN conflag.job_runs.batches IS 'Committed batches so far.';
COMMENT ON COLUMN conflag.job_runs.matched IS 'Recordings in the job''s scope satisfying its condition, including those whose flag was already right (incremental: not counting those already processed, see skipped).';
COMMENT ON COLUMN conflag.job_runs.changed IS 'Recordings whose flag this run actually changed (only where it differed).';
COMMENT ON COLUMN conflag.job_runs.skipped IS 'Incremental mode: recordings that match but were left alone because the job processed them in an earlier run.';
COMMENT ON COLUMN conflag.job_runs.error IS 'Why the run failed, was aborted or skipped.';
COMMENT ON COLUMN conflag.job_runs.backend_pid IS 'PostgreSQL backend pid of the run''s session (application_name conflag-run:<id>); used to terminate a stalled run.';
COMMENT ON COLUMN conflag.job_runs.runner IS 'Which process ran it: host/pid.';

-- Incremental mode: the recordings each job has processed (matched and acted on). Never processed again.
-- No foreign key to recordings: it would make every recording DELETE scan this table.
CREATE TABLE conflag.job_processed_recordings (
  job_id       bigint NOT NULL REFERENCES conflag.jobs (id) ON DELETE CASCADE,
  recording_id bigint NOT NULL,
  run_id       bigint NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (job_id, recording_id)
);
COMMENT ON TABLE conflag.job_processed_recordings IS 'Incremental jobs: recordings a job has processed (they matched and the action was applied). The job never processes them again, so a flag cleared by hand stays cleared. Forget with conflag.reset_incremental_state(job).';
COMMENT ON COLUMN conflag.job_processed_recordings.job_id IS 'The incremental job.';
COMMENT ON COLUMN conflag.job_processed_recordings.recording_id IS 'The processed recording (conflag.recordings.id).';
COMMENT ON COLUMN conflag.job_processed_recordings.run_id IS 'The run that processed it (conflag.job_runs.id; may be pruned since).';
COMMENT ON COLUMN conflag.job_processed_recordings.processed_at IS 'When it was processed.';

-- Incremental mode: per job, where the next run continues from.
CREATE TABLE conflag.job_incremental_state (
  job_id           bigint PRIMARY KEY REFERENCES conflag.jobs (id) ON DELETE CASCADE,
  since            timestamptz NOT NULL DEFAULT now(),
  processed_count  bigint NOT NULL DEFAULT 0,
  last_run_id      bigint,
  last_snapshot    pg_snapshot,
  last_snapshot_at timestamptz,
  fingerprint      text,
  running_run_id   bigint,
  running_snapshot pg_snapshot
);
COMMENT ON TABLE conflag.job_incremental_state IS 'Incremental jobs: what the next run continues from. See the view conflag.job_incremental_status; reset with conflag.reset_incremental_state(job).';
COMMENT ON COLUMN conflag.job_incremental_state.job_id IS 'The incremental job.';
COMMENT ON COLUMN conflag.job_incremental_state.since IS 'When the job started remembering (its first incremental run, or the first after a reset).';
COMMENT ON COLUMN conflag.job_incremental_state.processed_count IS 'Rows of conflag.job_processed_recordings for this job.';
COMMENT ON COLUMN conflag.job_incremental_state.last_run_id IS 'The last successful incremental run.';
COMMENT ON COLUMN conflag.job_incremental_state.last_snapshot IS 'Snapshot taken when that run started: the next run considers the change-log rows of transactions not visible in it (correct even for transactions that commit late).';
COMMENT ON COLUMN conflag.job_incremental_state.last_snapshot_at IS 'When that snapshot was taken.';
COMMENT ON COLUMN conflag.job_incremental_state.fingerprint IS 'Digest of the condition, scope, timezone, action and compiled SQL of that run; when it differs the next run goes through the whole table again (minus processed recordings).';
COMMENT ON COLUMN conflag.job_incremental_state.running_run_id IS 'The incremental run in progress, if any.';
COMMENT ON COLUMN conflag.job_incremental_state.running_snapshot IS 'Snapshot taken when the run in progress started; becomes last_snapshot if it succeeds. Keeps the change log it will need from being pruned.';

-- The change log incremental runs read: which recordings were inserted or changed, by which transaction.
CREATE TABLE conflag.recording_changes (
  xid          xid8 NOT NULL,
  recording_id bigint NOT NULL
);
CREATE INDEX recording_changes_xid_idx ON conflag.recording_changes (xid);
COMMENT ON TABLE conflag.recording_changes IS 'Change log of conflag.recordings for incremental jobs: one row per inserted or changed recording (not for flag changes). Filled by triggers, pruned by conflag.prune_recording_changes().';
COMMENT ON COLUMN conflag.recording_changes.xid IS 'The transaction that inserted or changed the recording (pg_current_xact_id()).';
COMMENT ON COLUMN conflag.recording_changes.recording_id IS 'The recording (conflag.recordings.id).';

-- Per-run candidate lists (scan = changes), deleted when the run ends. UNLOGGED: rebuilt by the next run anyway.
CREATE UNLOGGED TABLE conflag.run_candidates (
  run_id       bigint NOT NULL,
  recording_id bigint NOT NULL,
  PRIMARY KEY (run_id, recording_id)
);
COMMENT ON TABLE conflag.run_candidates IS 'Working list of an incremental run in progress: the recordings added or changed since the job''s last successful run. Deleted when the run ends (leftovers by conflag.prune_history).';
COMMENT ON COLUMN conflag.run_candidates.run_id IS 'The run (conflag.job_runs.id).';
COMMENT ON COLUMN conflag.run_candidates.recording_id IS 'A recording the run must consider.';

-- Statement-level AFTER INSERT trigger function on conflag.recordings: appends every inserted recording's id with
-- the inserting transaction's id to conflag.recording_changes, the change log incremental jobs read. One
-- INSERT ... SELECT per statement (transition table), so bulk loads pay once per statement, not per row.
-- SECURITY DEFINER: the platform's inserting role needs no privilege on conflag's change log.
CREATE OR REPLACE FUNCTION conflag.log_inserted_recordings()
  RETURNS trigger
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
  INSERT INTO conflag.recording_changes (xid, recording_id)
  SELECT pg_current_xact_id(), inserted.id FROM inserted;
  RETURN NULL;
END;
$function$;

COMMENT ON FUNCTION conflag.log_inserted_recordings() IS 'Trigger function (statement level, AFTER INSERT on conflag.recordings, transition table "inserted"): logs (transaction id, recording id) in conflag.recording_changes for incremental jobs.';
-- Row-level BEFORE UPDATE OF <every column except confidential*> trigger function on conflag.recordings: logs the
-- recording as changed, so the next incremental run reconsiders it (a tag added tomorrow). conflag's own flag
-- updates only SET confidential and its two audit columns, so they never fire it and never land in the log.
-- BEFORE, not AFTER: on a partitioned recordings table an UPDATE that moves a row to another partition fires
-- no AFTER UPDATE row trigger (it becomes a delete and an insert), but it does fire BEFORE UPDATE ones. The log
-- row is in the same transaction, so an update that fails takes it along.
CREATE OR REPLACE FUNCTION conflag.log_updated_recording()
  RETURNS trigger
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
  INSERT INTO conflag.recording_changes (xid, recording_id) VALUES (pg_current_xact_id(), NEW.id);
  RETURN NEW;
END;
$function$;

COMMENT ON FUNCTION conflag.log_updated_recording() IS 'Trigger function (row level, BEFORE UPDATE OF every column of conflag.recordings except confidential*, when one of them changes): logs (transaction id, recording id) in conflag.recording_changes for incremental jobs.';

CREATE TRIGGER recordings_log_inserts
  AFTER INSERT ON conflag.recordings
  REFERENCING NEW TABLE AS inserted
  FOR EACH STATEMENT EXECUTE FUNCTION conflag.log_inserted_recordings();
CREATE TRIGGER recordings_log_updates
  BEFORE UPDATE OF id, tenant_id, call_id, started_at, ended_at, duration, direction, caller_number, caller_name,
                  callee_number, callee_name, user_name, group_name, tags, notes, custom
  ON conflag.recordings
  FOR EACH ROW
  WHEN ((OLD.id, OLD.tenant_id, OLD.call_id, OLD.started_at, OLD.ended_at, OLD.duration, OLD.direction, OLD.caller_number,
         OLD.caller_name, OLD.callee_number, OLD.callee_name, OLD.user_name, OLD.group_name, OLD.tags, OLD.notes, OLD.custom)
        IS DISTINCT FROM
        (NEW.id, NEW.tenant_id, NEW.call_id, NEW.started_at, NEW.ended_at, NEW.duration, NEW.direction, NEW.caller_number,
         NEW.caller_name, NEW.callee_number, NEW.callee_name, NEW.user_name, NEW.group_name, NEW.tags, NEW.notes, NEW.custom))
  EXECUTE FUNCTION conflag.log_updated_recording();
COMMENT ON TRIGGER recordings_log_inserts ON conflag.recordings IS 'Logs inserted recordings in conflag.recording_changes (incremental jobs).';
COMMENT ON TRIGGER recordings_log_updates ON conflag.recordings IS 'Logs recordings whose data (anything but confidential*) changed in conflag.recording_changes (incremental jobs).';

-- Keep-alive: a run that has shown no progress (heartbeat_at) for its job's keep_alive_timeout_minutes is marked
-- failed, so the job can run again, and its database session is terminated if it is still there (blocked on a
-- lock, or left behind by a killed runner). The session is matched by pid AND application_name
-- 'conflag-run:<run id>' (set by every run), so a recycled pid of an unrelated backend is never terminated.
-- Rows another session holds locked (a batch committing its progress right now) are skipped: that run is alive.
CREATE OR REPLACE FUNCTION conflag.expire_stalled_runs(p_now timestamptz DEFAULT now())
  RETURNS SETOF bigint
  LANGUAGE plpgsql
AS $function$
DECLARE
  stalled record;
BEGIN
  FOR stalled IN
    SELECT r.id, r.backend_pid, coalesce(j.keep_alive_timeout_minutes, 15) AS minutes
      FROM conflag.job_runs r
      LEFT JOIN conflag.jobs j ON j.id = r.job_id
     WHERE r.status = 'running'
       AND r.heartbeat_at < p_now - make_interval(mins => coalesce(j.keep_alive_timeout_minutes, 15))
     ORDER BY r.id
     LIMIT 1000
       FOR UPDATE OF r SKIP LOCKED
  LOOP
    UPDATE conflag.job_runs
       SET status = 'failed',
           finished_at = greatest(p_now, started_at),
           error = format('no progress for %s minutes (keep-alive timeout)', stalled.minutes)
     WHERE id = stalled.id;
    IF stalled.backend_pid IS NOT NULL THEN
      BEGIN
        PERFORM pg_terminate_backend(a.pid)
           FROM pg_stat_activity a
          WHERE a.pid = stalled.backend_pid
            AND a.datname = current_database()
            AND a.application_name = 'conflag-run:' || stalled.id;
      EXCEPTION WHEN insufficient_privilege THEN
        RAISE WARNING 'conflag: run % was marked failed, but its session (pid %) could not be terminated: %',
          stalled.id, stalled.backend_pid, SQLERRM
          USING HINT = 'Run conflag as the same role as the runner, or GRANT pg_signal_backend to it.';
      END;
    END IF;
    RETURN NEXT stalled.id;
  END LOOP;
END;
$function$;

COMMENT ON FUNCTION conflag.expire_stalled_runs(timestamptz) IS 'Keep-alive: marks runs with no progress for their job''s keep_alive_timeout_minutes as failed ("no progress for N minutes (keep-alive timeout)") and terminates their session (matched by pid and application_name conflag-run:<id>). Returns the ids of the runs it expired; at most 1000 per call.';
-- Deletes change-log rows no incremental job needs any more: rows of (committed) transactions that every stored
-- snapshot already sees — each incremental job's last successful run and any run in progress — so no next run
-- would consider them. Precise visibility (pg_visible_in_snapshot), not just an xmin horizon, so one long-lived
-- unrelated transaction does not hold the log back. The SHARE lock on conflag.job_incremental_state waits for a
-- run that is just recording its starting snapshot, so that snapshot is seen before anything it needs is
-- deleted. Bounded: at most 20 batches of 10000 rows per call; returns the number of rows deleted.
CREATE OR REPLACE FUNCTION conflag.prune_recording_changes()
  RETURNS bigint
  LANGUAGE plpgsql
AS $function$
DECLARE
  snapshots pg_snapshot[];
  horizon xid8;
  deleted bigint := 0;
  n bigint;
BEGIN
  LOCK TABLE conflag.job_incremental_state IN SHARE MODE;
  SELECT coalesce(array_agg(s.snapshot), '{}')
    INTO snapshots
    FROM (SELECT last_snapshot AS snapshot FROM conflag.job_incremental_state WHERE last_snapshot IS NOT NULL
          UNION ALL
          SELECT running_snapshot FROM conflag.job_incremental_state WHERE running_snapshot IS NOT NULL) s;
  -- Nothing at or above a snapshot's xmax is visible in it: the index bounds the scan.
  SELECT min(pg_snapshot_xmax(s)) INTO horizon FROM unnest(snapshots) s;
  FOR i IN 1..20 LOOP
    DELETE FROM conflag.recording_changes c
     WHERE c.ctid = ANY (ARRAY(
             SELECT d.ctid FROM conflag.recording_changes d
              WHERE (horizon IS NULL OR d.xid < horizon)
                AND NOT EXISTS (SELECT 1 FROM unnest(snapshots) s WHERE NOT pg_visible_in_snapshot(d.xid, s))
              LIMIT 10000));
    GET DIAGNOSTICS n = ROW_COUNT;
    deleted := deleted + n;
    EXIT WHEN n < 10000;
  END LOOP;
  RETURN deleted;
END;
$function$;

COMMENT ON FUNCTION conflag.prune_recording_changes() IS 'Deletes conflag.recording_changes rows that no incremental job needs any more (seen by every stored snapshot). At most 200000 rows per call; returns how many it deleted. Called by conflag.prune_history().';
-- History retention: deletes finished runs (any status but 'running') that finished more than their job's
-- keep_history_days before p_now, always keeping each job's newest run and newest successful run (job_status
-- and "first_consecutive" notifications read them). Runs of deleted jobs (job_id NULL) keep the default 60 days.
-- Also deletes leftover candidate lists of runs no longer running and prunes the change log
-- (conflag.prune_recording_changes). Two copies never overlap (advisory lock; the second returns 0 at once).
-- Bounded: at most 20 batches of 1000 runs per call; returns the number of runs deleted (call again while > 0).
CREATE OR REPLACE FUNCTION conflag.prune_history(p_now timestamptz DEFAULT now())
  RETURNS integer
  LANGUAGE plpgsql
AS $function$
DECLARE
  deleted integer := 0;
  n integer;
BEGIN
  IF NOT pg_try_advisory_xact_lock(hashtext('conflag'), hashtext('conflag.prune_history')) THEN
    RETURN 0;
  END IF;
  FOR i IN 1..20 LOOP
    DELETE FROM conflag.job_runs
     WHERE id IN (
       SELECT r.id
         FROM conflag.job_runs r
         LEFT JOIN conflag.jobs j ON j.id = r.job_id
        WHERE r.status <> 'running'
          AND r.finished_at < p_now - make_interval(days => coalesce(j.keep_history_days, 60))
          AND (r.job_id IS NULL OR r.id <> (SELECT max(k.id) FROM conflag.job_runs k WHERE k.job_id = r.job_id))
          AND (r.job_id IS NULL OR r.status <> 'succeeded'
               OR r.id <> (SELECT max(k.id) FROM conflag.job_runs k WHERE k.job_id = r.job_id AND k.status = 'succeeded'))
        ORDER BY r.id
        LIMIT 1000);
    GET DIAGNOSTICS n = ROW_COUNT;
    deleted := deleted + n;
    EXIT WHEN n < 1000;
  END LOOP;
  DELETE FROM conflag.run_candidates c
   WHERE NOT EXISTS (SELECT 1 FROM conflag.job_runs r WHERE r.id = c.run_id AND r.status = 'running');
  PERFORM conflag.prune_recording_changes();
  RETURN deleted;
END;
$function$;

COMMENT ON FUNCTION conflag.prune_history(timestamptz) IS 'Deletes finished runs older than their job''s keep_history_days (keeping each job''s newest run and newest successful run), leftover candidate lists, and change-log rows no incremental job needs. At most 20000 runs per call; returns the number of runs deleted. Two copies never overlap.';
-- Lets a DBA make an incremental job start over: forgets the recordings it processed and its last snapshot, so
-- its next run considers the whole table again (and can set a flag that was cleared by hand). Takes the job's
-- advisory lock that a starting run also takes, and refuses while the job is running.
CREATE OR REPLACE FUNCTION conflag.reset_incremental_state(job text)
  RETURNS bigint
  LANGUAGE plpgsql
AS $function$
DECLARE
  target conflag.jobs%ROWTYPE;
  running_id bigint;
  forgotten bigint;
BEGIN
  SELECT * INTO target FROM conflag.jobs j
   WHERE (job ~ '^[0-9]{1,18}$' AND j.id = job::bigint) OR lower(j.name) = lower(job)
   ORDER BY (j.id::text = job) DESC
   LIMIT 1;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'reset_incremental_state: job "%" does not exist', job
      USING ERRCODE = 'CF301', HINT = 'Give a job''s name (any case) or id: SELECT id, name FROM conflag.jobs;';
  END IF;
  PERFORM pg_advisory_xact_lock(hashtext('conflag.job'), (target.id % 2147483647)::integer);
  SELECT r.id INTO running_id FROM conflag.job_runs r WHERE r.job_id = target.id AND r.status = 'running';
  IF FOUND THEN
    RAISE EXCEPTION 'reset_incremental_state: job "%" is running (run %); its state cannot be reset now', target.name, running_id
      USING ERRCODE = 'CF302', HINT = 'Wait for the run to finish (SELECT * FROM conflag.job_status), then reset.';
  END IF;
  DELETE FROM conflag.job_processed_recordings p WHERE p.job_id = target.id;
  GET DIAGNOSTICS forgotten = ROW_COUNT;
  DELETE FROM conflag.job_incremental_state s WHERE s.job_id = target.id;
  RETURN forgotten;
END;
$function$;

COMMENT ON FUNCTION conflag.reset_incremental_state(text) IS 'Makes an incremental job (by name, any case, or id) start over: forgets the recordings it processed and its last snapshot. Returns how many processed recordings were forgotten. Refuses (CF302) while the job is running.';
-- One row per job: its settings at a glance, the run in progress (if any), the last finished run (skipped runs
-- are not counted: they only say a tick came while a run was active), the last success, and how many runs
-- failed or were aborted since that success.
CREATE OR REPLACE VIEW conflag.job_status AS
SELECT j.id AS job_id,
       j.name,
       j.enabled,
       j.schedule,
       j.mode,
       j.action,
       cur.id AS running_run_id,
       cur.started_at AS running_since,
       cur.heartbeat_at AS running_heartbeat_at,
       cur.batches AS running_batches,
       cur.matched AS running_matched,
       cur.changed AS running_changed,
       last.id AS last_run_id,
       last.status AS last_status,
       last.trigger AS last_trigger,
       last.started_at AS last_started_at,
       last.finished_at AS last_finished_at,
       last.matched AS last_matched,
       last.changed AS last_changed,
       last.skipped AS last_skipped,
       last.error AS last_error,
       ok.id AS last_success_run_id,
       ok.finished_at AS last_success_at,
       (SELECT count(*)
          FROM conflag.job_runs f
         WHERE f.job_id = j.id
           AND f.status IN ('failed', 'aborted')
           AND f.id > coalesce(ok.id, 0))::integer AS consecutive_failures
  FROM conflag.jobs j
  LEFT JOIN conflag.job_runs cur ON cur.job_id = j.id AND cur.status = 'running'
  LEFT JOIN LATERAL (
    SELECT r.id, r.status, r.trigger, r.started_at, r.finished_at, r.matched, r.changed, r.skipped, r.error
      FROM conflag.job_runs r
     WHERE r.job_id = j.id AND r.status NOT IN ('running', 'skipped')
     ORDER BY r.id DESC
     LIMIT 1) last ON true
  LEFT JOIN LATERAL (
    SELECT r.id, r.finished_at
      FROM conflag.job_runs r
     WHERE r.job_id = j.id AND r.status = 'succeeded'
     ORDER BY r.id DESC
     LIMIT 1) ok ON true;

COMMENT ON VIEW conflag.job_status IS 'Per job: settings, the run in progress (running_*), the last finished run (last_*, skipped runs not counted), the last success, and consecutive_failures (failed or aborted runs since the last success).';
-- What each incremental job remembers: how many recordings it has processed (and will never process again),
-- since when, and the snapshot its next run continues from. Jobs with no row here start with a whole-table pass.
CREATE OR REPLACE VIEW conflag.job_incremental_status AS
SELECT j.id AS job_id,
       j.name,
       j.mode,
       s.processed_count AS remembered_recordings,
       s.since AS remembering_since,
       s.last_run_id,
       s.last_snapshot_at,
       s.last_snapshot,
       s.running_run_id
  FROM conflag.job_incremental_state s
  JOIN conflag.jobs j ON j.id = s.job_id;

COMMENT ON VIEW conflag.job_incremental_status IS 'Per incremental job: remembered_recordings (processed, never processed again), remembering_since, and last_snapshot_at (start of the last successful run; the next run considers recordings added or changed after it). Reset with conflag.reset_incremental_state(job).';

-- The runner writes runs and incremental state; reporting reads history; admins may reset incremental state.
GRANT SELECT, INSERT, UPDATE, DELETE ON conflag.job_runs, conflag.job_processed_recordings,
  conflag.job_incremental_state, conflag.recording_changes, conflag.run_candidates TO conflag_runner;
GRANT SELECT ON conflag.job_status, conflag.job_incremental_status TO conflag_runner;
GRANT SELECT ON conflag.job_runs, conflag.job_status, conflag.job_incremental_state, conflag.job_incremental_status
  TO conflag_reporting, conflag_admin;
REVOKE EXECUTE ON FUNCTION conflag.expire_stalled_runs(timestamptz), conflag.prune_history(timestamptz),
  conflag.prune_recording_changes(), conflag.reset_incremental_state(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION conflag.expire_stalled_runs(timestamptz), conflag.prune_history(timestamptz),
  conflag.prune_recording_changes(), conflag.reset_incremental_state(text) TO conflag_runner;
GRANT EXECUTE ON FUNCTION conflag.reset_incremental_state(text) TO conflag_admin;
GRANT SELECT, INSERT, UPDATE, DELETE ON conflag.job_processed_recordings, conflag.job_incremental_state TO conflag_admin;

-- Down Migration

DROP VIEW conflag.job_incremental_status;
DROP VIEW conflag.job_status;
DROP FUNCTION conflag.reset_incremental_state(text);
DROP FUNCTION conflag.prune_history(timestamptz);
DROP FUNCTION conflag.prune_recording_changes();
DROP FUNCTION conflag.expire_stalled_runs(timestamptz);
DROP TRIGGER recordings_log_updates ON conflag.recordings;
DROP TRIGGER recordings_log_inserts ON conflag.recordings;
DROP FUNCTION conflag.log_updated_recording();
DROP FUNCTION conflag.log_inserted_recordings();
DROP TABLE conflag.run_candidates;
DROP TABLE conflag.recording_changes;
DROP TABLE conflag.job_incremental_state;
DROP TABLE conflag.job_processed_recordings;
DROP TABLE conflag.job_runs;
