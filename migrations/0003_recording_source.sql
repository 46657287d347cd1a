-- Up Migration

-- Where the recordings are, and how a run goes through them.
-- 1. conflag.recording_source names the table conflag flags: conflag.recordings by default; a DBA can point it at
--    the platform's own table (its key, tenant and flag columns).
-- 2. A recording is identified by its key as a JSON array of its key columns' values in a canonical text form
--    ([42] for conflag.recordings; conflag.recording_key_sql builds it), so the change log, a run's candidates
--    and an incremental job's processed set work for any key type (bigint, uuid, text, a composite key).
-- 3. Runs go through the table in block ranges (TID Range Scans, on several connections at once) whose size
--    adapts to a time target, instead of fixed id ranges; job_runs records units (blocks or candidates) instead
--    of ids. See docs/performance.md.

CREATE TABLE conflag.recording_source (
  singleton             boolean PRIMARY KEY DEFAULT true CONSTRAINT recording_source_one_row CHECK (singleton),
  table_schema          name NOT NULL,
  table_name            name NOT NULL,
  key_columns           name[] NOT NULL CHECK (cardinality(key_columns) BETWEEN 1 AND 4),
  tenant_column         name NOT NULL,
  flag_column           name NOT NULL,
  changed_at_column     name,
  changed_by_run_column name,
  updated_at            timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE conflag.recording_source IS 'The table whose confidential flag conflag sets and clears, one row: conflag.recordings unless a DBA mapped the platform''s own table. See docs/own-table.md.';
COMMENT ON COLUMN conflag.recording_source.singleton IS 'Always true: the table has exactly one row.';
COMMENT ON COLUMN conflag.recording_source.table_schema IS 'Schema of the recordings table.';
COMMENT ON COLUMN conflag.recording_source.table_name IS 'Name of the recordings table (a plain or a partitioned table).';
COMMENT ON COLUMN conflag.recording_source.key_columns IS 'Columns of its primary key (or another unique, not-null key), in order.';
COMMENT ON COLUMN conflag.recording_source.tenant_column IS 'Column holding the tenant id (conflag.tenants.id).';
COMMENT ON COLUMN conflag.recording_source.flag_column IS 'The boolean confidential flag conflag writes.';
COMMENT ON COLUMN conflag.recording_source.changed_at_column IS 'Optional timestamptz column conflag sets when it changes the flag; NULL = none (the flag history keeps it).';
COMMENT ON COLUMN conflag.recording_source.changed_by_run_column IS 'Optional bigint column conflag sets to the run that changed the flag; NULL = none (the flag history keeps it).';
COMMENT ON COLUMN conflag.recording_source.updated_at IS 'When the mapping was last changed.';
INSERT INTO conflag.recording_source (table_schema, table_name, key_columns, tenant_column, flag_column, changed_at_column, changed_by_run_column)
VALUES ('conflag', 'recordings', '{id}', 'tenant_id', 'confidential', 'confidential_changed_at', 'confidential_changed_by_run');
GRANT SELECT ON conflag.recording_source TO conflag_admin, conflag_runner, conflag_reporting;

-- Keys as JSON arrays. The old bigint ids become [id].
ALTER TABLE conflag.job_processed_recordings ADD COLUMN recording_key jsonb;
UPDATE conflag.job_processed_recordings SET recording_key = jsonb_build_array(recording_id);
ALTER TABLE conflag.job_processed_recordings
  DROP CONSTRAINT job_processed_recordings_pkey,
  DROP COLUMN recording_id,
  ALTER COLUMN recording_key SET NOT NULL,
  ADD PRIMARY KEY (job_id, recording_key);
COMMENT ON COLUMN conflag.job_processed_recordings.recording_key IS 'The processed recording''s key: a JSON array of its key columns'' values ([42] for conflag.recordings).';

ALTER TABLE conflag.recording_changes ADD COLUMN recording_key jsonb;
UPDATE conflag.recording_changes SET recording_key = jsonb_build_array(recording_id);
ALTER TABLE conflag.recording_changes DROP COLUMN recording_id, ALTER COLUMN recording_key SET NOT NULL;
COMMENT ON TABLE conflag.recording_changes IS 'Change log of the recordings table (conflag.recording_source) for incremental jobs: one row per inserted or changed recording (not for flag changes). Filled by triggers, pruned by conflag.prune_recording_changes().';
COMMENT ON COLUMN conflag.recording_changes.recording_key IS 'The recording''s key: a JSON array of its key columns'' values.';

-- A working list, rebuilt by every run: recreated rather than converted.
DROP TABLE conflag.run_candidates;
CREATE UNLOGGED TABLE conflag.run_candidates (
  run_id        bigint NOT NULL,
  seq           bigint NOT NULL,
  recording_key jsonb NOT NULL,
  PRIMARY KEY (run_id, seq)
);
COMMENT ON TABLE conflag.run_candidates IS 'Working list of an incremental run in progress: the recordings added or changed since the job''s last successful run, numbered so batches take ranges of them. Deleted when the run ends (leftovers by conflag.prune_history).';
COMMENT ON COLUMN conflag.run_candidates.run_id IS 'The run (conflag.job_runs.id).';
COMMENT ON COLUMN conflag.run_candidates.seq IS 'Position in the list, 1, 2, ...: a batch takes a range of it.';
COMMENT ON COLUMN conflag.run_candidates.recording_key IS 'A recording the run must consider (its key as a JSON array).';
GRANT SELECT, INSERT, UPDATE, DELETE ON conflag.run_candidates TO conflag_runner;

-- The transactions of a run's committed batches: a row whose newest version one of them wrote was already
-- counted by this run (an update that does not fit its page moves the row, possibly to a block not scanned yet).
CREATE UNLOGGED TABLE conflag.run_batch_xids (
  run_id bigint NOT NULL,
  xid    xid8 NOT NULL,
  PRIMARY KEY (run_id, xid)
);
COMMENT ON TABLE conflag.run_batch_xids IS 'Working list of a run in progress: the transaction id of each committed batch that changed flags, so a row it moved to a block the run has not scanned yet is not counted twice. Deleted when the run ends.';
COMMENT ON COLUMN conflag.run_batch_xids.run_id IS 'The run (conflag.job_runs.id).';
COMMENT ON COLUMN conflag.run_batch_xids.xid IS 'A batch transaction of the run that wrote rows.';
GRANT SELECT, INSERT, DELETE ON conflag.run_batch_xids TO conflag_runner;

-- Runs: units of work instead of ids.
ALTER TABLE conflag.job_runs
  DROP COLUMN max_id,
  DROP COLUMN last_id,
  DROP COLUMN batch_size,
  ADD COLUMN parallelism integer CHECK (parallelism > 0),
  ADD COLUMN batch_target_ms integer CHECK (batch_target_ms > 0),
  ADD COLUMN scan_units bigint,
  ADD COLUMN scanned_units bigint NOT NULL DEFAULT 0;
COMMENT ON COLUMN conflag.job_runs.scan IS 'What the run went through: table (every block of the recordings table as it was when the run started, in block ranges) or changes (incremental: only recordings added or changed since the last successful run).';
COMMENT ON COLUMN conflag.job_runs.candidates IS 'scan = changes: how many recordings were added or changed since the last successful run.';
COMMENT ON COLUMN conflag.job_runs.parallelism IS 'Connections the run worked on at once (batches run concurrently, each one statement in its own transaction).';
COMMENT ON COLUMN conflag.job_runs.batch_target_ms IS 'How long a batch should take: batch sizes adapt to it (a fixed size when set by conflag run --batch-blocks).';
COMMENT ON COLUMN conflag.job_runs.scan_units IS 'Work to go through when the run started: blocks of the table (scan = table) or candidates (scan = changes).';
COMMENT ON COLUMN conflag.job_runs.scanned_units IS 'Units covered by the committed batches so far (progress: scanned_units / scan_units).';

-- Down Migration

ALTER TABLE conflag.job_runs
  DROP COLUMN scanned_units,
  DROP COLUMN scan_units,
  DROP COLUMN batch_target_ms,
  DROP COLUMN parallelism,
  ADD COLUMN batch_size integer CHECK (batch_size > 0),
  ADD COLUMN max_id bigint,
  ADD COLUMN last_id bigint;
DROP TABLE conflag.run_batch_xids;
DROP TABLE conflag.run_candidates;
CREATE UNLOGGED TABLE conflag.run_candidates (
  run_id       bigint NOT NULL,
  recording_id bigint NOT NULL,
  PRIMARY KEY (run_id, recording_id)
);
GRANT SELECT, INSERT, UPDATE, DELETE ON conflag.run_candidates TO conflag_runner;
DELETE FROM conflag.recording_changes WHERE jsonb_typeof(recording_key -> 0) <> 'number';
ALTER TABLE conflag.recording_changes ADD COLUMN recording_id bigint;
UPDATE conflag.recording_changes SET recording_id = (recording_key ->> 0)::bigint;
ALTER TABLE conflag.recording_changes DROP COLUMN recording_key, ALTER COLUMN recording_id SET NOT NULL;
DELETE FROM conflag.job_processed_recordings WHERE jsonb_typeof(recording_key -> 0) <> 'number';
ALTER TABLE conflag.job_processed_recordings ADD COLUMN recording_id bigint;
UPDATE conflag.job_processed_recordings SET recording_id = (recording_key ->> 0)::bigint;
ALTER TABLE conflag.job_processed_recordings
  DROP CONSTRAINT job_processed_recordings_pkey,
  DROP COLUMN recording_key,
  ALTER COLUMN recording_id SET NOT NULL,
  ADD PRIMARY KEY (job_id, recording_id);
DROP TABLE conflag.recording_source;
