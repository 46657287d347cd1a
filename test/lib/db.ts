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
  // An IDLE client whose session a test ends on purpose (the keep-alive terminating a run's sessions, a login
  // dropped) emits 'error' on the pool, which without a listener ends the whole test process (CI, 2026-11-26).
  // A query on a dead session still rejects its own promise, so no failure is hidden by this; an idle client's
  // error other than a terminated session (57P01) is printed, to stay visible in a failing file's output.
  pool.on('error', (error: Error & { code?: string }) => {
    if (error.code !== '57P01') console.error(`an idle test connection failed: ${error.message} (${error.code ?? 'no SQLSTATE'})`);
  });
  pools.push(pool);
  return pool;
}

export async function closePools(): Promise<void> {
  await Promise.all(pools.splice(0).map((p) => p.end()));
}
