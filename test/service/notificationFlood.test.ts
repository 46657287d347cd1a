// Any login can NOTIFY conflag's channels (PostgreSQL has no privilege for it). A flood of oversized, malformed
// notifications from a login with no grant at all costs the runner a counter, not a log line each; and a real
// change still reaches it through NOTIFY at once. With a real runner process, its whole output measured.
import pg from 'pg';
import * as assert from 'uvu/assert';
import { closePools } from '../lib/db.ts';
import { createLoginRole, type LoginRole } from '../lib/loginRole.ts';
import { suite } from '../lib/suite.ts';
import { db, insertJob, spawnRunner, stopAll, waitFor } from './helpers.ts';

const test = suite('runner: notification channels');
const roles: LoginRole[] = [];
test.after(async () => {
  await stopAll();
  for (const role of roles.splice(0)) await role.drop();
  await closePools();
});

const FLOOD = 5_000;

async function ignored(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return [...text.matchAll(/^conflag_notifications_ignored_total\{channel="[^"]+"\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
}

test('5 000 oversized notifications from a login with no grants: all ignored, a bounded log, real changes still arrive', async () => {
  const runner = await spawnRunner({ LOG_LEVEL: 'info' });
  await waitFor(async () => ((await (await fetch(`${runner.url}/health`)).json()) as { listener?: string }).listener === 'connected', { what: 'the runner to LISTEN' });
  const stranger = await createLoginRole('stranger');
  roles.push(stranger);
  const flooder = new pg.Client({ connectionString: stranger.url });
  await flooder.connect();
  const before = runner.output().length;
  try {
    const grants = await flooder.query(`SELECT has_schema_privilege('conflag', 'USAGE') AS usage`);
    assert.is(grants.rows[0].usage, false, 'the login has no grant on conflag');
    // Distinct payloads (PostgreSQL folds identical ones within a transaction), 7 kB each, on every channel.
    for (const channel of ['conflag_jobs', 'conflag_run_requests', 'conflag_email_outbox']) {
      await flooder.query(`SELECT count(pg_notify($1, i || repeat('x', 7000))) FROM generate_series(1, $2::int) i`, [channel, FLOOD / 5]);
    }
    await flooder.query(`SELECT count(pg_notify('conflag_jobs', format('{"op":"DROP","id":%s}', i))) FROM generate_series(1, $1::int) i`, [FLOOD / 5]);
    await flooder.query(`SELECT count(pg_notify('conflag_jobs', format('{"op":"UPDATE","id":%s,"x":"%s"}', i, repeat('y', 150)))) FROM generate_series(1, $1::int) i`, [FLOOD / 5]);
  } finally {
    await flooder.end();
  }
  await waitFor(async () => (await ignored(runner.url)) === FLOOD, { timeoutMs: 30_000, what: () => `the runner to ignore ${FLOOD} notifications` });
  const logged = runner.output().slice(before);
  const warnings = logged.split('\n').filter((line) => line.includes('malformed or oversized notification'));
  assert.ok(warnings.length >= 1 && warnings.length <= 2, `at most two warnings per interval, got ${warnings.length}`);
  assert.ok(logged.length < 20_000, `the flood added ${logged.length} bytes to the log`);

  // A real change still arrives by NOTIFY: the schedule appears long before the (hourly in tests) reconcile.
  const job = await insertJob(db(), { name: 'after the flood', schedule: '*/5 * * * *' });
  await waitFor(async () => (await db().query('SELECT 1 FROM conflag.job_schedules WHERE job_id = $1', [job])).rowCount === 1, {
    timeoutMs: 10_000, what: 'the new job to be scheduled through NOTIFY',
  });
  console.log(`figures: ${FLOOD} notifications (${Math.round((FLOOD * 7) / 1024)} MB) from a login with no grants; ignored: ${await ignored(runner.url)}; ` +
    `warnings logged: ${warnings.length}; log bytes during the flood: ${logged.length}`);
});

test.run();
