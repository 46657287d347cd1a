// Applies migrations/ with node-pg-migrate. Migrations are SQL files, never edited once landed; the current
// text of each routine and view lives in sql/ (see test/sqlFiles.test.ts).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import type { Logger } from '../log.ts';

export const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'migrations');

export async function migrate(
  databaseUrl: string,
  options: { direction?: 'up' | 'down'; count?: number; log?: Logger } = {},
): Promise<string[]> {
  const applied = await runner({
    databaseUrl,
    dir: MIGRATIONS_DIR,
    direction: options.direction ?? 'up',
    count: options.count ?? Infinity,
    migrationsTable: 'migrations',
    migrationsSchema: 'conflag_meta',
    createMigrationsSchema: true,
    checkOrder: true,
    singleTransaction: true,
    // Several runners may start at once: the second waits for the first one's migration instead of failing.
    advisoryLockMode: 'wait',
    log: (message: string) => options.log?.debug({ migrate: message }, 'node-pg-migrate'),
  });
  return applied.map((m) => m.name);
}
