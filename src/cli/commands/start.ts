import { readConfig } from '../../config.ts';
import { createLogger } from '../../log.ts';
import { describeSmtp, readEmailConfig } from '../../notify/emailConfig.ts';
import { readRunnerConfig } from '../../service/runnerConfig.ts';
import { startService } from '../../service/startService.ts';
import type { Command } from '../command.ts';
import { version } from '../main.ts';
import { formatStartBanner } from '../startBanner.ts';
import { withDatabase } from '../withDatabase.ts';

export const command: Command = {
  name: 'start',
  summary: 'Migrate the database, then run the conflag service (scheduler, runner, HTTP endpoints) until SIGINT or SIGTERM.',
  usage:
    '[--help]\n\n' +
    'Prints the service URL, the database URL for psql and the data folder, then logs to stdout.\n' +
    'Environment: DATABASE_URL, PORT (0 = pick a free port), LOG_LEVEL, LOG_FORMAT, CONFLAG_DATA_DIR, CONFLAG_PG_PORT,\n' +
    'CONFLAG_CONCURRENCY, CONFLAG_RECONCILE_SECONDS, CONFLAG_REQUEST_POLL_SECONDS, CONFLAG_KEEPALIVE_CHECK_SECONDS,\n' +
    'CONFLAG_PRUNE_SECONDS, CONFLAG_RETRY_LIMIT, CONFLAG_RETRY_DELAY_SECONDS, CONFLAG_RETRY_BACKOFF,\n' +
    'CONFLAG_RETRY_DELAY_MAX_SECONDS, CONFLAG_SHUTDOWN_TIMEOUT_SECONDS, CONFLAG_RUN_PARALLELISM; notification e-mails:\n' +
    'CONFLAG_SMTP_URL, CONFLAG_SMTP_TIMEOUT_SECONDS, CONFLAG_SMTP_REPLY_TIMEOUT_SECONDS, CONFLAG_EMAIL_POLL_SECONDS,\n' +
    'CONFLAG_EMAIL_RETRY_DELAY_SECONDS, CONFLAG_EMAIL_RETRY_DELAY_MAX_SECONDS, CONFLAG_EMAIL_MAX_ATTEMPTS\n' +
    '(see docs/operations.md).\n' +
    'Several runners may share one database; each runs its share of the work.',
  maxArgs: 0,
  options: {},
  async run({ stdout }) {
    const config = readConfig();
    // Read before touching the database, so a bad setting fails fast with its message.
    const runner = readRunnerConfig();
    const email = readEmailConfig();
    // The service's log is its output: stdout, after the banner.
    const log = createLogger({ destination: stdout });
    // Listening from the start: a Ctrl-C during start-up (or right after the banner) then stops the service and
    // the embedded database in order, instead of killing this process and leaving the database running (CI saw
    // a SIGINT sent just after the banner end the process with no handler, 2026-11-26).
    const signalled = new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'));
      process.once('SIGTERM', () => resolve('SIGTERM'));
    });
    return withDatabase(async (db) => {
      const service = await startService({
        databaseUrl: db.url, httpPort: config.httpPort.port, httpPortFixed: config.httpPort.fixed, log, config: runner, email,
      });
      const notes = service.busyPort === undefined ? [] : [`port ${service.busyPort} was in use, so the service listens on ${service.port} (set PORT to choose)`];
      stdout.write(formatStartBanner({ version: version(), serviceUrl: service.url, db, notes }));
      log.info({ http: service.url, port: service.port, database: db.where, notes: [...db.notes, ...notes], runner, smtp: describeSmtp(email.smtpUrl) }, 'conflag started');
      const signal = await signalled;
      // A second signal while stopping means "now": runs still in progress are left to the keep-alive.
      const force = (again: NodeJS.Signals) => {
        log.warn({ signal: again }, 'second signal: exiting without waiting for runs in progress');
        process.exit(130);
      };
      process.once('SIGINT', force);
      process.once('SIGTERM', force);
      log.info({ signal }, 'stopping: no new work, finishing the current batch');
      await service.stop();
      process.off('SIGINT', force);
      process.off('SIGTERM', force);
      log.info('conflag stopped');
      return 0;
    }, { log, reuseRunning: false });
  },
};
