import { readConfig } from '../../config.ts';
import { startService } from '../../service/startService.ts';
import type { Command } from '../command.ts';
import { withDatabase } from '../withDatabase.ts';

export const command: Command = {
  name: 'start',
  summary: 'Migrate the database, then run the conflag service (scheduler, runner, HTTP endpoints) until SIGINT or SIGTERM.',
  usage: '[--help]\n\nEnvironment: DATABASE_URL, PORT (0 = pick a free port), LOG_LEVEL, CONFLAG_DATA_DIR, CONFLAG_PG_PORT.',
  options: {},
  async run({ stdout }) {
    const config = readConfig();
    return withDatabase(async (db, log) => {
      const service = await startService({ databaseUrl: db.url, httpPort: config.httpPort, log });
      stdout.write(`conflag is running: ${service.url} (database: ${db.where}). Press Ctrl-C to stop.\n`);
      log.info({ http: service.url, database: db.where }, 'conflag started');
      const signal = await new Promise<NodeJS.Signals>((resolve) => {
        process.once('SIGINT', () => resolve('SIGINT'));
        process.once('SIGTERM', () => resolve('SIGTERM'));
      });
      log.info({ signal }, 'stopping: no new work, finishing the current batch');
      await service.stop();
      log.info('conflag stopped');
      return 0;
    });
  },
};
