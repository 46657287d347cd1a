// The runner's environment variables: documented defaults, fractional seconds, and a clear refusal of bad values
// naming the variable, the value and what is allowed. Also that the retry settings reach each queued run.
import * as assert from 'uvu/assert';
import { readRunnerConfig } from '../../src/service/runnerConfig.ts';
import { BOSS_SCHEMA } from '../../src/service/runQueue.ts';
import { migrate } from '../../src/db/migrate.ts';
import { closePools, databaseUrl } from '../lib/db.ts';
import { suite } from '../lib/suite.ts';
import { db, insertJob, log, startTestService, stopAll, waitFor } from './helpers.ts';

const test = suite('runner: configuration');
test.after(async () => {
  await stopAll();
  await closePools();
});

test('defaults (as documented in README.md and docs/operations.md)', () => {
  const config = readRunnerConfig({});
  assert.equal(
    {
      concurrency: config.concurrency,
      reconcile: config.reconcileIntervalMs,
      poll: config.requestPollIntervalMs,
      keepAlive: config.keepAliveCheckIntervalMs,
      prune: config.pruneIntervalMs,
      retryLimit: config.retryLimit,
      retryDelay: config.retryDelaySeconds,
      backoff: config.retryBackoff,
      retryMax: config.retryDelayMaxSeconds,
      shutdown: config.shutdownTimeoutMs,
    },
    { concurrency: 2, reconcile: 60_000, poll: 5_000, keepAlive: 30_000, prune: 3_600_000, retryLimit: 2, retryDelay: 30, backoff: true, retryMax: 3600, shutdown: 30_000 },
  );
});

test('values from the environment, fractions of seconds allowed', () => {
  const config = readRunnerConfig({
    CONFLAG_CONCURRENCY: '4',
    CONFLAG_RECONCILE_SECONDS: '0.5',
    CONFLAG_RETRY_LIMIT: '0',
    CONFLAG_RETRY_BACKOFF: 'false',
    CONFLAG_SHUTDOWN_TIMEOUT_SECONDS: '90',
  });
  assert.equal([config.concurrency, config.reconcileIntervalMs, config.retryLimit, config.retryBackoff, config.shutdownTimeoutMs], [4, 500, 0, false, 90_000]);
});

test('bad values are refused with the variable, the value and what is allowed', () => {
  assert.throws(() => readRunnerConfig({ CONFLAG_CONCURRENCY: '0' }), /CONFLAG_CONCURRENCY="0" is not valid; use a whole number from 1 to 100 \(default 2\)/);
  assert.throws(() => readRunnerConfig({ CONFLAG_RETRY_LIMIT: '1.5' }), /CONFLAG_RETRY_LIMIT="1.5"/);
  assert.throws(() => readRunnerConfig({ CONFLAG_RECONCILE_SECONDS: 'soon' }), /CONFLAG_RECONCILE_SECONDS="soon" is not valid; use a number of seconds greater than 0/);
  assert.throws(() => readRunnerConfig({ CONFLAG_RETRY_BACKOFF: 'maybe' }), /CONFLAG_RETRY_BACKOFF="maybe" is not valid; use true or false/);
});

test('the retry settings travel with every queued run', async () => {
  const pool = db();
  const job = await insertJob(pool, { name: 'configured', execution_time_limit_minutes: 5 });
  await startTestService({ config: { retryLimit: 3, retryDelaySeconds: 7, retryBackoff: true, retryDelayMaxSeconds: 100 } });
  const { rows } = await pool.query<{ id: string }>(`SELECT conflag.request_run('configured') AS id`);
  const row = await waitFor(async () => {
    const result = await pool.query(
      `SELECT retry_limit, retry_delay, retry_backoff, retry_delay_max, expire_seconds, heartbeat_seconds
         FROM ${BOSS_SCHEMA}.job WHERE singleton_key = $1`,
      [`request:${rows[0].id}`],
    );
    return result.rows[0];
  }, { what: 'the queued run' });
  assert.equal(row, { retry_limit: 3, retry_delay: 7, retry_backoff: true, retry_delay_max: 100, expire_seconds: 5 * 60 + 300, heartbeat_seconds: 30 });
  await waitFor(async () => (await pool.query(`SELECT 1 FROM conflag.job_runs WHERE job_id = $1 AND status = 'succeeded'`, [job])).rowCount, { what: 'the run' });
});

test('`conflag start` refuses a bad setting before starting', async () => {
  const { main } = await import('../../src/cli/main.ts');
  let err = '';
  const stderr = { write: (c: string) => ((err += c), true) } as unknown as NodeJS.WritableStream;
  const stdout = { write: () => true } as unknown as NodeJS.WritableStream;
  process.env.CONFLAG_CONCURRENCY = 'lots';
  try {
    assert.is(await main(['start'], { stdout, stderr }), 1);
  } finally {
    delete process.env.CONFLAG_CONCURRENCY;
  }
  assert.match(err, 'CONFLAG_CONCURRENCY="lots" is not valid');
});

test('a runner starting while another one migrates waits for it instead of failing', async () => {
  // node-pg-migrate's advisory lock, held here as a second `conflag start` would hold it while migrating.
  const holder = await db().connect();
  await holder.query('SELECT pg_advisory_lock(7241865325823964)');
  let released = false;
  try {
    const migrating = migrate(databaseUrl(), { log }).then((report) => ({ applied: report.migrations, released }));
    await new Promise((r) => setTimeout(r, 700));
    released = true;
    await holder.query('SELECT pg_advisory_unlock(7241865325823964)');
    const result = await migrating;
    assert.equal(result, { applied: [], released: true });
  } finally {
    if (!released) await holder.query('SELECT pg_advisory_unlock_all()');
    holder.release();
  }
});

test.run();
