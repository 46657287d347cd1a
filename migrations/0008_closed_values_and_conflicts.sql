-- Up Migration

-- Issue 11: what the database accepts, runs; what can never match is refused; set and clear jobs that fight are
-- shown and can be settled. Tables and catalog data only; the routines that use them are in sql/.

-- conflag.crontab_field_problem is replaced by conflag.crontab_field (sql/functions/). A database migrated with sql/
-- loses it when migrate notices the deleted file; one upgraded from before the baseline has no record of it.
DROP FUNCTION IF EXISTS conflag.crontab_field_problem(text, integer, integer, text[]);

-- Closed attributes: the values a text attribute can take, so that a condition comparing it with any other value
-- (start_weekday "Monday", direction "Internal") is refused instead of silently matching nothing
-- (conflag.closed_value_problem). NULL = any text.
ALTER TABLE conflag.attributes
  ADD COLUMN allowed_values text[],
  ADD CONSTRAINT attributes_allowed_values_check
    CHECK (allowed_values IS NULL OR (type = 'text' AND cardinality(allowed_values) > 0 AND array_position(allowed_values, NULL) IS NULL));
COMMENT ON COLUMN conflag.attributes.allowed_values IS 'The only values a text attribute can have (a closed set), or NULL for any text. A condition comparing the attribute with a value outside the set is refused (CF105, with the allowed values and a "did you mean").';
UPDATE conflag.attributes SET allowed_values = ARRAY['inbound', 'outbound', 'internal'] WHERE name = 'direction';
UPDATE conflag.attributes SET allowed_values = ARRAY['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday']
 WHERE name = 'start_weekday';

-- json-rules-engine's numeric operators also take json facts (custom with a path): its numberValidator decides
-- what reaches the comparison (docs/conditions.md).
UPDATE conflag.operators SET types = '{number,json}',
       description = description || ' On json facts: json-rules-engine''s rule (a number, or a string JavaScript reads as one; false for anything else).'
 WHERE name IN ('lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive');

-- Flip-flops: recordings a run changed back from what a job of the opposite action had set.
ALTER TABLE conflag.job_runs ADD COLUMN flip_flops bigint NOT NULL DEFAULT 0;
COMMENT ON COLUMN conflag.job_run_log.level IS 'info; warn (the run was aborted or skipped, or succeeded with flip-flops: it changed back recordings of a job of the opposite action); error (the run failed).';
COMMENT ON COLUMN conflag.job_runs.flip_flops IS 'Recordings this run changed whose flag a run of another job with the opposite action had changed last (confidential_changed_by_run): a set job and a clear job fighting over them. Settle with conflag.job_precedence (docs/dba.md "Conflicts").';

-- Settling a conflict: where a winner and a loser both select a recording, the loser leaves it alone. Compiled into
-- the loser's predicate as AND NOT (the winner's scope and condition) while the winner is enabled.
CREATE TABLE conflag.job_precedence (
  winner_job_id bigint NOT NULL REFERENCES conflag.jobs (id) ON DELETE CASCADE,
  loser_job_id  bigint NOT NULL REFERENCES conflag.jobs (id) ON DELETE CASCADE,
  created_at    timestamptz NOT NULL DEFAULT now(),
  created_by    text NOT NULL DEFAULT current_user,
  note          text,
  PRIMARY KEY (loser_job_id, winner_job_id),
  CONSTRAINT job_precedence_two_jobs_check CHECK (winner_job_id <> loser_job_id)
);
CREATE INDEX job_precedence_winner_job_id_idx ON conflag.job_precedence (winner_job_id);
COMMENT ON TABLE conflag.job_precedence IS 'Settled conflicts between a set job and a clear job: where both select a recording, the winner''s action stands and the loser leaves the recording alone (its predicate gets AND NOT the winner''s scope and condition while the winner is enabled). Validated by conflag.job_precedence_validate (CF040). See docs/dba.md "Conflicts".';
COMMENT ON COLUMN conflag.job_precedence.winner_job_id IS 'The job whose action stands (conflag.jobs.id).';
COMMENT ON COLUMN conflag.job_precedence.loser_job_id IS 'The job of the opposite action that yields (conflag.jobs.id).';
COMMENT ON COLUMN conflag.job_precedence.created_at IS 'When the precedence was given.';
COMMENT ON COLUMN conflag.job_precedence.created_by IS 'current_user of the INSERT.';
COMMENT ON COLUMN conflag.job_precedence.note IS 'Why (free text).';

-- The compiled predicate of each enabled job, kept by the runners (src/conflict/refreshJobPredicates.ts) so that the
-- database can evaluate conditions itself: conflag.job_conflicts counts the recordings two jobs select now.
CREATE TABLE conflag.job_predicates (
  job_id      bigint PRIMARY KEY REFERENCES conflag.jobs (id) ON DELETE CASCADE,
  predicate   text NOT NULL,
  parameters  text[] NOT NULL,
  digest      text NOT NULL,
  compiled_at timestamptz NOT NULL DEFAULT now(),
  compiled_by text NOT NULL
);
COMMENT ON TABLE conflag.job_predicates IS 'The SQL each enabled job''s scope, condition and precedence compile to, kept current by the runners (within a second of a change, and on every reconcile); read by conflag.job_conflicts. Do not edit.';
COMMENT ON COLUMN conflag.job_predicates.job_id IS 'The job (conflag.jobs.id).';
COMMENT ON COLUMN conflag.job_predicates.predicate IS 'Boolean SQL over the recording alias r, as a run applies it; $n stands for parameters[n] (the run''s as_of is ''now'').';
COMMENT ON COLUMN conflag.job_predicates.parameters IS 'The bind parameters of predicate, as text.';
COMMENT ON COLUMN conflag.job_predicates.digest IS 'conflag.job_selection_digest(job) when compiled: a different current digest means the row is out of date.';
COMMENT ON COLUMN conflag.job_predicates.compiled_at IS 'When a runner compiled it.';
COMMENT ON COLUMN conflag.job_predicates.compiled_by IS 'Which runner (host/pid).';

GRANT SELECT, INSERT, UPDATE, DELETE ON conflag.job_precedence TO conflag_admin;
GRANT SELECT ON conflag.job_precedence TO conflag_runner, conflag_reporting;
GRANT SELECT, INSERT, UPDATE, DELETE ON conflag.job_predicates TO conflag_runner;
GRANT SELECT ON conflag.job_predicates TO conflag_admin, conflag_reporting;

-- Down Migration

-- job_status reads job_runs.flip_flops (and job_report reads job_status); migrate creates them again from sql/.
DROP VIEW IF EXISTS conflag.job_conflicts;
DROP VIEW IF EXISTS conflag.job_report;
DROP VIEW IF EXISTS conflag.job_status;
DROP TABLE conflag.job_predicates;
DROP TABLE conflag.job_precedence;
ALTER TABLE conflag.job_runs DROP COLUMN flip_flops;
COMMENT ON COLUMN conflag.job_run_log.level IS 'info; warn (the run was aborted or skipped); error (the run failed).';
UPDATE conflag.operators SET types = '{number}', description = split_part(description, ' On json facts:', 1)
 WHERE name IN ('lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive');
ALTER TABLE conflag.attributes DROP COLUMN allowed_values;
