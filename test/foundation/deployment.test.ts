// Install vs run: `conflag migrate` runs as the schema owner; everything else works as a login holding only
// conflag_runner — it changes no schema on a current database, and on one that is behind it stops with CF501 and
// says what to run as whom. With real login roles and the real command line.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as assert from 'uvu/assert';
import pg from 'pg';
import { adminUrl, closePools, databaseUrl, openPool } from '../lib/db.ts';
import { createLoginRole, type LoginRole } from '../lib/loginRole.ts';
import { markdownBlocks } from '../lib/markdownBlocks.ts';
import { suite } from '../lib/suite.ts';

const bin = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'conflag.js');
const test = suite('deployment: install as the owner, run as conflag_runner');
const roles: LoginRole[] = [];
test.after(async () => {
  for (const role of roles.splice(0)) await role.drop();
  await closePools();
});

function conflag(url: string, ...args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'warn', LOG_FORMAT: 'json' }, encoding: 'utf8', timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('a login with only conflag_runner runs a job end to end on a current database, without any DDL', async () => {
  const admin = openPool();
  const runner = await createLoginRole('service', ['conflag_runner']);
  roles.push(runner);
  await admin.query(`INSERT INTO conflag.recordings (tenant_id, started_at, duration) SELECT 'default', now(), CASE WHEN i % 4 = 0 THEN 9000 ELSE 60 END FROM generate_series(1, 200) i`);
  await admin.query(`INSERT INTO conflag.jobs (name, condition, action) VALUES ('long', '{"all": [{"fact": "duration", "operator": "greaterThan", "value": 7200}]}', 'set')`);
  const ddlBefore = (await admin.query(`SELECT count(*)::int AS n FROM pg_class WHERE relnamespace IN ('conflag'::regnamespace, 'conflag_meta'::regnamespace)`)).rows[0].n;
  const ran = conflag(runner.url, 'run', 'long');
  assert.is(ran.code, 0, ran.stderr + ran.stdout);
  assert.match(ran.stdout, /^run \d+ succeeded: matched 50, changed 50/);
  const { rows } = await admin.query(`SELECT count(*)::int AS n FROM conflag.recordings WHERE confidential`);
  assert.is(rows[0].n, 50);
  const who = await admin.query(`SELECT runner FROM conflag.job_runs ORDER BY id DESC LIMIT 1`);
  assert.ok(who.rows[0].runner, 'the run was recorded by the runner login');
  assert.is((await admin.query(`SELECT count(*)::int AS n FROM pg_class WHERE relnamespace IN ('conflag'::regnamespace, 'conflag_meta'::regnamespace)`)).rows[0].n, ddlBefore);
  const explained = conflag(runner.url, 'explain', 'long');
  assert.is(explained.code, 0, explained.stderr);
});

test('a database that is behind: the runner login stops with CF501 naming what is pending; the owner migrates; then it runs', async () => {
  const admin = openPool();
  const runner = await createLoginRole('behind', ['conflag_runner']);
  roles.push(runner);
  // As if this conflag's sql/ had a routine the database does not have yet.
  await admin.query(`DELETE FROM conflag_meta.sql_files WHERE file = 'functions/json_for_message.sql'`);
  const refused = conflag(runner.url, 'run', 'long');
  assert.is(refused.code, 1, refused.stderr);
  assert.match(refused.stderr, "the database is not at this conflag's version");
  assert.match(refused.stderr, 'sql/functions/json_for_message.sql is pending');
  assert.match(refused.stderr, 'Run "npx conflag migrate" as the owner of schema conflag');
  assert.match(refused.stderr, 'CF501');
  const runsBefore = (await admin.query(`SELECT count(*)::int AS n FROM conflag.job_runs`)).rows[0].n;

  const ownerMigrates = conflag(databaseUrl(), 'migrate');
  assert.is(ownerMigrates.code, 0, ownerMigrates.stderr);
  const ran = conflag(runner.url, 'run', 'long');
  assert.is(ran.code, 0, ran.stderr);
  assert.is((await admin.query(`SELECT count(*)::int AS n FROM conflag.job_runs`)).rows[0].n, runsBefore + 1);
});

test('the runner login cannot migrate: conflag migrate as it fails on permissions and changes nothing', async () => {
  const runner = await createLoginRole('nomigrate', ['conflag_runner']);
  roles.push(runner);
  const admin = openPool();
  await admin.query(`DELETE FROM conflag_meta.sql_files WHERE file = 'functions/json_for_message.sql'`);
  const attempt = conflag(runner.url, 'migrate');
  assert.is.not(attempt.code, 0);
  assert.match(attempt.stderr, /permission denied|CF501/);
  const { rows } = await admin.query(`SELECT count(*)::int AS n FROM conflag_meta.sql_files WHERE file = 'functions/json_for_message.sql'`);
  assert.is(rows[0].n, 0, 'nothing was recorded');
  assert.is(conflag(databaseUrl(), 'migrate').code, 0);
});

test('docs/operations.md "Roles and deployment": the runner login it creates has the documented rights, and CF501 points there', async () => {
  const blocks = markdownBlocks(new URL('../../docs/operations.md', import.meta.url)).filter((b) => b.section === 'Roles and deployment');
  const create = blocks.find((b) => b.lang === 'sql');
  assert.ok(create, 'the section has its CREATE ROLE block');
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  const drop = async () => {
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'conflag_service'`);
    await admin.query(`DROP ROLE IF EXISTS conflag_service`);
  };
  try {
    await drop();
    await admin.query(create.body);
    const url = new URL(databaseUrl());
    url.username = 'conflag_service';
    url.password = 'change me';
    const service = new pg.Client({ connectionString: url.toString() });
    await service.connect();
    try {
      const { rows } = await service.query(
        `SELECT has_table_privilege('conflag.recordings', 'SELECT') AS read_recordings,
                has_table_privilege('conflag.job_runs', 'UPDATE') OR has_table_privilege('conflag.job_runs', 'DELETE')
                  OR has_table_privilege('conflag.job_runs', 'INSERT') AS write_runs,
                has_function_privilege('conflag.record_run_end(bigint, text, text, text, boolean)', 'EXECUTE') AS end_runs,
                has_schema_privilege('conflag_boss', 'USAGE') AS boss_usage,
                has_schema_privilege('conflag_boss', 'CREATE') OR has_schema_privilege('conflag', 'CREATE') AS create_anything,
                has_table_privilege('conflag_boss.job', 'INSERT') AND has_table_privilege('conflag_boss.queue', 'SELECT') AS boss_tables`,
      );
      assert.equal(rows[0], { read_recordings: true, write_runs: false, end_runs: true, boss_usage: true, create_anything: false, boss_tables: true });
    } finally {
      await service.end();
    }
  } finally {
    await drop();
    await admin.end();
  }
  // The sentence CF501 ends with names this section.
  for (const file of ['../../src/cli/withDatabase.ts', '../../src/service/runQueue.ts']) {
    assert.match(fs.readFileSync(new URL(file, import.meta.url), 'utf8'), 'See "Roles and deployment" in docs/operations.md.', file);
  }
});

test.run();
