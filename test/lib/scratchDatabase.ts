// Extra databases for tests that need a database other than their own: an empty one (to migrate from nothing, or
// from an older layout). Named after the test file's database, created through the admin connection, dropped by
// the returned function (kept when the test failed only if the caller does not drop it).
import pg from 'pg';
import { adminUrl } from './db.ts';
import { withDatabase } from './testCluster.ts';

export interface ScratchDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

let counter = 0;

export async function createScratchDatabase(label: string): Promise<ScratchDatabase> {
  const base = process.env.CONFLAG_TEST_DATABASE ?? `conflag_scratch_${process.pid}`;
  const name = `${base}_${label}_${++counter}`.slice(0, 63);
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  } finally {
    await admin.end();
  }
  return {
    url: withDatabase(adminUrl(), name),
    name,
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl() });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
