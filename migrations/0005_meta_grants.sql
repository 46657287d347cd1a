-- Up Migration

-- conflag's roles may read which migrations and sql/ files are applied, so a login that may not change the schema
-- (the service's, holding conflag_runner) can tell whether the database is at its conflag's version and say what
-- to run when it is not (src/db/schemaStatus.ts), instead of failing on a permission error inside `migrate`.
GRANT USAGE ON SCHEMA conflag_meta TO conflag_admin, conflag_runner, conflag_reporting;
GRANT SELECT ON conflag_meta.migrations, conflag_meta.sql_files TO conflag_admin, conflag_runner, conflag_reporting;

-- Down Migration

REVOKE SELECT ON conflag_meta.migrations, conflag_meta.sql_files FROM conflag_admin, conflag_runner, conflag_reporting;
REVOKE USAGE ON SCHEMA conflag_meta FROM conflag_admin, conflag_runner, conflag_reporting;
