// A database migrated by conflag before the baseline (the migrations 0001_foundation ... 0007_run_log of commit
// 3e8dd49, kept as test/fixtures/legacy-migrations-3e8dd49.tar.gz) and holding jobs, runs and recordings
// migrates to today's layout with its rows kept, and ends up with exactly the schema of a fresh install: the
// catalog compared object by object, and pg_dump --schema-only where a pg_dump of the server's version is here.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import pg from 'pg';
import * as assert from 'uvu/assert';
import { migrate } from '../../src/db/migrate.ts';
import { createScratchDatabase, type ScratchDatabase } from '../lib/scratchDatabase.ts';
import { pgDumpSchema, schemaSnapshot } from '../lib/schemaSnapshot.ts';
import { migrationNames } from '../lib/migrationNames.ts';
import { suite } from '../lib/suite.ts';

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'legacy-migrations-3e8dd49.tar.gz');

const test = suite('upgrade from the layout before the baseline');
const scratch: ScratchDatabase[] = [];
let legacyDir = '';

test.before(() => {
  legacyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'conflag-legacy-'));
  execFileSync('tar', ['-xzf', FIXTURE, '-C', legacyDir]);
});
test.after(async () => {
  fs.rmSync(legacyDir, { recursive: true, force: true });
  for (const db of scratch.splice(0)) await db.drop();
});

async function migrateLegacy(url: string): Promise<string[]> {
  const applied = await runner({
    databaseUrl: url, dir: path.join(legacyDir, 'migrations'), direction: 'up', count: Infinity, migrationsTable: 'migrations',
    migrationsSchema: 'conflag_meta', createMigrationsSchema: true, singleTransaction: true, log: () => {},
  });
  return applied.map((m) => m.name);
}

async function query<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

