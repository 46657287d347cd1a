-- BEFORE INSERT OR UPDATE trigger on conflag.job_precedence: a precedence settles a conflict between a set job and
-- a clear job, so both jobs must exist, differ, have opposite actions, and not already have the precedence the
-- other way round; anything else is refused with CF040 naming the jobs. (A job whose action changes later keeps
-- its rows, which then do nothing: only winners of the opposite action are compiled into a loser's predicate.)
CREATE OR REPLACE FUNCTION conflag.job_precedence_validate()
RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
  c_hint   constant text := 'See "Conflicts" in docs/dba.md. SELECT id, name, action FROM conflag.jobs lists the jobs.';
  v_winner record;
  v_loser  record;
BEGIN
  SELECT id, name, action INTO v_winner FROM conflag.jobs WHERE id = NEW.winner_job_id;
  SELECT id, name, action INTO v_loser FROM conflag.jobs WHERE id = NEW.loser_job_id;
  IF v_winner.id IS NULL OR v_loser.id IS NULL THEN
    RAISE EXCEPTION 'job_precedence: % % does not exist',
      CASE WHEN v_winner.id IS NULL THEN 'winner_job_id' ELSE 'loser_job_id' END,
      coalesce(CASE WHEN v_winner.id IS NULL THEN NEW.winner_job_id ELSE NEW.loser_job_id END::text, 'NULL')
      USING ERRCODE = 'CF040', HINT = c_hint;
  END IF;
  IF v_winner.id = v_loser.id THEN
    RAISE EXCEPTION 'job_precedence: job % (%) cannot take precedence over itself', v_winner.id, to_jsonb(v_winner.name)
      USING ERRCODE = 'CF040', HINT = c_hint;
  END IF;
  IF v_winner.action = v_loser.action THEN
    RAISE EXCEPTION 'job_precedence: jobs % (%) and % (%) both % the flag, so they never undo each other; precedence settles a conflict between a set job and a clear job',
      v_winner.id, to_jsonb(v_winner.name), v_loser.id, to_jsonb(v_loser.name), v_winner.action
      USING ERRCODE = 'CF040', HINT = c_hint;
  END IF;
  IF EXISTS (SELECT FROM conflag.job_precedence WHERE winner_job_id = NEW.loser_job_id AND loser_job_id = NEW.winner_job_id) THEN
    RAISE EXCEPTION 'job_precedence: job % (%) already takes precedence over job % (%); to turn it round, delete that row first',
      v_loser.id, to_jsonb(v_loser.name), v_winner.id, to_jsonb(v_winner.name)
      USING ERRCODE = 'CF040', HINT = c_hint;
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION conflag.job_precedence_validate() IS 'Trigger (BEFORE INSERT OR UPDATE on conflag.job_precedence): both jobs exist, differ and have opposite actions, and the precedence does not exist the other way round; else CF040.';
