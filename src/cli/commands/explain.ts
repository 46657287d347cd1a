// `conflag explain <job>`: the SQL a job's condition compiles to — the predicate over r (the recordings table,
// access scope included) and the statement shape it runs in — with every bind parameter, so a DBA can read,
// EXPLAIN or run it by hand. Reads only; compiles for the job's timezone and "now" (or --as-of).
import pg from 'pg';
import { explainSelection, formatParameters } from '../../condition/explainSelection.ts';
import { formatPredicate } from '../../condition/formatPredicate.ts';
import { loadCatalog } from '../../condition/loadCatalog.ts';
import { ConflagError, SQLSTATE } from '../../errors.ts';
import { loadRecordingSource } from '../../source/recordingSource.ts';
import { findJob } from '../../sql/loadJob.ts';
import { resolveTimezone } from '../../sql/resolveTimezone.ts';
import { UsageError, type Command } from '../command.ts';
import { withDatabase } from '../withDatabase.ts';

export function parseAsOf(raw: string | boolean | undefined): Date | undefined {
  if (raw === undefined) return undefined;
  const asOf = new Date(String(raw));
  if (typeof raw !== 'string' || Number.isNaN(asOf.getTime())) {
    throw new UsageError(`--as-of must be an ISO 8601 timestamp with an offset, such as 2024-06-01T12:00:00Z, not ${JSON.stringify(raw)}`);
  }
  return asOf;
}

export const command: Command = {
  name: 'explain',
  summary: "Print the SQL a job's condition compiles to (predicate over r = the recordings table, the statement shape) and its parameters.",
  usage: `<job name or id> [--as-of TIMESTAMP] [--json]

  --as-of T   the run start ("now") for age_minutes/age_days (default: now)
  --json      print {"job", "timezone", "asOf", "predicate", "statement", "parameters"} as JSON`,
  maxArgs: 1,
  options: { 'as-of': { type: 'string' }, json: { type: 'boolean' } },
  async run({ args, flags, stdout, log }) {
    if (args.length !== 1) throw new UsageError(args.length ? `give one job, not ${args.length}` : 'which job? give its name or id');
    const asOfFlag = parseAsOf(flags['as-of']);
    return withDatabase(
      async (db) => {
        const client = new pg.Client({ connectionString: db.url });
        await client.connect();
        try {
          const job = await findJob(client, args[0]);
          if (!job) throw new ConflagError(SQLSTATE.runJobNotFound, `job ${JSON.stringify(args[0])} does not exist; list the jobs with: SELECT id, name FROM conflag.jobs`);
          const [catalog, source] = [await loadCatalog(client), await loadRecordingSource(client)];
          const timezone = await resolveTimezone(client, job.timezone);
          const asOf = asOfFlag ?? new Date();
          const compiled = explainSelection(job, catalog, { timezone, asOf }, source);
          if (flags.json) {
            stdout.write(JSON.stringify({ job: { id: job.id, name: job.name }, timezone, asOf: asOf.toISOString(), ...compiled }, null, 2) + '\n');
            return 0;
          }
          stdout.write(
            [
              `Job ${job.id} ${JSON.stringify(job.name)}: ${job.action} confidential, ${job.mode} mode, ` +
                `scope ${job.access_scope ? job.access_scope.join(', ') : 'all tenants'}`,
              `Timezone ${timezone}; as of ${asOf.toISOString()} (ages are measured to this instant)`,
              `Condition: ${JSON.stringify(job.condition)}`,
              '',
              `Predicate over r (${source.table}), scope included:`,
              formatPredicate(compiled.predicate, '  '),
              '',
              'Statement shape (a run adds its batch — a block range or its candidates — and the flag test):',
              `  SELECT ${source.keyColumnsSql} FROM ${source.table} r WHERE <predicate>`,
              '',
              'Parameters:',
              formatParameters(compiled.parameters),
              '',
            ].join('\n'),
          );
          return 0;
        } finally {
          await client.end();
        }
      },
      { log, migrate: false },
    );
  },
};
