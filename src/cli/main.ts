// `conflag <command>`: parses flags strictly, prints usage for --help, a bad flag or an unknown command.
import { parseArgs } from 'node:util';
import { UsageError, type Command } from './command.ts';

const COMMANDS: Record<string, () => Promise<{ command: Command }>> = {
  migrate: () => import('./commands/migrate.ts'),
  start: () => import('./commands/start.ts'),
  demo: () => import('./commands/demo.ts'),
  request: () => import('./commands/request.ts'),
  run: () => import('./commands/run.ts'),
  explain: () => import('./commands/explain.ts'),
  preview: () => import('./commands/preview.ts'),
  log: () => import('./commands/log.ts'),
};

const GENERAL = `Usage: conflag <command> [options]

Commands:
  migrate   apply database migrations
  start     migrate, then run the scheduler/runner service until SIGINT/SIGTERM
  demo      load generated demo recordings (and an example job)
  request   ask the runners to run a job now (--wait for its result)
  run       run a job now in this process, with progress (--wait if it is running)
  explain   print the SQL and parameters a job's condition compiles to
  preview   count what a job (or --condition JSON) would match and change now, with examples; writes nothing
  log       print a run's detailed log (jobs with log_enabled)

Run "conflag <command> --help" for a command's options.
Environment: DATABASE_URL (unset: embedded PostgreSQL in .conflag/), PORT, LOG_LEVEL; see README.md.`;

export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
}

export async function main(argv: string[], io: Io = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    (name ? io.stdout : io.stderr).write(GENERAL + '\n');
    return name ? 0 : 2;
  }
  const load = COMMANDS[name];
  if (!load) {
    io.stderr.write(`conflag: unknown command "${name}".\n\n${GENERAL}\n`);
    return 2;
  }
  const { command } = await load();
  const usage = `Usage: conflag ${command.name} ${command.usage}`;
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    io.stderr.write(`conflag ${command.name}: ${(error as Error).message}\n\n${usage}\n`);
    return 2;
  }
  if (parsed.values.help) {
    io.stdout.write(`${command.summary}\n\n${usage}\n`);
    return 0;
  }
  try {
    return await command.run({
      args: parsed.positionals,
      flags: parsed.values as Record<string, string | boolean | undefined>,
      stdout: io.stdout,
      stderr: io.stderr,
    });
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`conflag ${command.name}: ${error.message}\n\n${usage}\n`);
      return 2;
    }
    io.stderr.write(`conflag ${command.name}: ${error instanceof Error ? error.message : String(error)}\n`);
    if (process.env.CONFLAG_DEBUG) io.stderr.write(`${(error as Error)?.stack}\n`);
    return 1;
  }
}
