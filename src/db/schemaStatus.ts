// Whether the database is at this conflag's version — every migration of migrations/ applied and every sql/ file
// current — found out with SELECTs only, so a login holding only conflag_runner (which may not change the schema)
// can tell, and `start` can say exactly what to run instead of failing on a permission error halfway through
// migrate. The meta tables are readable by conflag's roles (migrations/0005_meta_grants.sql).
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { pendingSqlFiles } from './applySqlFiles.ts';
import { runQueueCurrentOn } from './installRunQueue.ts';
import { LEGACY_MIGRATIONS } from './legacyBaseline.ts';
import { MIGRATIONS_DIR } from './migrate.ts';
import { loadSqlFiles, SQL_DIR } from './sqlFiles.ts';

export interface SchemaStatus {
  /** Migrations and sql/ files `conflag migrate` would apply (empty when the database is current). */
  pending: string[];
}

export async function schemaStatus(databaseUrl: string, dirs: { migrationsDir?: string; sqlDir?: string } = {}): Promise<SchemaStatus> {
  const names = fs.readdirSync(dirs.migrationsDir ?? MIGRATIONS_DIR).filter((f) => /\.(sql|js|ts)$/.test(f)).map((f) => path.parse(f).name).sort();
  const files = loadSqlFiles(dirs.sqlDir ?? SQL_DIR);
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'conflag-schema-check' });
  await client.connect();
  try {
    const tables = await client.query<{ migrations: boolean; sql_files: boolean }>(
      `SELECT to_regclass('conflag_meta.migrations') IS NOT NULL AS migrations, to_regclass('conflag_meta.sql_files') IS NOT NULL AS sql_files`,
    );
    if (!tables.rows[0].migrations) return { pending: [...names, ...files.map((f) => `sql/${f.path}`)] };
    const applied = new Set((await client.query<{ name: string }>('SELECT name FROM conflag_meta.migrations')).rows.map((r) => r.name));
    const legacy = LEGACY_MIGRATIONS.some((name) => applied.has(name)) ? ['the baseline (a database migrated before it)'] : [];
    const migrations = names.filter((name) => !applied.has(name));
    const sql = tables.rows[0].sql_files ? await pendingSqlFiles(client, files) : files.map((f) => `sql/${f.path}`);
    const queue = (await runQueueCurrentOn(client)) ? [] : ['the run queue (pg-boss schema conflag_boss)'];
    return { pending: [...legacy, ...migrations, ...sql, ...queue] };
  } finally {
    await client.end();
  }
}
