// The versioned migrations in migrations/, in order, as node-pg-migrate names them — so tests about migrating
// do not have to be edited for each new migration.
import fs from 'node:fs';
import { MIGRATIONS_DIR } from '../../src/db/migrate.ts';

export function migrationNames(): string[] {
  return fs.readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql')).map((f) => f.replace(/\.sql$/, '')).sort();
}
