// Where the database is: DATABASE_URL when given, otherwise the embedded PostgreSQL in the data folder
// (src/db/dataFolder.ts), started here or — for one-off commands — the one a running `conflag start` owns.
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { createSharedDataFolder } from './dataFolder.ts';
import { runningEmbeddedPostgres, startEmbeddedPostgres } from './embeddedPostgres.ts';
import { postgresUser } from './postgresUser.ts';

export interface Database {
  url: string;
  /** The URL to give psql: the embedded server's with its local password, DATABASE_URL without its password. */
  psqlUrl: string;
  /** Human-readable description for start-up messages, without the password. */
  where: string;
  embedded: boolean;
  /** The embedded cluster's data directory. */
  dataDir?: string;
  /** Things a person should know about the choice (a moved port, a data folder outside the project). */
  notes: string[];
  close(): Promise<void>;
}

/**
 * `reuseRunning`: when a `conflag start` already runs the embedded server on this data folder, use it (for
 * one-off commands such as demo, run, preview) rather than refuse; `start` itself must own its server.
 */
export async function openDatabase(config: Config, log: Logger, options: { reuseRunning?: boolean } = {}): Promise<Database> {
  if (config.databaseUrl) {
    return { url: config.databaseUrl, psqlUrl: withoutPassword(config.databaseUrl), where: redact(config.databaseUrl), embedded: false, notes: [], close: async () => {} };
  }
  const running = options.reuseRunning ? runningEmbeddedPostgres(config.data.dir) : undefined;
  if (running) {
    return {
      url: running.url,
      psqlUrl: running.url,
      where: `embedded PostgreSQL of the running conflag (PID ${running.pid}) on localhost:${running.port}, data in ${running.dataDir}`,
      embedded: true,
      dataDir: running.dataDir,
      notes: [],
      close: async () => {},
    };
  }
  const notes: string[] = [];
  if (config.data.source === 'private project') {
    createSharedDataFolder(config.data.dir, postgresUser());
    notes.push(
      `the project folder is private (user postgres, which the embedded PostgreSQL runs as under root, cannot enter it), ` +
        `so the data is in ${config.data.dir} instead of .conflag/; commands run from the same folder find it there`,
    );
  }
  const server = await startEmbeddedPostgres({
    dataDir: config.data.dir,
    port: config.embeddedPort.port,
    portFixed: config.embeddedPort.fixed,
    onLog: (line) => log.debug({ postgres: line.trim() }, 'embedded postgres'),
  });
  if (server.busyPort !== undefined) {
    notes.push(`port ${server.busyPort} was in use, so the embedded PostgreSQL listens on ${server.port} (set CONFLAG_PG_PORT to choose)`);
  }
  return {
    url: server.url,
    psqlUrl: server.url,
    where: `embedded PostgreSQL on localhost:${server.port}, data in ${server.dataDir}`,
    embedded: true,
    dataDir: server.dataDir,
    notes,
    close: () => server.stop(),
  };
}

export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable DATABASE_URL)';
  }
}

/** A URL psql can take as it is: it asks for the password (or reads PGPASSWORD / ~/.pgpass). */
function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    return parsed.toString();
  } catch {
    return '(unparsable DATABASE_URL)';
  }
}
