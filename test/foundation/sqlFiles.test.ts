// sql/ is the only home of every function, trigger and view, applied by `conflag migrate` when its text changes
// (src/db/applySqlFiles.ts). Checked on this file's database (a copy of the migrated template) with copies of
// sql/ changed the way a developer would change them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import * as assert from 'uvu/assert';
import { migrate } from '../../src/db/migrate.ts';
import { loadSqlFiles, SQL_DIR } from '../../src/db/sqlFiles.ts';
import { MIGRATIONS_DIR } from '../../src/db/migrate.ts';
import { closePools, databaseUrl, openPool } from '../lib/db.ts';
import { createScratchDatabase } from '../lib/scratchDatabase.ts';
import { migrationNames } from '../lib/migrationNames.ts';
import { suite } from '../lib/suite.ts';

const test = suite('sql/ files');
const temporary: string[] = [];
// Each test starts from the database as today's sql/ makes it (tests apply changed copies of sql/).
test.before.each(async () => {
  await migrate(databaseUrl());
});
test.after(async () => {
  await closePools();
  for (const dir of temporary.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A copy of sql/ to change. */
function sqlCopy(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'conflag-sql-'));
  temporary.push(dir);
  fs.cpSync(SQL_DIR, dir, { recursive: true });
  return dir;
}

function write(dir: string, file: string, text: string) {
  fs.writeFileSync(path.join(dir, file), text);
}

/** Each function of schema conflag with the version of its catalog row (changes whenever it is re-created). */
async function functionVersions(): Promise<Record<string, string>> {
  const { rows } = await openPool().query<{ name: string; version: string }>(
    `SELECT p.oid::regprocedure::text AS name, p.xmin::text || p.ctid::text AS version FROM pg_proc p
      WHERE p.pronamespace = 'conflag'::regnamespace`,
  );
  return Object.fromEntries(rows.map((r) => [r.name, r.version]));
}

async function expectRefused(work: Promise<unknown>, ...fragments: string[]) {
  try {
    await work;
  } catch (error) {
    for (const fragment of fragments) assert.match((error as Error).message, fragment);
    return;
  }
  assert.unreachable(`expected a refusal mentioning ${fragments.join(' / ')}`);
}

test('every function, trigger and view of schema conflag has its sql/ file, and nothing else has one', async () => {
  const files = loadSqlFiles();
  // The change-log triggers are the one exception: they belong on whatever table is mapped, so
  // conflag.install_change_log_triggers() creates them (here, on conflag.recordings) — exactly the ones it defines.
  const { rows: changeLog } = await openPool().query<{ name: string }>(
    `SELECT t.tgname AS name FROM pg_trigger t
      WHERE t.tgrelid = 'conflag.recordings'::regclass AND t.tgname IN (SELECT s.trigger_name FROM conflag.change_log_trigger_specs() s)
      ORDER BY 1`,
  );
  assert.equal(changeLog.map((r) => r.name), ['conflag_log_inserts', 'conflag_log_updates']);
  const { rows } = await openPool().query<{ kind: string; name: string }>(
    `SELECT 'function' AS kind, proname AS name FROM pg_proc WHERE pronamespace = 'conflag'::regnamespace
     UNION SELECT 'view', relname FROM pg_class WHERE relnamespace = 'conflag'::regnamespace AND relkind = 'v'
     UNION SELECT 'trigger', t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
            WHERE c.relnamespace = 'conflag'::regnamespace AND NOT t.tgisinternal
              AND t.tgname NOT IN (SELECT s.trigger_name FROM conflag.change_log_trigger_specs() s)`,
  );
  const inDatabase = rows.map((r) => `${r.kind} ${r.name}`).sort();
  const inFiles = [...new Set(files.map((f) => `${f.kind} ${f.name}`))].sort();
  assert.equal(inDatabase, inFiles);
  assert.ok(files.length >= 40, `${files.length} files`);
});

test('migrations/ defines no function, trigger or view: they live only in sql/', () => {
  for (const file of fs.readdirSync(MIGRATIONS_DIR)) {
    const text = fs.readFileSync(path.join(MIGRATIONS_DIR, file), 'utf8').replace(/--[^\n]*/g, '').replace(/\$(\w*)\$[\s\S]*?\$\1\$/g, '');
    assert.not.match(text, /\bCREATE\s+(OR\s+REPLACE\s+)?(FUNCTION|PROCEDURE|VIEW|TRIGGER|CONSTRAINT\s+TRIGGER)\b/i, `migrations/${file}`);
  }
});

test('a file that defines another object, two objects, or a plain CREATE is refused by name', () => {
  const cases: Array<[string, string, string]> = [
    ['functions/alpha.sql', 'CREATE OR REPLACE FUNCTION conflag.beta() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;', 'must define exactly the function conflag.alpha'],
    ['functions/alpha.sql', 'CREATE OR REPLACE FUNCTION conflag.alpha() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;\nCREATE TABLE conflag.t (a int);', 'CREATE TABLE conflag.t'],
    ['views/alpha.sql', 'CREATE VIEW conflag.alpha AS SELECT 1 AS a;', 'write CREATE OR REPLACE VIEW'],
    ['triggers/alpha.sql', 'CREATE OR REPLACE TRIGGER beta AFTER INSERT ON conflag.jobs FOR EACH ROW EXECUTE FUNCTION conflag.jobs_notify();', 'the trigger alpha'],
  ];
  for (const [file, text, message] of cases) {
    const dir = sqlCopy();
    write(dir, file, text);
    assert.throws(() => loadSqlFiles(dir), (error: Error) => error.message.includes(`sql/${file}`) && error.message.includes(message), `${file}: ${text}`);
  }
  const stray = sqlCopy();
  write(stray, 'loose.sql', 'SELECT 1;');
  assert.throws(() => loadSqlFiles(stray), /sql\/loose\.sql: sql\/ holds only the folders functions\/, views\/ and triggers\//);
  const cycle = sqlCopy();
  write(cycle, 'functions/ping.sql', 'CREATE OR REPLACE FUNCTION conflag.ping() RETURNS int LANGUAGE sql AS $$ SELECT conflag.pong() $$;');
  write(cycle, 'functions/pong.sql', 'CREATE OR REPLACE FUNCTION conflag.pong() RETURNS int LANGUAGE sql AS $$ SELECT conflag.ping() $$;');
  assert.throws(() => loadSqlFiles(cycle), /cycle.*sql\/functions\/ping\.sql, sql\/functions\/pong\.sql/);
});

test('changing one routine file re-applies only that routine', async () => {
  const before = await functionVersions();
  const dir = sqlCopy();
  const file = path.join(dir, 'functions', 'json_for_message.sql');
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('cut to 80 characters', 'cut to 80 characters (changed by a test)'));
  const unchangedComment = await migrate(databaseUrl(), { sqlDir: dir });
  assert.equal(unchangedComment.sqlFiles, { applied: ['functions/json_for_message.sql'], restored: [], dropped: [] },
    'a change of a comment line is a change of the file');
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace("left(p_value::text, 77) || '...'", "left(p_value::text, 76) || '....'"));
  const report = await migrate(databaseUrl(), { sqlDir: dir });
  assert.equal(report.sqlFiles, { applied: ['functions/json_for_message.sql'], restored: [], dropped: [] });
  assert.equal(report.migrations, []);
  const after = await functionVersions();
  const touched = Object.keys(after).filter((name) => after[name] !== before[name]);
  assert.equal(touched, ['conflag.json_for_message(jsonb)'], 'no other routine was re-created');
  const { rows } = await openPool().query(`SELECT conflag.json_for_message(to_jsonb(repeat('x', 100))) AS shown`);
  assert.ok(rows[0].shown.endsWith('....'), rows[0].shown);
  const again = await migrate(databaseUrl(), { sqlDir: dir });
  assert.equal(again.sqlFiles, { applied: [], restored: [], dropped: [] }, 'applied once');
});

