// `conflag request <job> [--wait]`: asks the running runners for a run of a job now, through
// conflag.request_run() — the same path as a DBA's SELECT conflag.request_run('job'). Unlike `conflag run`
// (which executes in this process), the run happens in a runner, with its retries and time limits; --wait
// follows the request until its run has finished.
import pg from 'pg';
import { fromDatabaseError } from '../../errors.ts';
import { UsageError, type Command } from '../command.ts';
import { withDatabase } from '../withDatabase.ts';

export const command: Command = {
  name: 'request',
  summary: 'Ask the runner(s) to run a job now (conflag.request_run); with --wait, wait for the run and print its result.',
  usage:
    '<job name or id> [--wait] [--timeout SECONDS]\n\n' +
    '  --wait               wait until a runner has run the job; exit 0 if the run succeeded, 1 otherwise\n' +
    '  --timeout SECONDS    with --wait: give up if no runner has started the run (or its retry) by then (default 60)\n\n' +
    'Needs a running `conflag start` on the same database to pick the request up.',
  maxArgs: 1,
  options: { wait: { type: 'boolean' }, timeout: { type: 'string' } },
  async run({ args, flags, stdout, stderr, log }) {
    if (args.length !== 1) throw new UsageError('give exactly one job, by name or id');
    const timeout = flags.timeout === undefined ? 60 : Number(flags.timeout);
    if (!(timeout > 0 && timeout <= 86_400)) throw new UsageError(`--timeout must be a number of seconds from 1 to 86400, not ${JSON.stringify(flags.timeout)}`);
    return withDatabase(
      async (db) => {
        const client = new pg.Client({ connectionString: db.url, application_name: 'conflag-request' });
        await client.connect();
        try {
          const { rows: [{ id }] } = await client.query<{ id: string }>('SELECT conflag.request_run($1::text) AS id', [args[0]]);
          const { rows } = await client.query<{ id: string; job_id: string; name: string }>(
            'SELECT r.id, r.job_id, j.name FROM conflag.run_requests r JOIN conflag.jobs j ON j.id = r.job_id WHERE r.id = $1',
            [id],
          );
          const request = rows[0];
          stdout.write(`requested a run of job ${request.job_id} "${request.name}" (request ${request.id})\n`);
          if (!flags.wait) return 0;
          return await waitForRun(client, request.id, timeout * 1000, stdout, stderr);
        } catch (error) {
          throw fromDatabaseError(error);
        } finally {
          await client.end();
        }
      },
      { log, migrate: false },
    );
  },
};

/**
 * Follows the run that answers the request (run_requests.run_id: one run may answer several requests, and a
 * failed or interrupted attempt that is retried hands the request on to its retry) until one ends for good.
 */
async function waitForRun(client: pg.Client, requestId: string, timeoutMs: number, stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): Promise<number> {
  let deadline = Date.now() + timeoutMs;
  let reported = '';
  for (;;) {
    const { rows: [request] } = await client.query<{
      picked_up_at: Date | null; id: string | null; attempt: number; status: string; matched: string; changed: string; error: string | null;
      runner: string | null; retry_planned: boolean;
    }>(
      `SELECT q.picked_up_at, r.id::text, r.attempt, r.status, r.matched, r.changed, r.error, r.runner, r.retry_planned
         FROM conflag.run_requests q LEFT JOIN conflag.job_runs r ON r.id = q.run_id
        WHERE q.id = $1`,
      [requestId],
    );
    if (!request) {
      stderr.write(`request ${requestId} is gone (its job was deleted)\n`);
      return 1;
    }
    const run = request.id === null ? undefined : request;
    if (run && reported !== `${run.id}:${run.status}`) {
      reported = `${run.id}:${run.status}`;
      deadline = Date.now() + timeoutMs;
      stdout.write(
        run.status === 'running'
          ? `run ${run.id} (attempt ${run.attempt}) started on ${run.runner ?? 'a runner'}\n`
          : `run ${run.id} (attempt ${run.attempt}) ${run.status}: ${run.matched} matched, ${run.changed} changed${run.error ? ` (${run.error})` : ''}` +
            `${run.retry_planned ? '; it is retried' : ''}\n`,
      );
    }
    if (run && run.status !== 'running' && !run.retry_planned) return run.status === 'succeeded' ? 0 : 1;
    if (run?.status !== 'running' && Date.now() > deadline) {
      stderr.write(
        run
          ? `no retry of run ${run.id} started within ${timeoutMs / 1000} s; is \`conflag start\` running on this database?\n`
          : `no runner ${request.picked_up_at ? 'started' : 'picked up'} request ${requestId} within ${timeoutMs / 1000} s; is \`conflag start\` running on this database?\n`,
      );
      return 1;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
