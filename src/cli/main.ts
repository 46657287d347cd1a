// `conflag <command>`: parses flags strictly, prints usage for --help, a bad flag, an extra argument or an
// unknown command, and the version for --version.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { createLogger } from '../log.ts';
import { UsageError, type Command } from './command.ts';

export const COMMANDS: Record<string, () => Promise<{ command: Command }>> = {
  migrate: () => import('./commands/migrate.ts'),
  start: () => import('./commands/start.ts'),
  demo: () => import('./commands/demo.ts'),
  jobs: () => import('./commands/jobs.ts'),
  request: () => import('./commands/request.ts'),
  run: () => import('./commands/run.ts'),
  explain: () => import('./commands/explain.ts'),
  preview: () => import('./commands/preview.ts'),
  log: () => import('./commands/log.ts'),
};

const GENERAL = `Usage: conflag <command> [options]
       conflag --version

Commands:
  migrate   apply database migrations
  start     migrate, then run the scheduler/runner service until SIGINT/SIGTERM
  demo      load generated demo recordings (and an example job)
  jobs      list the jobs: schedule, next run, last run, failures (--json for scripts)
  request   ask the runners to run a job now (--wait for its result)
  run       run a job now in this process, with progress (--wait if it is running)
  explain   print the SQL and parameters a job's condition compiles to
  preview   count what a job (or --condition JSON) would match and change now, with examples; writes nothing
  log       print a run's detailed log (jobs with log_enabled)

Run "conflag <command> --help" for a command's options.
Environment: DATABASE_URL (unset: embedded PostgreSQL, data in .conflag/), PORT, LOG_LEVEL; see README.md.`;

export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/** The version in package.json. */
export function version(): string {
  const file = new URL('../../package.json', import.meta.url);
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
}

export async function main(argv: string[], io: Io = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    (name ? io.stdout : io.stderr).write(GENERAL + '\n');
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-V') {
    io.stdout.write(`conflag ${version()}\n`);
    return 0;
  }
  const load = COMMANDS[name];
  if (!load) {
    io.stderr.write(`conflag: unknown command "${name}".\n\n${GENERAL}\n`);
    return 2;
  }
  const { command } = await load();
  const usage = `Usage: conflag ${command.name} ${command.usage}`;
  const refuse = (message: string) => {
    io.stderr.write(`conflag ${command.name}: ${message}\n\n${usage}\n`);
    return 2;
  };
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    return refuse((error as Error).message);
  }
  if (parsed.values.help) {
    io.stdout.write(`${command.summary}\n\n${usage}\n`);
    return 0;
  }
  if (parsed.positionals.length > command.maxArgs) return refuse(extraArguments(command.maxArgs, parsed.positionals));
  try {
    return await command.run({
      args: parsed.positionals,
      flags: parsed.values as Record<string, string | boolean | undefined>,
      stdout: io.stdout,
      stderr: io.stderr,
      log: createLogger({ destination: io.stderr }),
    });
  } catch (error) {
    if (error instanceof UsageError) return refuse(error.message);
    // conflag's own codes (CFnnn) are named, so the message can be looked up in docs/errors.md.
    const code = (error as { code?: unknown })?.code;
    const suffix = typeof code === 'string' && /^CF\d{3}$/.test(code) ? ` (${code}, docs/errors.md)` : '';
    io.stderr.write(`conflag ${command.name}: ${error instanceof Error ? error.message : String(error)}${suffix}\n`);
    if (process.env.CONFLAG_DEBUG) io.stderr.write(`${(error as Error)?.stack}\n`);
    return 1;
  }
}

function extraArguments(max: number, given: string[]): string {
  const extra = given.slice(max).map((a) => JSON.stringify(a)).join(' ');
  const takes = max === 0 ? 'takes no arguments' : `takes ${max === 1 ? 'one argument' : `${max} arguments`}`;
  return `${takes}, but was given ${given.length}; remove ${extra}`;
}
