// What the database holds of sql/'s objects, read from the catalog: each function overload, view and trigger with
// its identity and a digest of what its file controls (definition and comments, not grants a DBA may add), and
// the objects that depend on one of them. Identities are spelled the same way everywhere, independent of
// search_path: conflag.request_run(text), conflag.job_status, jobs_validate ON conflag.jobs.
import type pg from 'pg';
import type { SqlKind } from './sqlFiles.ts';

export interface SqlObject {
  kind: SqlKind;
  identity: string;
  /** The function's or view's name, or the trigger's. */
  name: string;
  digest: string;
}

/** Functions and views of schema conflag, and the triggers named in `triggerNames` (on any table). */
export async function currentSqlObjects(client: pg.ClientBase, triggerNames: string[]): Promise<Map<string, SqlObject>> {
  const { rows } = await client.query<SqlObject>(
    `SELECT 'function' AS kind, format('%I.%I(%s)', n.nspname, p.proname, oidvectortypes(p.proargtypes)) AS identity,
            p.proname AS name,
            md5(pg_get_functiondef(p.oid) || coalesce(obj_description(p.oid, 'pg_proc'), '')) AS digest
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname = 'conflag' AND p.prokind IN ('f', 'p')
     UNION ALL
     SELECT 'view', format('%I.%I', n.nspname, c.relname), c.relname,
            md5(pg_get_viewdef(c.oid) || coalesce(obj_description(c.oid, 'pg_class'), '') ||
                coalesce((SELECT string_agg(a.attname || ':' || coalesce(col_description(c.oid, a.attnum), ''), ',' ORDER BY a.attnum)
                            FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), ''))
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'conflag' AND c.relkind = 'v'
     UNION ALL
     SELECT 'trigger', format('%I ON %I.%I', t.tgname, n.nspname, c.relname), t.tgname,
            md5(pg_get_triggerdef(t.oid) || coalesce(obj_description(t.oid, 'pg_trigger'), ''))
       FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE NOT t.tgisinternal AND t.tgname = ANY ($1::text[])`,
    [triggerNames],
  );
  return new Map(rows.map((row) => [row.identity, row]));
}

export interface Dependent {
  /** A function, view or trigger identity as above, or PostgreSQL's description of anything else. */
  identity: string;
  description: string;
}

/**
 * Everything that depends on the given functions or views, transitively: views through their rewrite rules,
 * triggers, functions (through their argument or result types), column defaults, constraints, and so on.
 */
export async function dependentsOf(client: pg.ClientBase, identities: string[]): Promise<Dependent[]> {
  const { rows } = await client.query<Dependent>(
    `WITH RECURSIVE start AS (
       SELECT 'pg_proc'::regclass AS classid, p.oid AS objid
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE format('%I.%I(%s)', n.nspname, p.proname, oidvectortypes(p.proargtypes)) = ANY ($1::text[])
       UNION
       SELECT 'pg_class'::regclass, c.oid
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE format('%I.%I', n.nspname, c.relname) = ANY ($1::text[])
       UNION
       -- A function returning a view's row type depends on that type, not on the view.
       SELECT 'pg_type'::regclass, c.reltype
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE format('%I.%I', n.nspname, c.relname) = ANY ($1::text[]) AND c.relkind = 'v'
     ), dependents(classid, objid) AS (
       SELECT * FROM start
       UNION
       -- A view depends through its rewrite rule: follow the rule to the view it belongs to.
       SELECT CASE WHEN d.classid = 'pg_rewrite'::regclass THEN 'pg_class'::regclass ELSE d.classid END,
              CASE WHEN d.classid = 'pg_rewrite'::regclass THEN (SELECT r.ev_class FROM pg_rewrite r WHERE r.oid = d.objid) ELSE d.objid END
         FROM dependents x
         JOIN pg_depend d ON d.refclassid = x.classid AND d.refobjid = x.objid AND d.deptype = 'n'
     )
     SELECT coalesce(
              (SELECT format('%I.%I(%s)', n.nspname, p.proname, oidvectortypes(p.proargtypes))
                 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE x.classid = 'pg_proc'::regclass AND p.oid = x.objid),
              (SELECT format('%I.%I', n.nspname, c.relname)
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE x.classid = 'pg_class'::regclass AND c.oid = x.objid AND c.relkind = 'v'),
              (SELECT format('%I ON %I.%I', t.tgname, n.nspname, c.relname)
                 FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE x.classid = 'pg_trigger'::regclass AND t.oid = x.objid),
              pg_describe_object(x.classid, x.objid, 0)) AS identity,
            pg_describe_object(x.classid, x.objid, 0) AS description
       FROM dependents x
      WHERE NOT EXISTS (SELECT 1 FROM start s WHERE s.classid = x.classid AND s.objid = x.objid)`,
    [identities],
  );
  return rows;
}