test('a routine deleted from sql/ is dropped; one still called by another file is refused', async () => {
  const dir = sqlCopy();
  write(dir, 'functions/test_only_answer.sql', 'CREATE OR REPLACE FUNCTION conflag.test_only_answer() RETURNS int LANGUAGE sql AS $$ SELECT 42 $$;');
  assert.equal((await migrate(databaseUrl(), { sqlDir: dir })).sqlFiles.applied, ['functions/test_only_answer.sql']);
  fs.rmSync(path.join(dir, 'functions', 'test_only_answer.sql'));
  const report = await migrate(databaseUrl(), { sqlDir: dir });
  assert.equal(report.sqlFiles.dropped, ['conflag.test_only_answer()']);
  const { rows } = await openPool().query(`SELECT to_regprocedure('conflag.test_only_answer()') AS f`);
  assert.is(rows[0].f, null);

  fs.rmSync(path.join(dir, 'functions', 'is_email_address.sql'));
  await expectRefused(migrate(databaseUrl(), { sqlDir: dir }), '_validate.sql still uses conflag.is_email_address, whose file was deleted from sql/');
  const kept = await openPool().query(`SELECT to_regprocedure('conflag.is_email_address(text)') IS NOT NULL AS f`);
  assert.ok(kept.rows[0].f, 'nothing was dropped');
});

