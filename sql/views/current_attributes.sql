-- The facts conditions may use now: the attributes of the mapped recordings table (conflag.recording_source). The
-- write-time validation of conditions (conflag.validate_condition_leaf) and the compiler (src/condition/loadCatalog.ts)
-- read this, so both always agree on which facts exist.
CREATE OR REPLACE VIEW conflag.current_attributes AS
SELECT a.name, a.type, a.expression, a.description, a.table_schema, a.table_name, a.allowed_values
  FROM conflag.attributes a
  JOIN conflag.recording_source s ON s.table_schema = a.table_schema AND s.table_name = a.table_name;

COMMENT ON VIEW conflag.current_attributes IS 'The attributes (facts) of the recordings table conflag works on now (conflag.recording_source): the ones conditions may use. See docs/conditions.md.';
GRANT SELECT ON conflag.current_attributes TO conflag_admin, conflag_runner, conflag_reporting;
