// `conflag run <job>`: runs one job now, in this process, through executeRun (trigger 'manual') — the same code
// path as the runner service. A terminal gets one updating progress line, with warnings printed above it (the
// per-batch entries of a log_enabled job are in its detailed log, `conflag log`); piped, stdout holds only the
// summary and the log goes to stderr. Ctrl-C (SIGINT) or SIGTERM stops the run between batches, recorded as
// stopped by an operator (status 'stopped': not a failure, no failure e-mail). The summary names the run id; for a job with log_enabled a second line says how to read its
// detailed log. Exit codes: see EXIT_CODES.
import pg from 'pg';
import { ConflagError, SQLSTATE } from '../../errors.ts';
import { createLogger, type Logger } from '../../log.ts';
import { executeRun } from '../../run/executeRun.ts';
import { formatProgress, formatResult } from '../../run/formatProgress.ts';
import { DEFAULT_BATCH_TARGET_MS, DEFAULT_PARALLELISM, MAX_BATCH_UNITS, MAX_PARALLELISM, type RunResult } from '../../run/types.ts';
import { findJob } from '../../sql/loadJob.ts';
import { runningRunOf } from '../../sql/runningRunOf.ts';
import { UsageError, type Command, type CommandContext } from '../command.ts';
import { progressLine, type ProgressLine } from '../progressLine.ts';
import { withDatabase } from '../withDatabase.ts';
import { runLogQuery } from './log.ts';

export const EXIT_ALREADY_RUNNING = 3;
/** 128 + SIGINT, what a shell reports for a program ended by Ctrl-C; also for SIGTERM, so scripts test one code. */
export const EXIT_STOPPED = 130;

export const command: Command = {
  name: 'run',
  summary: 'Run one job now in this process (trigger "manual"), with a progress line on a terminal.',
  usage: `<job name or id> [--wait] [--parallel N] [--batch-blocks N]

  --wait          if the job is running, wait for that run to end, then run it
  --parallel N      connections working on the run at once, 1 to ${MAX_PARALLELISM} (default: the job's parallelism,
                    or ${DEFAULT_PARALLELISM} when it sets none)
  --batch-blocks N  a fixed batch size: table blocks (or incremental candidates) per batch, each batch its own
                    transaction (default: sizes adapt so a batch takes about ${DEFAULT_BATCH_TARGET_MS} ms)

Ctrl-C (or SIGTERM) stops the run after the batch in progress; the committed batches stay applied, and the run is
recorded as stopped by an operator (status stopped: not a failure, no failure e-mail).
Exit codes: 0 succeeded, 1 failed (or aborted by the job's time limit), 2 usage, 3 already running (without
--wait), ${EXIT_STOPPED} stopped by Ctrl-C or SIGTERM.`,
  maxArgs: 1,
  options: { wait: { type: 'boolean' }, parallel: { type: 'string' }, 'batch-blocks': { type: 'string' } },
  async run(context) {
    const { args, flags, stdout, stderr } = context;
    if (args.length !== 1) throw new UsageError('which job? give its name or id');
    const parallelism = flags.parallel === undefined ? undefined : wholeNumber(flags.parallel, '--parallel', MAX_PARALLELISM);
    const batchUnits = flags['batch-blocks'] === undefined ? undefined : wholeNumber(flags['batch-blocks'], '--batch-blocks', MAX_BATCH_UNITS);
    const line = stdout.isTTY === true ? progressLine(stdout) : undefined;
    const log = line ? loggerAbove(line, context) : context.log;
    return withDatabase(async (db) => {
      // Without --parallel the job's own setting decides (known once the run loads it); the pool opens only the
      // connections the run asks for.
      const pool = new pg.Pool({ connectionString: db.url, max: (parallelism ?? MAX_PARALLELISM) + 1 });
      const controller = new AbortController();
      const onSignal = (signal: NodeJS.Signals) => controller.abort(`interrupted by ${signal}`);
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const job = await findJob(pool, args[0]);
        if (!job) {
          throw new ConflagError(SQLSTATE.runJobNotFound, `job ${JSON.stringify(args[0])} does not exist; list the jobs with: conflag jobs`);
        }
        let result: RunResult;
        let started: number;
        for (;;) {
          const running = await runningRunOf(pool, job.id);
          if (running) {
            if (!flags.wait) {
              stderr.write(`job "${job.name}" is already running (run ${running.id}, started ${running.started_at.toISOString()}, ` +
                `${running.batches} batches so far); use --wait to run it after that run ends\n`);
              return EXIT_ALREADY_RUNNING;
            }
            stderr.write(`waiting for run ${running.id} of job "${job.name}" to end...\n`);
            while (await runningRunOf(pool, job.id)) {
              if (controller.signal.aborted) return EXIT_STOPPED;
              await new Promise((resolve) => setTimeout(resolve, 500));
            }
          }
          started = performance.now();
          result = await executeRun(pool, job.id, {
            trigger: 'manual',
            ...(parallelism !== undefined ? { parallelism } : {}),
            ...(batchUnits !== undefined ? { batchUnits } : {}),
            signal: controller.signal,
            // Ctrl-C here is the operator deciding to stop: recorded as 'stopped', not as a failure.
            stopByOperator: true,
            // The summary below says how it ended; the job's detailed log only when it asks for one (log_enabled).
            log: job.log_enabled ? log : log.child({}, { level: 'silent' }),
            onProgress: line ? (p) => line.update(formatProgress(p)) : undefined,
          });
          if (result.status !== 'skipped') break;
          if (!flags.wait) {
            stderr.write(`${formatResult(result, 0)}; use --wait to run it after that run ends\n`);
            return EXIT_ALREADY_RUNNING;
          }
        }
        line?.end();
        stdout.write(`${formatResult(result, (performance.now() - started) / 1000)}\n`);
        if (job.log_enabled) {
          stdout.write(`detailed log (log_enabled): ${runLogQuery(result.runId)}  or: conflag log ${result.runId}\n`);
        }
        if (result.status === 'succeeded') return 0;
        return result.status === 'stopped' ? EXIT_STOPPED : 1;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        await pool.end();
      }
    }, { log });
  },
};

/** On a terminal: warnings and errors only (unless LOG_LEVEL says otherwise), printed above the progress line. */
function loggerAbove(line: ProgressLine, { stderr }: CommandContext): Logger {
  return createLogger({
    level: process.env.LOG_LEVEL ? undefined : 'warn',
    destination: { isTTY: stderr.isTTY, write: (text: string) => line.above(() => stderr.write(text)) },
  });
}

function wholeNumber(raw: unknown, flag: string, max: number): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new UsageError(`${flag} must be a whole number from 1 to ${max}, not ${JSON.stringify(raw)}`);
  }
  return value;
}
