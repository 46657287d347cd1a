// Shared by commands: open the configured database (embedded or DATABASE_URL), migrate, run, close.
import { readConfig } from '../config.ts';
import { migrate } from '../db/migrate.ts';
import { openDatabase, type Database } from '../db/openDatabase.ts';
import type { Logger } from '../log.ts';

export async function withDatabase<T>(
  work: (db: Database, log: Logger) => Promise<T>,
  options: { log: Logger; migrate?: boolean; reuseRunning?: boolean },
): Promise<T> {
  const { log } = options;
  const db = await openDatabase(readConfig(), log, { reuseRunning: options.reuseRunning ?? true });
  try {
    if (options.migrate !== false) {
      const { migrations, baselined, sqlFiles } = await migrate(db.url, { log });
      if (baselined) log.info('database upgraded from the migrations before the baseline (0001_baseline)');
      if (migrations.length) log.info({ applied: migrations }, 'migrations applied');
      if (sqlFiles.applied.length || sqlFiles.restored.length || sqlFiles.dropped.length) log.info(sqlFiles, 'sql/ files applied');
    }
    return await work(db, log);
  } finally {
    await db.close();
  }
}
