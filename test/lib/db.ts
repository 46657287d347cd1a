// Database access for a test file: DATABASE_URL is the file's own database (a copy of the migrated template).
import pg from 'pg';

const pools: pg.Pool[] = [];

export function databaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: run test files through `npm test` (test/run.ts).');
  return url;
}

export function adminUrl(): string {
  return process.env.CONFLAG_TEST_ADMIN_URL ?? databaseUrl();
}

/** A pool on this file's database; closed by closePools(). */
export function openPool(url = databaseUrl(), options: pg.PoolConfig = {}): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: 4, ...options });
  pools.push(pool);
  return pool;
}

export async function closePools(): Promise<void> {
  await Promise.all(pools.splice(0).map((p) => p.end()));
}
