// sql/<name>.sql holds the current text of each function, procedure and view in schema conflag. For every file:
// it defines exactly the object it is named after, that object exists after migrating, and executing the file
// (in a transaction that is rolled back) changes no definition or comment in the schema — so the file says
// exactly what the migrations created. Also every routine and view of the schema has its file.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as assert from 'uvu/assert';
import type pg from 'pg';
import { closePools, openPool } from './lib/db.ts';
import { suite } from './lib/suite.ts';

const SQL_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'sql');
const CREATE = /\bCREATE\s+OR\s+REPLACE\s+(FUNCTION|PROCEDURE|VIEW)\s+conflag\.("?)([A-Za-z_][A-Za-z0-9_]*)\2/gi;

const test = suite('sql/ files match the database');
test.after(closePools);

/** Every definition and comment in schema conflag that a sql/ file could change, keyed by object. */
async function definitions(client: pg.ClientBase): Promise<Record<string, string>> {
  const { rows } = await client.query<{ key: string; definition: string }>(`
    SELECT 'routine ' || p.oid::regprocedure::text AS key,
           pg_get_functiondef(p.oid) || E'\\n-- comment: ' || coalesce(obj_description(p.oid, 'pg_proc'), '') ||
           E'\\n-- owner/acl: ' || p.proowner::regrole::text || ' ' || coalesce(p.proacl::text, 'default') AS definition
      FROM pg_proc p
     WHERE p.pronamespace = 'conflag'::regnamespace AND p.prokind IN ('f', 'p')
    UNION ALL
    SELECT 'view ' || c.oid::regclass::text,
           pg_get_viewdef(c.oid) || E'\\n-- comment: ' || coalesce(obj_description(c.oid, 'pg_class'), '') ||
           E'\\n-- columns: ' || coalesce((SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || ' ' ||
                                                     coalesce(col_description(c.oid, a.attnum), ''), ', ' ORDER BY a.attnum)
                                             FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '') ||
           E'\\n-- owner/acl: ' || c.relowner::regrole::text || ' ' || coalesce(c.relacl::text, 'default')
      FROM pg_class c
     WHERE c.relnamespace = 'conflag'::regnamespace AND c.relkind IN ('v', 'm')`);
  return Object.fromEntries(rows.map((r) => [r.key, r.definition]));
}

function changes(before: Record<string, string>, after: Record<string, string>): string[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return keys.flatMap((key) => {
    if (!(key in before)) return [`adds ${key}`];
    if (!(key in after)) return [`removes ${key}`];
    if (before[key] === after[key]) return [];
    const a = before[key].split('\n');
    const b = after[key].split('\n');
    const line = a.findIndex((text, i) => text !== b[i]);
    return [`changes ${key} at line ${line + 1}:\n  database: ${a[line]}\n  file:     ${b[line]}`];
  });
}

const files = fs.readdirSync(SQL_DIR).filter((f) => f.endsWith('.sql')).sort();

test('sql/ has files', () => {
  assert.ok(files.length > 0, `no .sql files in ${SQL_DIR}`);
});

for (const file of files) {
  test(`sql/${file} is the current definition`, async () => {
    const text = fs.readFileSync(path.join(SQL_DIR, file), 'utf8');
    const created = [...text.matchAll(CREATE)].map((m) => m[3]);
    const name = path.basename(file, '.sql');
    assert.equal(created, [name], `sql/${file} must CREATE OR REPLACE exactly one function, procedure or view, conflag.${name}`);

    const client = await openPool().connect();
    try {
      await client.query('BEGIN');
      const before = await definitions(client);
      const exists = Object.keys(before).some((key) => key === `view conflag.${name}` || key.startsWith(`routine conflag.${name}(`));
      assert.ok(exists, `conflag.${name} does not exist after migrating: is its migration missing, or the file misnamed?`);
      await client.query(text);
      const diff = changes(before, await definitions(client));
      assert.equal(diff, [], `executing sql/${file} would change the database; copy the definition exactly:\n${diff.join('\n')}`);
    } finally {
      await client.query('ROLLBACK').catch(() => {});
      client.release();
    }
  });
}

test('every function, procedure and view in schema conflag has its sql/ file', async () => {
  const client = await openPool().connect();
  try {
    const names = new Set(
      Object.keys(await definitions(client)).map((key) => key.replace(/^(routine|view) conflag\./, '').replace(/\(.*$/, '')),
    );
    const missing = [...names].filter((n) => !files.includes(`${n}.sql`)).sort();
    assert.equal(missing, [], `add sql/<name>.sql for: ${missing.join(', ')}`);
  } finally {
    client.release();
  }
});

test.run();