test('jobs, runs and recordings are kept, and the schema equals a fresh install', async () => {
  const legacy = await createScratchDatabase('legacy');
  const fresh = await createScratchDatabase('fresh');
  scratch.push(legacy, fresh);

  assert.equal(await migrateLegacy(legacy.url), [
    '0001_foundation', '0002_catalog_and_jobs', '0003_jobs', '0004_runs', '0005_runner', '0006_notifications', '0007_run_log',
  ]);
  await query(legacy.url, `
    INSERT INTO conflag.recordings (tenant_id, call_id, started_at, duration, direction)
    SELECT 'default', 'c-' || i, '2026-01-01'::timestamptz + i * interval '1 minute', i * 60, 'inbound' FROM generate_series(1, 50) i;
    INSERT INTO conflag.jobs (name, condition, action, schedule)
    VALUES ('Long calls', '{"all": [{"fact": "duration", "operator": "greaterThan", "value": 1200}]}', 'set', '*/5 * * * *');
    INSERT INTO conflag.job_runs (job_id, job_name, trigger, status, finished_at, as_of, timezone, mode, action, condition, matched, changed)
    SELECT id, name, 'manual', 'succeeded', now(), now(), 'UTC', mode, action, condition, 30, 30 FROM conflag.jobs;
    UPDATE conflag.recordings SET confidential = true, confidential_changed_by_run = (SELECT max(id) FROM conflag.job_runs) WHERE duration > 1200;
    SELECT conflag.request_run('Long calls');`);

  const upgraded = await migrate(legacy.url);
  assert.ok(upgraded.baselined, 'the legacy migration rows were replaced by the baseline');
  assert.equal(upgraded.migrations, migrationNames().slice(1), 'only the migrations after the baseline run on an upgraded database');
  assert.ok(upgraded.sqlFiles.applied.length > 40, `every sql/ file was applied: ${upgraded.sqlFiles.applied.length}`);
  // The change-log triggers sql/ made are renamed by migration 0009 and replaced in the same transaction: conflag's
  // definitions, and no moment without them, so incremental jobs keep trusting the log.
  assert.equal(upgraded.changeLogTriggers, ['replaced trigger conflag_log_inserts on conflag.recordings', 'replaced trigger conflag_log_updates on conflag.recordings']);
  const [gap] = await query<{ restarted: string | null }>(legacy.url, `SELECT change_log_restarted_xid::text AS restarted FROM conflag.recording_source`);
  assert.is(gap.restarted, null, 'no gap in the change log');
  const installed = await migrate(fresh.url);
  assert.equal(installed.migrations, migrationNames());
  assert.equal(installed.changeLogTriggers, ['created trigger conflag_log_inserts on conflag.recordings', 'created trigger conflag_log_updates on conflag.recordings']);

  const [kept] = await query<{ recordings: number; flagged: number; jobs: number; runs: number; requests: number; migrations: string }>(legacy.url, `
    SELECT (SELECT count(*)::int FROM conflag.recordings) AS recordings,
           (SELECT count(*)::int FROM conflag.recordings WHERE confidential AND confidential_changed_by_run IS NOT NULL) AS flagged,
           (SELECT count(*)::int FROM conflag.jobs) AS jobs, (SELECT count(*)::int FROM conflag.job_runs) AS runs,
           (SELECT count(*)::int FROM conflag.run_requests) AS requests,
           (SELECT string_agg(name, ',' ORDER BY id) FROM conflag_meta.migrations) AS migrations`);
  assert.equal(kept, { recordings: 50, flagged: 30, jobs: 1, runs: 1, requests: 1, migrations: migrationNames().join(',') });

  const [before, after] = [await schemaSnapshot(legacy.url), await schemaSnapshot(fresh.url)];
  assert.ok(after.length > 300, `the snapshot covers the schema: ${after.length} lines`);
  const differing = [...before.filter((l) => !after.includes(l)).map((l) => `upgraded only: ${l}`),
    ...after.filter((l) => !before.includes(l)).map((l) => `fresh only:    ${l}`)];
  assert.equal(differing, [], `the upgraded schema differs from a fresh install:\n${differing.join('\n')}`);

  const dumps = [await pgDumpSchema(legacy.url), await pgDumpSchema(fresh.url)];
  if (dumps[0] && dumps[1]) {
    assert.fixture(dumps[0].dump, dumps[1].dump);
    console.log(`pg_dump --schema-only of both databases compared (${dumps[0].pgDump}): identical; catalog: ${after.length} objects identical`);
  } else {
    console.log(`no pg_dump of the server's major version on this machine: compared the catalog only (${after.length} objects identical)`);
  }

  // The upgraded database works: its triggers validate jobs, its functions answer.
  const requested = await query<{ id: string }>(legacy.url, `SELECT conflag.request_run('Long calls') AS id`);
  assert.ok(Number(requested[0].id) > 1);
  try {
    await query(legacy.url, `INSERT INTO conflag.jobs (name, condition, action) VALUES ('', '{}', 'set')`);
    assert.unreachable('the validation trigger refuses an empty name');
  } catch (error) {
    assert.is((error as { code?: string }).code, 'CF002');
  }
});

test('a database with only some of the pre-baseline migrations is refused with what to do', async () => {
  const partial = await createScratchDatabase('partial');
  scratch.push(partial);
  await runner({
    databaseUrl: partial.url, dir: path.join(legacyDir, 'migrations'), direction: 'up', count: 4, migrationsTable: 'migrations',
    migrationsSchema: 'conflag_meta', createMigrationsSchema: true, singleTransaction: true, log: () => {},
  });
  try {
    await migrate(partial.url);
    assert.unreachable('a partly migrated legacy database is refused');
  } catch (error) {
    assert.match((error as Error).message, 'unreleased conflag build');
    assert.match((error as Error).message, '0001_foundation, 0002_catalog_and_jobs, 0003_jobs, 0004_runs');
  }
  const [state] = await query<{ names: string }>(partial.url, `SELECT string_agg(name, ',' ORDER BY id) AS names FROM conflag_meta.migrations`);
  assert.is(state.names, '0001_foundation,0002_catalog_and_jobs,0003_jobs,0004_runs', 'nothing was changed');
});

test.run();
