-- Set and clear jobs that fight now: each pair of enabled jobs of opposite actions whose compiled selections have
-- recordings in common right now (conflag.job_conflict_counts: one scan of the recordings table), with how many,
-- how many of those are confidential now, and how many recordings each job's last run took back from a job of the
-- opposite action (flip-flops). A pair settled in conflag.job_precedence is not listed (nor is it a fight any
-- more: the loser's predicate leaves the winner's recordings alone). A pair whose compiled predicates are not
-- current yet is listed with the problem instead of counts. See "Conflicts" in docs/dba.md.
CREATE OR REPLACE VIEW conflag.job_conflicts AS
SELECT c.set_job_id,
       s.name AS set_job,
       c.clear_job_id,
       k.name AS clear_job,
       c.recordings AS common_recordings,
       c.confidential AS confidential_now,
       ss.last_flip_flops AS set_job_last_flip_flops,
       ks.last_flip_flops AS clear_job_last_flip_flops,
       c.problem
  FROM conflag.job_conflict_counts() c
  JOIN conflag.jobs s ON s.id = c.set_job_id
  JOIN conflag.jobs k ON k.id = c.clear_job_id
  LEFT JOIN conflag.job_status ss ON ss.job_id = s.id
  LEFT JOIN conflag.job_status ks ON ks.job_id = k.id
 WHERE c.recordings > 0 OR c.problem IS NOT NULL;

COMMENT ON VIEW conflag.job_conflicts IS 'Enabled set and clear jobs that select common recordings now: common_recordings (both select them), confidential_now (of those), each job''s last_flip_flops, or problem when a job''s compiled predicate is not current yet. One scan of the recordings table per query; needs SELECT on it (CF051). Settle a pair with conflag.job_precedence. See "Conflicts" in docs/dba.md.';
GRANT SELECT ON conflag.job_conflicts TO conflag_runner, conflag_admin, conflag_reporting;
