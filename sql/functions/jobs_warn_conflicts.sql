-- AFTER trigger on conflag.jobs: when an INSERT or UPDATE leaves an enabled job that may act on the same recordings
-- as an enabled job of the opposite action, warns naming it (a WARNING, SQLSTATE CF050: the change is saved).
-- "May": their scopes overlap (NULL = all tenants) and their conditions are not provably disjoint
-- (conflag.conditions_disjoint) — the database cannot run the compiler at write time, so it warns unless it can
-- prove they never meet; conflag.job_conflicts then says how many recordings both select now. A pair settled in
-- conflag.job_precedence (either way round) is not warned about. Only changes that can start a conflict warn:
-- INSERT, and UPDATE of enabled, condition, access_scope or action.
CREATE OR REPLACE FUNCTION conflag.jobs_warn_conflicts()
RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
  v_other record;
  v_count integer := 0;
BEGIN
  IF NOT NEW.enabled OR TG_OP = 'UPDATE' AND NOT (NEW.enabled IS DISTINCT FROM OLD.enabled OR NEW.condition IS DISTINCT FROM OLD.condition
                                                  OR NEW.access_scope IS DISTINCT FROM OLD.access_scope OR NEW.action IS DISTINCT FROM OLD.action) THEN
    RETURN NULL;
  END IF;
  FOR v_other IN
    SELECT o.id, o.name, o.action FROM conflag.jobs o
     WHERE o.enabled AND o.action <> NEW.action AND o.id <> NEW.id
       AND (o.access_scope IS NULL OR NEW.access_scope IS NULL OR o.access_scope && NEW.access_scope)
       AND NOT EXISTS (SELECT FROM conflag.job_precedence p
                        WHERE p.winner_job_id = o.id AND p.loser_job_id = NEW.id OR p.winner_job_id = NEW.id AND p.loser_job_id = o.id)
       AND NOT conflag.conditions_disjoint(NEW.condition, o.condition)
     ORDER BY o.id
  LOOP
    v_count := v_count + 1;
    CONTINUE WHEN v_count > 10;
    RAISE WARNING 'jobs: job % (%, %) may select the same recordings as job % (%, %): their scopes overlap and their conditions are not provably disjoint, so each may undo what the other does',
      NEW.id, to_jsonb(NEW.name), NEW.action, v_other.id, to_jsonb(v_other.name), v_other.action
      USING ERRCODE = 'CF050',
            HINT = format('See how many recordings both select now: SELECT * FROM conflag.job_conflicts; settle it with INSERT INTO conflag.job_precedence (winner_job_id, loser_job_id) VALUES (%s, %s) (or the other way round). See "Conflicts" in docs/dba.md.',
                          v_other.id, NEW.id);
  END LOOP;
  IF v_count > 10 THEN
    RAISE WARNING 'jobs: job % (%) may also select the same recordings as % more jobs of the opposite action', NEW.id, to_jsonb(NEW.name), v_count - 10
      USING ERRCODE = 'CF050', HINT = 'SELECT * FROM conflag.job_conflicts lists them. See "Conflicts" in docs/dba.md.';
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION conflag.jobs_warn_conflicts() IS 'Trigger (AFTER INSERT OR UPDATE on conflag.jobs): WARNING CF050 naming each enabled job of the opposite action whose scope overlaps and whose condition is not provably disjoint (conflag.conditions_disjoint), unless conflag.job_precedence settles the pair.';
