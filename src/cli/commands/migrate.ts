import type { Command } from '../command.ts';
import { withDatabase } from '../withDatabase.ts';

export const command: Command = {
  name: 'migrate',
  summary: 'Apply the migrations in migrations/, then the sql/ files whose text changed (idempotent).',
  usage: '[--help]',
  maxArgs: 0,
  options: {},
  async run({ stdout, log }) {
    return withDatabase(async (db, log) => {
      log.info({ database: db.where }, 'database is migrated');
      stdout.write(`migrated: ${db.where}\n`);
      return 0;
    }, { log });
  },
};
