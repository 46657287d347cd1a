// Where the database is: DATABASE_URL when given, otherwise the embedded PostgreSQL in the data folder.
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { runningEmbeddedPostgres, startEmbeddedPostgres } from './embeddedPostgres.ts';

export interface Database {
  url: string;
  /** Human-readable description for start-up messages, without the password. */
  where: string;
  embedded: boolean;
  close(): Promise<void>;
}

/**
 * `reuseRunning`: when a `conflag start` already runs the embedded server on this data folder, use it (for
 * one-off commands such as demo, run, preview) rather than refuse; `start` itself must own its server.
 */
export async function openDatabase(config: Config, log: Logger, options: { reuseRunning?: boolean } = {}): Promise<Database> {
  if (config.databaseUrl) {
    return { url: config.databaseUrl, where: redact(config.databaseUrl), embedded: false, close: async () => {} };
  }
  const running = options.reuseRunning ? runningEmbeddedPostgres(config.dataDir) : undefined;
  if (running) {
    return {
      url: running.url,
      where: `embedded PostgreSQL of the running conflag (PID ${running.pid}) on localhost:${running.port}, data in ${running.dataDir}`,
      embedded: true,
      close: async () => {},
    };
  }
  const server = await startEmbeddedPostgres({
    dataDir: config.dataDir,
    port: config.embeddedPort,
    onLog: (line) => log.debug({ postgres: line.trim() }, 'embedded postgres'),
  });
  return {
    url: server.url,
    where: `embedded PostgreSQL on localhost:${server.port}, data in ${server.dataDir}`,
    embedded: true,
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
