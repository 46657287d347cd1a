// One pino logger per process: JSON lines for machines, pretty lines on a terminal (LOG_FORMAT chooses). Written
// synchronously in this thread through the given stream (no worker transport), so a line is out before the
// process exits, a closed pipe is handled in one place (src/cli/closedPipe.ts), and a terminal progress line can
// be cleared around each log line. The service logs to stdout; one-off commands log to stderr, so their stdout
// holds only their result.
import { pino, levels, type Logger } from 'pino';
import { prettyFactory } from 'pino-pretty';
import { envChoice, type Env } from './envValues.ts';

export type { Logger };

/** pino's level names, most severe first, plus 'silent'. */
export const LOG_LEVELS = [...Object.keys(levels.values).sort((a, b) => levels.values[b] - levels.values[a]), 'silent'];

/** LOG_LEVEL, refused with the variable's name and the levels when it is not one of them. */
export function readLogLevel(env: Env = process.env): string {
  return envChoice(env, 'LOG_LEVEL', 'info', LOG_LEVELS);
}

export interface LogStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface LoggerOptions {
  /** Default: LOG_LEVEL (checked), else info. */
  level?: string;
  /** Default: LOG_FORMAT (auto = pretty on a terminal, json, pretty). */
  pretty?: boolean;
  /** Default: process.stdout. */
  destination?: LogStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? readLogLevel();
  const destination = options.destination ?? process.stdout;
  const format = envChoice(process.env, 'LOG_FORMAT', 'auto', ['auto', 'json', 'pretty']);
  const usePretty = options.pretty ?? (format === 'pretty' || (format === 'auto' && destination.isTTY === true));
  if (usePretty) {
    const format = prettyFactory({ colorize: destination.isTTY === true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' });
    return pino({ level }, { write: (line: string) => void destination.write(format(line)) });
  }
  return pino({ level }, destination as pino.DestinationStream);
}
