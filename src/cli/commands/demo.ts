import pg from 'pg';
import { insertDemoJob, DEMO_JOB } from '../../sql/insertDemoJob.ts';
import { insertDemoRecordings } from '../../sql/insertDemoRecordings.ts';
import { UsageError, type Command } from '../command.ts';
import { withDatabase } from '../withDatabase.ts';

export const command: Command = {
  name: 'demo',
  summary: 'Load generated demo recordings (several tenants, non-ASCII names, a long tail of calls over 2 hours) and an example job.',
  usage: '[--count N] [--seed X]\n\n  --count N   recordings to add (default 100000)\n  --seed X    random seed between -1 and 1 (default 0.42)',
  maxArgs: 0,
  options: { count: { type: 'string' }, seed: { type: 'string' } },
  async run({ flags, stdout, log }) {
    const count = flags.count === undefined ? 100_000 : Number(flags.count);
    if (!Number.isInteger(count) || count < 0 || count > 100_000_000) {
      throw new UsageError(`--count must be a whole number from 0 to 100000000, not ${JSON.stringify(flags.count)}`);
    }
    const seed = flags.seed === undefined ? 0.42 : Number(flags.seed);
    if (!(seed >= -1 && seed <= 1)) throw new UsageError(`--seed must be a number from -1 to 1, not ${JSON.stringify(flags.seed)}`);
    return withDatabase(async (db) => {
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      try {
        await client.query('BEGIN');
        const inserted = await insertDemoRecordings(client, count, seed);
        const job = await insertDemoJob(client);
        await client.query('COMMIT');
        stdout.write(`added ${inserted} demo recordings\n`);
        stdout.write(
          job.inserted
            ? `added the example job ${job.id} "${DEMO_JOB.name}" (${DEMO_JOB.schedule}); see docs/dba.md\n`
            : `the example job ${job.id} "${DEMO_JOB.name}" is already there\n`,
        );
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        await client.end();
      }
      return 0;
    }, { log });
  },
};
