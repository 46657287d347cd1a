// Two ways to compare the schema of two databases, for "an upgraded database equals a fresh install":
// - schemaSnapshot: every object of schema conflag as the catalog describes it (tables with storage options,
//   columns, defaults, identities, constraints, indexes, triggers, functions, views, sequences, policies,
//   comments, owners and grants, and the attribute/operator catalog rows), one sorted line each. Works on every
//   server version.
// - pgDumpSchema: `pg_dump --schema-only` of schema conflag, when a pg_dump of the server's major version is on
//   this machine (pg_dump refuses newer servers); undefined otherwise, and the caller says which ran.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import pg from 'pg';

const QUERIES: Record<string, string> = {
  schema: `SELECT n.nspname || ' owner=' || n.nspowner::regrole || ' acl=' || coalesce(n.nspacl::text, '-') || ' comment=' || coalesce(obj_description(n.oid, 'pg_namespace'), '-')
             FROM pg_namespace n WHERE n.nspname = 'conflag'`,
  relation: `SELECT c.relname || ' kind=' || c.relkind::text || ' persistence=' || c.relpersistence::text || ' options=' || coalesce(c.reloptions::text, '-') ||
                    ' owner=' || c.relowner::regrole || ' acl=' || coalesce(c.relacl::text, '-') || ' replident=' || c.relreplident::text ||
                    ' rls=' || c.relrowsecurity || '/' || c.relforcerowsecurity || ' comment=' || coalesce(obj_description(c.oid, 'pg_class'), '-') ||
                    CASE WHEN c.relkind = 'v' THEN ' view=' || pg_get_viewdef(c.oid) ELSE '' END
               FROM pg_class c WHERE c.relnamespace = 'conflag'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')`,
  column: `SELECT c.relname || '.' || a.attname || ' #' || a.attnum || ' ' || format_type(a.atttypid, a.atttypmod) || ' notnull=' || a.attnotnull ||
                  ' default=' || coalesce(pg_get_expr(d.adbin, d.adrelid), '-') || ' identity=' || a.attidentity::text || ' generated=' || a.attgenerated::text ||
                  ' collation=' || coalesce(co.collname, '-') || ' acl=' || coalesce(a.attacl::text, '-') || ' comment=' || coalesce(col_description(c.oid, a.attnum), '-')
             FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
             LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
             LEFT JOIN pg_collation co ON co.oid = a.attcollation AND a.attcollation <> 0 AND co.collname <> 'default'
            WHERE c.relnamespace = 'conflag'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND a.attnum > 0 AND NOT a.attisdropped`,
  constraint: `SELECT c.conrelid::regclass || ' ' || c.conname || ' ' || pg_get_constraintdef(c.oid) || ' comment=' || coalesce(obj_description(c.oid, 'pg_constraint'), '-')
                 FROM pg_constraint c WHERE c.connamespace = 'conflag'::regnamespace`,
  index: `SELECT pg_get_indexdef(i.indexrelid) || ' comment=' || coalesce(obj_description(i.indexrelid, 'pg_class'), '-')
            FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid WHERE c.relnamespace = 'conflag'::regnamespace`,
  trigger: `SELECT pg_get_triggerdef(t.oid) || ' enabled=' || t.tgenabled::text || ' comment=' || coalesce(obj_description(t.oid, 'pg_trigger'), '-')
              FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relnamespace = 'conflag'::regnamespace AND NOT t.tgisinternal`,
  routine: `SELECT pg_get_functiondef(p.oid) || ' owner=' || p.proowner::regrole || ' acl=' || coalesce(p.proacl::text, '-') ||
                   ' comment=' || coalesce(obj_description(p.oid, 'pg_proc'), '-')
              FROM pg_proc p WHERE p.pronamespace = 'conflag'::regnamespace AND p.prokind IN ('f', 'p')`,
  sequence: `SELECT s.seqrelid::regclass || ' ' || format_type(s.seqtypid, NULL) || ' start=' || s.seqstart || ' inc=' || s.seqincrement || ' cache=' || s.seqcache || ' cycle=' || s.seqcycle
               FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid WHERE c.relnamespace = 'conflag'::regnamespace`,
  policy: `SELECT p.polrelid::regclass || ' ' || p.polname || ' cmd=' || p.polcmd::text || ' roles=' || p.polroles::regrole[]::text ||
                  ' using=' || coalesce(pg_get_expr(p.polqual, p.polrelid), '-') || ' check=' || coalesce(pg_get_expr(p.polwithcheck, p.polrelid), '-')
             FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid WHERE c.relnamespace = 'conflag'::regnamespace`,
  type: `SELECT t.typname || ' ' || t.typtype::text || ' acl=' || coalesce(t.typacl::text, '-')
           FROM pg_type t WHERE t.typnamespace = 'conflag'::regnamespace AND t.typtype IN ('e', 'd', 'r', 'm', 'b')`,
  catalogRow: `SELECT 'attribute ' || row_to_json(a)::text FROM conflag.attributes a
               UNION ALL SELECT 'operator ' || row_to_json(o)::text FROM conflag.operators o`,
};

/** One line per object of schema conflag, sorted; lines differ exactly where the schemas differ. */
export async function schemaSnapshot(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const lines: string[] = [];
    for (const [kind, query] of Object.entries(QUERIES)) {
      const { rows } = await client.query({ text: query, rowMode: 'array' });
      for (const row of rows) lines.push(`${kind}: ${row[0]}`);
    }
    return lines.sort();
  } finally {
    await client.end();
  }
}

/** pg_dump --schema-only --schema=conflag, or undefined when no pg_dump of the server's major is here. */
export async function pgDumpSchema(url: string): Promise<{ dump: string; pgDump: string } | undefined> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const major = Number((await client.query('SHOW server_version_num')).rows[0].server_version_num.slice(0, -4));
  await client.end();
  const candidates = [`/usr/lib/postgresql/${major}/bin/pg_dump`, 'pg_dump'];
  for (const pgDump of candidates) {
    if (pgDump.startsWith('/') && !fs.existsSync(pgDump)) continue;
    let version: string;
    try {
      version = execFileSync(pgDump, ['--version'], { encoding: 'utf8' });
    } catch {
      continue;
    }
    if (Number(/(\d+)\.\d+/.exec(version)?.[1]) !== major) continue;
    const dump = execFileSync(pgDump, ['--schema-only', '--schema=conflag', '--dbname', url], { encoding: 'utf8', maxBuffer: 64 << 20 });
    // PostgreSQL 17.6+/15.14+ wrap the dump in \restrict <random key>; the key differs on every run.
    return { dump: dump.replace(/^\\(un)?restrict .*$/gm, ''), pgDump: `${pgDump} ${version.trim()}` };
  }
  return undefined;
}