test('an overload a function file no longer defines is dropped', async () => {
  const dir = sqlCopy();
  const twice = `CREATE OR REPLACE FUNCTION conflag.test_only_twice(p integer) RETURNS integer LANGUAGE sql AS $$ SELECT p * 2 $$;
CREATE OR REPLACE FUNCTION conflag.test_only_twice(p text) RETURNS text LANGUAGE sql AS $$ SELECT p || p $$;`;
  write(dir, 'functions/test_only_twice.sql', twice);
  await migrate(databaseUrl(), { sqlDir: dir });
  write(dir, 'functions/test_only_twice.sql', twice.split('\n')[1]);
  const report = await migrate(databaseUrl(), { sqlDir: dir });
  assert.equal(report.sqlFiles.dropped, ['conflag.test_only_twice(integer)']);
  const { rows } = await openPool().query(`SELECT conflag.test_only_twice('ab'::text) AS t, to_regprocedure('conflag.test_only_twice(integer)') AS gone`);
  assert.equal(rows[0], { t: 'abab', gone: null });
});

test('a view whose columns change is re-created with its conflag dependents; a DBA view depending on it is named and nothing changes', async () => {
  const dir = sqlCopy();
  write(dir, 'views/test_only_base.sql', `CREATE OR REPLACE VIEW conflag.test_only_base AS SELECT 1 AS a, 2 AS b;
GRANT SELECT ON conflag.test_only_base TO conflag_reporting;`);
  write(dir, 'views/test_only_top.sql', 'CREATE OR REPLACE VIEW conflag.test_only_top AS SELECT a FROM conflag.test_only_base;');
  await migrate(databaseUrl(), { sqlDir: dir });
  write(dir, 'views/test_only_base.sql', `CREATE OR REPLACE VIEW conflag.test_only_base AS SELECT 1 AS a, 3 AS c;
GRANT SELECT ON conflag.test_only_base TO conflag_reporting;`);
  const report = await migrate(databaseUrl(), { sqlDir: dir });
  assert.equal(report.sqlFiles, { applied: ['views/test_only_base.sql'], restored: ['views/test_only_top.sql'], dropped: [] });
  const pool = openPool();
  const { rows } = await pool.query(`SELECT b.c, t.a, has_table_privilege('conflag_reporting', 'conflag.test_only_base', 'SELECT') AS granted
                                       FROM conflag.test_only_base b, conflag.test_only_top t`);
  assert.equal(rows[0], { c: 3, a: 1, granted: true });

  await pool.query('CREATE VIEW public.dba_report AS SELECT c FROM conflag.test_only_base');
  write(dir, 'views/test_only_base.sql', 'CREATE OR REPLACE VIEW conflag.test_only_base AS SELECT 1 AS a, 4 AS d;');
  await expectRefused(migrate(databaseUrl(), { sqlDir: dir }), 'sql/views/test_only_base.sql cannot replace conflag.test_only_base', 'view dba_report');
  const still = await pool.query('SELECT c FROM public.dba_report');
  assert.equal(still.rows, [{ c: 3 }], 'the DBA view and the old columns are untouched');
  await pool.query('DROP VIEW public.dba_report');
});

test('a routine changed by hand outside sql/ is put back by the next migrate', async () => {
  const pool = openPool();
  await pool.query(`CREATE OR REPLACE FUNCTION conflag.json_for_message(p_value jsonb) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT 'hotfix' $$`);
  const report = await migrate(databaseUrl());
  assert.equal(report.sqlFiles.restored, ['functions/json_for_message.sql']);
  const { rows } = await pool.query(`SELECT conflag.json_for_message('"a"') AS shown`);
  assert.is(rows[0].shown, '"a"');
});

test('a file that fails refuses the whole migration: no other change is applied', async () => {
  const before = await functionVersions();
  const dir = sqlCopy();
  const file = path.join(dir, 'functions', 'is_email_address.sql');
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('at most 254 characters', 'at most 254 characters!'));
  write(dir, 'functions/test_only_broken.sql', 'CREATE OR REPLACE FUNCTION conflag.test_only_broken() RETURNS int LANGUAGE sql AS $$ SELEC 1 $$;');
  await expectRefused(migrate(databaseUrl(), { sqlDir: dir }), 'sql/functions/test_only_broken.sql could not be applied', 'syntax error');
  assert.equal(await functionVersions(), before);
});

test('two migrates at once on an empty database apply every migration and file exactly once', async () => {
  const db = await createScratchDatabase('concurrent');
  try {
    const reports = await Promise.all([migrate(db.url), migrate(db.url)]);
    const files = loadSqlFiles().map((f) => f.path).sort();
    assert.equal(reports.flatMap((r) => r.migrations), migrationNames());
    assert.equal(reports.flatMap((r) => r.sqlFiles.applied).sort(), files);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client.query('SELECT count(*)::int AS n FROM conflag_meta.sql_files');
    await client.end();
    assert.is(rows[0].n, files.length);
    console.log(`two concurrent migrates: ${reports.map((r) => r.sqlFiles.applied.length).join(' + ')} files applied, ${files.length} files`);
  } finally {
    await db.drop();
  }
});

test.run();
