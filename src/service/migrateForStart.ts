// Migrations before a runner starts, tolerating other runners that start at the same moment: node-pg-migrate's
// advisory lock is in 'fail' mode (src/db/migrate.ts), so a second `conflag start` would die with "Another
// migration is already running". This waits for the other one instead, then applies whatever is left (usually
// nothing).
import { migrate } from '../db/migrate.ts';
import type { Logger } from '../log.ts';

const BUSY = /Another migration is already running/;

export async function migrateForStart(databaseUrl: string, log: Logger, options: { timeoutMs?: number } = {}): Promise<string[]> {
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  for (let delay = 200; ; delay = Math.min(delay * 2, 2_000)) {
    try {
      return await migrate(databaseUrl, { log });
    } catch (error) {
      if (!BUSY.test(String((error as Error)?.message)) || Date.now() > deadline) throw error;
      log.info('another process is migrating the database; waiting for it');
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
