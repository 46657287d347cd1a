// The runner's environment variables: documented defaults, fractional seconds, and a clear refusal of bad values
// naming the variable, the value and what is allowed. Also that the retry settings reach each queued run.
import * as assert from 'uvu/assert';
import { readRunnerConfig } from '../../src/service/runnerConfig.ts';
import { failureRetryDelaySeconds } from '../../src/service/failureRetryDelay.ts';
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
    { concurrency: 2, reconcile: 60_000, poll: 5_000, keepAlive: 5_000, prune: 3_600_000, retryLimit: 2, retryDelay: 30, backoff: true, retryMax: 3600, shutdown: 30_000 },
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

test('a failed run waits the configured backoff (the runner sets it); the queue itself retries at once, up to the retry limit', async () => {
  const config = { retryDelaySeconds: 7, retryBackoff: true, retryDelayMaxSeconds: 100 };
  assert.equal([1, 2, 3, 10].map((n) => failureRetryDelaySeconds(n, config, () => 0)), [7, 14, 28, 100]);
  assert.equal([1, 2].map((n) => failureRetryDelaySeconds(n, config, () => 0.999)), [14, 28]);
  assert.is(failureRetryDelaySeconds(3, { ...config, retryBackoff: false }), 7);

  const pool = db();
  await pool.query(`INSERT INTO conflag.recordings (tenant_id, call_id, started_at, duration) VALUES ('default', 'c1', now(), 4242)`);
  await pool.query(`INSERT INTO conflag.attributes (name, type, expression, description)
                    VALUES ('test_ratio', 'number', '(100000 / (r.duration - 4242))', 'test only: fails for duration 4242')`);
  const job = await insertJob(pool, { name: 'configured', execution_time_limit_minutes: 5, condition: { all: [{ fact: 'test_ratio', operator: 'greaterThan', value: 0 }] } });
  await startTestService({ config: { retryLimit: 3, ...config } });
  await pool.query(`SELECT conflag.request_run('configured')`);
  const row = await waitFor(async () => {
    const result = await pool.query(
      `SELECT state, retry_limit, retry_delay, retry_backoff, expire_seconds, heartbeat_seconds, priority,
              extract(epoch FROM start_after - now())::float8 AS wait
         FROM ${BOSS_SCHEMA}.job WHERE singleton_key = $1 AND state = 'retry'`,
      [`request:${job}`],
    );
    return result.rows[0];
  }, { what: 'the failed run waiting for its retry' });
  const { wait, ...settings } = row;
  assert.equal(settings, { state: 'retry', retry_limit: 3, retry_delay: 0, retry_backoff: false, expire_seconds: 5 * 60 + 300, heartbeat_seconds: 30, priority: 0 });
  assert.ok(wait > 5 && wait <= 14, `the retry waits 7-14 s: ${wait}`);
  const runs = await pool.query(`SELECT attempt, status, retry_planned FROM conflag.job_runs WHERE job_id = $1`, [job]);
  assert.equal(runs.rows, [{ attempt: 1, status: 'failed', retry_planned: true }]);
  await stopAll();
  await pool.query(`DELETE FROM conflag.jobs WHERE id = $1`, [job]);
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
