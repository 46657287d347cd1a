-- BEFORE INSERT OR UPDATE trigger on conflag.attributes: a fact is checked by the database before it is accepted.
--   - table_schema/table_name left NULL on INSERT: the mapped table's (conflag.recording_source);
--   - CF420: name (lower-case letters, digits, _; as in conditions), type, description;
--   - CF421: the table does not exist (or is not a table);
--   - CF422-CF424: the expression (conflag.check_attribute_expression), against the attribute's own table — so a
--     DBA defines the facts of a platform table before mapping it. An UPDATE that keeps table, type and expression
--     (a new description) is not probed again.
-- Removing or changing a fact that jobs use is conflag.attributes_check_jobs (AFTER).
CREATE OR REPLACE FUNCTION conflag.attributes_validate()
RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
  c_hint constant text := 'See "Attributes" in docs/own-table.md.';
  v_table regclass;
BEGIN
  IF TG_OP = 'INSERT' AND NEW.table_schema IS NULL AND NEW.table_name IS NULL THEN
    SELECT s.table_schema, s.table_name INTO NEW.table_schema, NEW.table_name FROM conflag.recording_source s;
  END IF;
  IF NEW.name IS NULL OR NEW.name !~ '^[a-z][a-z0-9_]{0,62}$' THEN
    RAISE EXCEPTION 'attributes.name: % is not a fact name: use 1 to 63 lower-case letters, digits and _, starting with a letter', conflag.json_for_message(to_jsonb(NEW.name))
      USING ERRCODE = 'CF420', HINT = c_hint;
  END IF;
  IF NEW.type IS NULL OR NEW.type NOT IN ('text', 'number', 'timestamp', 'date', 'time', 'text_array', 'json') THEN
    RAISE EXCEPTION 'attributes.type: % is not an attribute type: use text, number, timestamp, date, time, text_array or json', conflag.json_for_message(to_jsonb(NEW.type))
      USING ERRCODE = 'CF420', HINT = c_hint;
  END IF;
  IF NEW.description IS NULL OR btrim(NEW.description) = '' THEN
    RAISE EXCEPTION 'attributes.description of %: say what the fact means, for people writing conditions', to_jsonb(NEW.name)
      USING ERRCODE = 'CF420', HINT = c_hint;
  END IF;
  IF NEW.table_schema IS NULL OR NEW.table_name IS NULL THEN
    RAISE EXCEPTION 'attributes: table_schema and table_name of % must both name the recordings table (or both be NULL for the mapped one)', to_jsonb(NEW.name)
      USING ERRCODE = 'CF421', HINT = c_hint;
  END IF;
  v_table := to_regclass(format('%I.%I', NEW.table_schema, NEW.table_name));
  IF v_table IS NULL OR (SELECT c.relkind FROM pg_class c WHERE c.oid = v_table) NOT IN ('r', 'p') THEN
    RAISE EXCEPTION 'attributes: the table %.% of % %', quote_ident(NEW.table_schema), quote_ident(NEW.table_name), to_jsonb(NEW.name),
      CASE WHEN v_table IS NULL THEN 'does not exist' ELSE 'is not a table' END
      USING ERRCODE = 'CF421', HINT = c_hint;
  END IF;
  IF TG_OP = 'UPDATE' AND (NEW.table_schema, NEW.table_name, NEW.type, NEW.expression) IS NOT DISTINCT FROM (OLD.table_schema, OLD.table_name, OLD.type, OLD.expression) THEN
    RETURN NEW;
  END IF;
  PERFORM conflag.check_attribute_expression(v_table, NEW.name, NEW.type, NEW.expression);
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION conflag.attributes_validate() IS 'Trigger (BEFORE INSERT OR UPDATE on conflag.attributes): fills the mapped table for a row without one; refuses a bad name, type or description (CF420), a missing table (CF421) and an expression PostgreSQL cannot prove reads only the row (CF422-CF424).';
