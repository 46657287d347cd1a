// Migrations run up, down to zero, and up again on a real database; sql/'s objects go with the schema and come back.
import * as assert from 'uvu/assert';
import { migrate } from '../../src/db/migrate.ts';
import { loadSqlFiles } from '../../src/db/sqlFiles.ts';
import { closePools, databaseUrl, openPool } from '../lib/db.ts';
import { migrationNames } from '../lib/migrationNames.ts';
import { suite } from '../lib/suite.ts';

const test = suite('migrations');
test.after(closePools);

async function conflagTables(): Promise<string[]> {
  const { rows } = await openPool().query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'conflag' AND c.relkind IN ('r', 'p', 'v') ORDER BY 1`,
  );
  return rows.map((r) => r.name);
}

test('up, down to zero, up again', async () => {
  const before = await conflagTables();
  assert.ok(before.includes('recordings'), `migrated template has recordings: ${before}`);
  const down = await migrate(databaseUrl(), { direction: 'down', count: Infinity });
  assert.equal(down.migrations, migrationNames().reverse());
  assert.equal(await conflagTables(), []);
  const { rows } = await openPool().query(`SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'conflag'`);
  assert.is(rows[0].n, 0, 'schema conflag is gone after down to zero');
  const recorded = await openPool().query(`SELECT count(*)::int AS n FROM conflag_meta.sql_files`);
  assert.is(recorded.rows[0].n, 0, 'no sql/ file is recorded as applied once its objects are gone');
  const up = await migrate(databaseUrl());
  assert.equal(up.migrations, [...down.migrations].reverse());
  assert.equal(up.sqlFiles.applied.length, loadSqlFiles().length, 'every sql/ file is applied again');
  assert.equal(await conflagTables(), before);
});

test('recordings has the documented columns and storage settings', async () => {
  const pool = openPool();
  const { rows } = await pool.query<{ column_name: string; data_type: string; is_nullable: string }>(
    `SELECT column_name, data_type, is_nullable FROM information_schema.columns
      WHERE table_schema = 'conflag' AND table_name = 'recordings' ORDER BY ordinal_position`,
  );
  assert.equal(
    rows.map((r) => `${r.column_name} ${r.data_type}${r.is_nullable === 'NO' ? ' not null' : ''}`),
    [
      'id bigint not null', 'tenant_id text not null', 'call_id text', 'started_at timestamp with time zone not null',
      'ended_at timestamp with time zone', 'duration integer', 'direction text', 'caller_number text', 'caller_name text',
      'callee_number text', 'callee_name text', 'user_name text', 'group_name text', 'tags ARRAY', 'notes text',
      'custom jsonb', 'confidential boolean not null', 'confidential_changed_at timestamp with time zone',
      'confidential_changed_by_run bigint',
    ],
  );
  const options = await pool.query(`SELECT reloptions FROM pg_class WHERE oid = 'conflag.recordings'::regclass`);
  assert.equal(options.rows[0].reloptions, ['fillfactor=90']);
  const flagIndexes = await pool.query(
    `SELECT indexrelid::regclass::text AS name FROM pg_index i
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
      WHERE i.indrelid = 'conflag.recordings'::regclass AND a.attname = 'confidential'
     UNION
     SELECT indexrelid::regclass::text FROM pg_index
      WHERE indrelid = 'conflag.recordings'::regclass AND pg_get_expr(indexprs, indrelid) LIKE '%confidential%'`,
  );
  assert.equal(flagIndexes.rows, [], 'no index includes confidential (it would disable HOT updates)');
  const tenant = await pool.query(`SELECT id FROM conflag.tenants WHERE id = 'default'`);
  assert.is(tenant.rowCount, 1);
});

test.run();
