// Configuration comes from environment variables only, so every runner on a machine can differ by env.
// Documented in README.md ("Configuration"). A port that was set is used or refused; a default port that is
// busy is replaced by a free one, and the start banner says which (a newcomer's first start must not fail
// because something else already listens on 8080).
import { chooseDataFolder, type DataFolder } from './db/dataFolder.ts';
import { envInt, isSet } from './envValues.ts';

export interface Port {
  port: number;
  /** Set by its variable: used as given, refused when busy. Otherwise a default that may move to a free port. */
  fixed: boolean;
}

export interface Config {
  /** PostgreSQL connection string; unset = start the embedded PostgreSQL in `data.dir`. */
  databaseUrl: string | undefined;
  /** Folder of the embedded PostgreSQL cluster (src/db/dataFolder.ts). */
  data: DataFolder;
  /** Port of the embedded PostgreSQL. */
  embeddedPort: Port;
  /** Port of the HTTP endpoints (health, metrics, job pages); 0 picks a free port. */
  httpPort: Port;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd(), options: { root?: boolean } = {}): Config {
  return {
    databaseUrl: env.DATABASE_URL || undefined,
    data: chooseDataFolder({ configured: env.CONFLAG_DATA_DIR || undefined, cwd, root: options.root }),
    embeddedPort: { port: envInt(env, 'CONFLAG_PG_PORT', 54329, 0, 65535), fixed: isSet(env, 'CONFLAG_PG_PORT') },
    httpPort: { port: envInt(env, 'PORT', 8080, 0, 65535), fixed: isSet(env, 'PORT') },
  };
}
