// `conflag log <run id>`: prints a run's detailed log (conflag.job_run_log, written for jobs with
// log_enabled = true) wherever the run happened — one line per entry: time since the run started, level,
// event, message. --json prints the entries with their details. Exit codes: 0 printed (or the run has no
// detailed log, said on stderr), 1 no such run, 2 usage.
import pg from 'pg';
import { formatRunLogEntry } from '../../run/formatRunLogEntry.ts';
import { readRunLog } from '../../sql/readRunLog.ts';
import { UsageError, type Command } from '../command.ts';
import { withDatabase } from '../withDatabase.ts';

/** The SQL a DBA runs to read the same log. */
export function runLogQuery(runId: string): string {
  return `SELECT at, level, event, message, details FROM conflag.job_run_log WHERE run_id = ${runId} ORDER BY id;`;
}

export const command: Command = {
  name: 'log',
  summary: "Print a run's detailed log (jobs with log_enabled = true).",
  usage: `<run id> [--json]

  --json   print the entries as JSON (with their details: settings, compiled SQL, per-batch counts)

The same in SQL: ${runLogQuery('<run id>')}`,
  maxArgs: 1,
  options: { json: { type: 'boolean' } },
  async run({ args, flags, stdout, stderr, log }) {
    if (args.length !== 1) throw new UsageError(args.length ? `give one run id, not ${args.length}` : 'which run? give its id (conflag.job_runs.id)');
    const runId = args[0];
    if (!/^[0-9]{1,18}$/.test(runId)) throw new UsageError(`a run id is a whole number, not ${JSON.stringify(runId)}`);
    return withDatabase(
      async (db) => {
        const client = new pg.Client({ connectionString: db.url });
        await client.connect();
        try {
          const log = await readRunLog(client, runId);
          if (!log) {
            stderr.write(`run ${runId} does not exist (or was pruned with its log after keep_history_days); recent runs: ` +
              `SELECT id, job_name, status, started_at FROM conflag.job_runs ORDER BY id DESC LIMIT 20\n`);
            return 1;
          }
          const { run, entries } = log;
          if (flags.json) {
            stdout.write(JSON.stringify({ run, entries }, null, 2) + '\n');
            return 0;
          }
          stdout.write(`run ${run.id} of job ${JSON.stringify(run.job_name)}: ${run.status}\n`);
          if (entries.length === 0) {
            stderr.write(`run ${run.id} has no detailed log: its job had log_enabled = false when it ran` +
              (run.job_id ? `; to log the next runs: UPDATE conflag.jobs SET log_enabled = true WHERE id = ${run.job_id};` : '') + '\n');
            return 0;
          }
          for (const entry of entries) stdout.write(formatRunLogEntry(entry) + '\n');
          return 0;
        } finally {
          await client.end();
        }
      },
      { log, migrate: false },
    );
  },
};
