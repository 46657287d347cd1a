-- AFTER INSERT / UPDATE OF the mapping trigger on conflag.recording_source (the row already passed
-- conflag.recording_source_validate): what a new mapping does, in the transaction that writes it.
--   1. Refuses while runs are in progress (CF408): a run works on the table it started with. The SHARE lock on
--      conflag.job_runs keeps new runs from starting (their INSERT waits) until this transaction ends; they then
--      load the new mapping.
--   2. Refuses while jobs would not run on the new table (CF409): each condition must validate against the new
--      table's attributes (define its facts in conflag.attributes first).
--   3. A different table, key or flag column: the change log, the processed recordings and the incremental state
--      speak of the old one's recordings (their keys may even recur in the new table), so they are emptied and
--      incremental jobs start over with a whole-table pass. Said in a NOTICE.
--   4. Moves the change-log triggers: conflag.install_change_log_triggers() creates them on the new table (its
--      partitions included) and drops them from the old one. Each step it took is a NOTICE.
--   5. Moves the row-level security of runs: conflag.install_run_scope_policies() gives the new table (and its
--      partitions) the policies conflag.recordings has, and takes them from the old one. A NOTICE per step.
CREATE OR REPLACE FUNCTION conflag.recording_source_apply()
RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
  c_hint constant text := 'See docs/own-table.md.';
  v_running   text;
  v_jobs      text;
  v_forgotten bigint;
  v_line      text;
BEGIN
  LOCK TABLE conflag.job_runs IN SHARE MODE;
  SELECT string_agg(format('run %s of job %s', r.id, to_jsonb(r.job_name)), ', ' ORDER BY r.id) INTO v_running
    FROM conflag.job_runs r WHERE r.status = 'running';
  IF v_running IS NOT NULL THEN
    RAISE EXCEPTION 'conflag.recording_source: the recordings table cannot change while runs are in progress: %', v_running
      USING ERRCODE = 'CF408', HINT = 'Wait for them to end (SELECT * FROM conflag.job_status), or stop them, then map the table. ' || c_hint;
  END IF;
  SELECT string_agg(format('job %s %s: %s', p.job_id, to_jsonb(p.job_name), p.problem), '; ' ORDER BY p.job_id) INTO v_jobs
    FROM conflag.job_condition_problems() p;
  IF v_jobs IS NOT NULL THEN
    RAISE EXCEPTION 'conflag.recording_source: jobs would not run on %.%: %', quote_ident(NEW.table_schema), quote_ident(NEW.table_name), v_jobs
      USING ERRCODE = 'CF409',
            HINT = format('Define the facts they use for the table first (INSERT INTO conflag.attributes (table_schema, table_name, name, type, expression, description) VALUES (%L, %L, ...)), or change or delete those jobs. ', NEW.table_schema, NEW.table_name) || c_hint;
  END IF;
  IF TG_OP = 'INSERT' OR (NEW.table_schema, NEW.table_name, NEW.key_columns, NEW.flag_column)
                         IS DISTINCT FROM (OLD.table_schema, OLD.table_name, OLD.key_columns, OLD.flag_column) THEN
    DELETE FROM conflag.job_processed_recordings;
    GET DIAGNOSTICS v_forgotten = ROW_COUNT;
    DELETE FROM conflag.job_incremental_state;
    DELETE FROM conflag.recording_changes;
    IF v_forgotten > 0 OR EXISTS (SELECT 1 FROM conflag.jobs WHERE mode = 'incremental') THEN
      RAISE NOTICE 'incremental jobs start over on %.%: % processed recordings of the previous table were forgotten',
        quote_ident(NEW.table_schema), quote_ident(NEW.table_name), v_forgotten;
    END IF;
  END IF;
  FOR v_line IN SELECT * FROM conflag.install_change_log_triggers() LOOP
    RAISE NOTICE 'change log: %', v_line;
  END LOOP;
  FOR v_line IN SELECT * FROM conflag.install_run_scope_policies() LOOP
    RAISE NOTICE 'row-level security: %', v_line;
  END LOOP;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION conflag.recording_source_apply() IS 'Trigger (AFTER INSERT, UPDATE of the mapping on conflag.recording_source): refuses while runs are in progress (CF408) or jobs would not run on the new table (CF409); forgets incremental state of another table or key; moves the change-log triggers (conflag.install_change_log_triggers) and the run-scope policies (conflag.install_run_scope_policies).';
