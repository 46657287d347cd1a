// Configuration comes from environment variables only, so every runner on a machine can differ by env.
// Documented in README.md ("Configuration").
import path from 'node:path';
import { envInt } from './envValues.ts';

export interface Config {
  /** PostgreSQL connection string; unset = start the embedded PostgreSQL in `dataDir`. */
  databaseUrl: string | undefined;
  /** Project-local folder for the embedded PostgreSQL cluster and other state. */
  dataDir: string;
  /** Port of the embedded PostgreSQL. */
  embeddedPort: number;
  /** Port of the HTTP endpoints (health, metrics, job pages); 0 picks a free port. */
  httpPort: number;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  return {
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: path.resolve(cwd, env.CONFLAG_DATA_DIR || '.conflag'),
    embeddedPort: envInt(env, 'CONFLAG_PG_PORT', 54329, 0, 65535),
    httpPort: envInt(env, 'PORT', 8080, 0, 65535),
  };
}
