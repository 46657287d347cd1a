// Where the database is: DATABASE_URL when given, otherwise the embedded PostgreSQL in the data folder.
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { startEmbeddedPostgres } from './embeddedPostgres.ts';

export interface Database {
  url: string;
  /** Human-readable description for start-up messages, without the password. */
  where: string;
  embedded: boolean;
  close(): Promise<void>;
}

export async function openDatabase(config: Config, log: Logger): Promise<Database> {
  if (config.databaseUrl) {
    return { url: config.databaseUrl, where: redact(config.databaseUrl), embedded: false, close: async () => {} };
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
