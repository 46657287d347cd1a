// The shape of one CLI command. Each lives in src/cli/commands/<name>.ts and is listed in src/cli/main.ts.
import type { ParseArgsConfig } from 'node:util';
import type { Logger } from '../log.ts';

export type Options = NonNullable<ParseArgsConfig['options']>;

export interface CommandContext {
  /** Positional arguments after the command name (never more than the command's maxArgs). */
  args: string[];
  /** Parsed flags (strict: unknown flags never reach a command). */
  flags: Record<string, string | boolean | undefined>;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** A logger writing to stderr (LOG_LEVEL, LOG_FORMAT), so stdout holds only the command's result. */
  log: Logger;
}

export interface Command {
  name: string;
  summary: string;
  /** Usage line(s) after "conflag <name>", and a description of each flag. */
  usage: string;
  options: Options;
  /** How many positional arguments it takes at most; more are refused before it runs. */
  maxArgs: number;
  /** Resolves to the process exit code. */
  run(context: CommandContext): Promise<number>;
}

/** A mistake in how the command was called: printed with the usage, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
