-- Checks the key a mapping names (conflag.recording_source.key_columns) before it is written: 1 to 4 distinct
-- columns that exist, of a type conflag can put in a key (conflag.recording_key_sql, CF401/CF402), NOT NULL, and
-- provably unique: the table's primary key or a unique index (no expressions, no WHERE) lies within them. A key
-- that is not unique would let one recording's "processed" mark hide another from an incremental job (CF403).
CREATE OR REPLACE FUNCTION conflag.check_recordings_key(p_table regclass, p_key_columns name[])
RETURNS void
LANGUAGE plpgsql STABLE
AS $$
DECLARE
  c_hint constant text := 'See docs/own-table.md.';
  v_nullable text;
  v_unique   text;
BEGIN
  IF p_key_columns IS NULL OR cardinality(p_key_columns) NOT BETWEEN 1 AND 4 OR array_position(p_key_columns, NULL) IS NOT NULL
     OR (SELECT count(DISTINCT k) FROM unnest(p_key_columns) k) <> cardinality(p_key_columns) THEN
    RAISE EXCEPTION 'conflag.recording_source.key_columns: % is not a key: name 1 to 4 different columns of %', coalesce(p_key_columns::text, 'NULL'), p_table
      USING ERRCODE = 'CF403', HINT = c_hint;
  END IF;
  PERFORM conflag.recording_key_sql('r', p_table, p_key_columns);
  SELECT string_agg(quote_ident(a.attname), ', ') INTO v_nullable
    FROM pg_attribute a WHERE a.attrelid = p_table AND a.attname = ANY (p_key_columns) AND NOT a.attnotnull;
  IF v_nullable IS NOT NULL THEN
    RAISE EXCEPTION 'conflag.recording_source.key_columns: key column % of % may be NULL; a key column must be NOT NULL', v_nullable, p_table
      USING ERRCODE = 'CF403', HINT = c_hint;
  END IF;
  IF NOT EXISTS (
    SELECT 1 FROM pg_index i
     WHERE i.indrelid = p_table AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL
       AND ARRAY(SELECT a.attname FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, position)
                   JOIN pg_attribute a ON a.attrelid = p_table AND a.attnum = k.attnum
                  WHERE k.position <= i.indnkeyatts) <@ p_key_columns) THEN
    SELECT string_agg(format('(%s)', cols), ', ') INTO v_unique
      FROM (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.position) AS cols
              FROM pg_index i
              CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, position)
              JOIN pg_attribute a ON a.attrelid = p_table AND a.attnum = k.attnum
             WHERE i.indrelid = p_table AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL AND k.position <= i.indnkeyatts
             GROUP BY i.indexrelid) u;
    RAISE EXCEPTION 'conflag.recording_source.key_columns: % of % is not known to be unique: no primary key or unique index of the table lies within these columns',
      p_key_columns::text, p_table
      USING ERRCODE = 'CF403',
            HINT = coalesce('Unique keys of the table: ' || v_unique || '. ', 'The table has no primary key or unique index; add one. ') || c_hint;
  END IF;
END
$$;
COMMENT ON FUNCTION conflag.check_recordings_key(regclass, name[]) IS 'Internal: raises CF401/CF402/CF403 unless the columns form a unique, not-null key of the table of a type conflag can use.';
