// /metrics (Prometheus text format 0.0.4) and /health of a runner, after real runs: runs by status and trigger,
// recordings changed, run duration histogram, queue lag while a run waits for a busy runner, last reconcile; and
// the registry's text format on its own.
import * as assert from 'uvu/assert';
import { Registry } from '../../src/service/metrics.ts';
import { closePools } from '../lib/db.ts';
import { suite } from '../lib/suite.ts';
import { db, insertJob, insertRecordings, lockMatchingRecording, runsOf, startTestService, stopAll, waitFor, waitUntilBlocked } from './helpers.ts';

const test = suite('runner: metrics and health');
test.after(async () => {
  await stopAll();
  await closePools();
});

/** Parses exposition text into "name{labels}" → value, checking every sample line's shape on the way. */
function parse(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (-?[0-9.e+]+|NaN|\+Inf)$/.exec(line);
    assert.ok(match, `not a sample line: ${line}`);
    samples.set(match[1], Number(match[2]));
  }
  return samples;
}

test('registry: counters, gauges and cumulative histogram buckets in text format 0.0.4, labels escaped', async () => {
  const registry = new Registry();
  const counter = registry.counter('t_total', 'A counter.');
  const gauge = registry.gauge('t_gauge', 'A gauge.');
  const histogram = registry.histogram('t_seconds', 'A histogram.', [1, 5]);
  counter.inc({ status: 'ok' });
  counter.inc({ status: 'ok' }, 2);
  counter.inc({ status: 'say "hi"\\\n' });
  gauge.set(2.5);
  for (const v of [0.5, 3, 10]) histogram.observe(v);
  const text = await registry.render();
  assert.match(text, '# HELP t_total A counter.\n# TYPE t_total counter\nt_total{status="ok"} 3\nt_total{status="say \\"hi\\"\\\\\\n"} 1\n');
  assert.match(text, '# TYPE t_gauge gauge\nt_gauge 2.5\n');
  assert.match(text, 't_seconds_bucket{le="1"} 1\nt_seconds_bucket{le="5"} 2\nt_seconds_bucket{le="+Inf"} 3\nt_seconds_sum 13.5\nt_seconds_count 3\n');
  assert.ok(text.endsWith('\n'));
});

test('/health reports the database, pg-boss and the listener', async () => {
  const service = await startTestService();
  const response = await fetch(`${service.url}/health`);
  assert.is(response.status, 200);
  const body = (await response.json()) as Record<string, string>;
  assert.equal({ status: body.status, database: body.database, pgBoss: body.pgBoss }, { status: 'ok', database: 'ok', pgBoss: 'started' });
  assert.ok(['connected', 'reconnecting'].includes(body.listener));
  assert.ok(Date.parse(body.lastReconcileAt) > Date.now() - 60_000);
});

test('/metrics after runs: runs by status, recordings changed, duration histogram, last reconcile', async () => {
  await stopAll();
  const pool = db();
  await insertRecordings(pool, 30);
  const service = await startTestService();
  const job = await insertJob(pool, { name: 'measured' });
  await pool.query(`SELECT conflag.request_run('measured')`);
  await waitFor(async () => (await runsOf(pool, job))[0]?.status === 'succeeded', { what: 'the first run' });
  await pool.query(`SELECT conflag.request_run('measured')`);
  await waitFor(async () => (await runsOf(pool, job))[1]?.status === 'succeeded', { what: 'the second run' });
  const response = await fetch(`${service.url}/metrics`);
  assert.is(response.status, 200);
  assert.is(response.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  const text = await response.text();
  const m = parse(text);
  for (const name of ['conflag_runs_total', 'conflag_recordings_changed_total', 'conflag_run_duration_seconds', 'conflag_queue_lag_seconds', 'conflag_schedule_last_reconcile_timestamp_seconds']) {
    assert.match(text, `# TYPE ${name} `);
  }
  assert.is(m.get('conflag_runs_total{status="succeeded",trigger="manual"}'), 2);
  assert.is(m.get('conflag_recordings_changed_total'), 10, 'the first run flags 10, the second none');
  assert.is(m.get('conflag_recordings_matched_total'), 20);
  assert.is(m.get('conflag_run_duration_seconds_count{status="succeeded"}'), 2);
  assert.is(m.get('conflag_run_duration_seconds_bucket{le="+Inf",status="succeeded"}'), 2);
  assert.ok(m.get('conflag_run_duration_seconds_bucket{le="60",status="succeeded"}')! <= m.get('conflag_run_duration_seconds_bucket{le="+Inf",status="succeeded"}')!);
  assert.is(m.get('conflag_runs_active'), 0);
  const reconciled = m.get('conflag_schedule_last_reconcile_timestamp_seconds')!;
  assert.ok(reconciled > Date.now() / 1000 - 60 && reconciled <= Date.now() / 1000 + 1, String(reconciled));
  assert.is(m.get('conflag_queue_lag_seconds'), 0, 'nothing waits');
});

test('queue lag grows while a run waits for a busy runner', async () => {
  await stopAll();
  const pool = db();
  await pool.query('UPDATE conflag.recordings SET confidential = false');
  const service = await startTestService({ config: { concurrency: 1 } });
  const blocked = await insertJob(pool, { name: 'blocking' });
  const waiting = await insertJob(pool, { name: 'waiting' });
  const lock = await lockMatchingRecording(pool);
  try {
    await pool.query(`SELECT conflag.request_run('blocking')`);
    await waitFor(async () => (await runsOf(pool, blocked))[0]?.status === 'running', { what: 'the blocking run' });
    await pool.query(`SELECT conflag.request_run('waiting')`);
    await new Promise((r) => setTimeout(r, 1_500));
    const m = parse(await (await fetch(`${service.url}/metrics`)).text());
    assert.ok(m.get('conflag_queue_lag_seconds')! >= 1, `lag ${m.get('conflag_queue_lag_seconds')}`);
    assert.is(m.get('conflag_queue_waiting_runs'), 1);
    assert.is(m.get('conflag_runs_active'), 1);
  } finally {
    await lock.release();
  }
  await waitFor(async () => (await runsOf(pool, waiting))[0]?.status === 'succeeded', { what: 'the waiting run' });
  const m = parse(await (await fetch(`${service.url}/metrics`)).text());
  assert.is(m.get('conflag_queue_lag_seconds'), 0);
  assert.is(m.get('conflag_run_requests_picked_up_total'), 2);
});

test('/health answers 503 while the runner is stopping', async () => {
  await stopAll();
  const pool = db();
  await pool.query('UPDATE conflag.recordings SET confidential = false');
  const service = await startTestService({ config: { shutdownTimeoutMs: 10_000 } });
  const job = await insertJob(pool, { name: 'in progress at shutdown' });
  const lock = await lockMatchingRecording(pool);
  let stopping: Promise<void> | undefined;
  try {
    await pool.query(`SELECT conflag.request_run('in progress at shutdown')`);
    await waitUntilBlocked(pool, job);
    stopping = service.stop();
    const response = await fetch(`${service.url}/health`);
    assert.is(response.status, 503);
    assert.is(((await response.json()) as { stopping?: boolean }).stopping, true);
  } finally {
    await lock.release();
  }
  await stopping;
  // Its batch finished; the executor then sees the stop request (before looking for another batch).
  const [run] = await runsOf(pool, job);
  assert.ok(['succeeded', 'aborted'].includes(run.status), run.status);
  assert.is(run.changed, '10');
});

test.run();
