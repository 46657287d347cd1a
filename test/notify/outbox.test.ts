// The database side of notifications (sql/functions/job_runs_queue_email.sql): which run endings queue an e-mail in
// conflag.email_outbox (email_enabled, notify_on_completion / notify_on_failure, every_time and
// first_consecutive, skipped runs), what the e-mail says (links from settings.portal_url), the recipients list,
// NOTIFY conflag_email_outbox, and the role boundaries. Runs are moved from 'running' to their final status
// with plain UPDATEs, exactly as src/sql/markRunFinished.ts and conflag.expire_stalled_runs() do.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import * as assert from 'uvu/assert';
import { closePools, databaseUrl, openPool } from '../lib/db.ts';
import { dropMemberLogins, memberOf } from '../lib/loginRole.ts';
import { markdownBlocks } from '../lib/markdownBlocks.ts';
import { suite } from '../lib/suite.ts';
import { enableEmail, insertNotifyJob, outboxOf } from './helpers.ts';

const test = suite('notify: the e-mail outbox');
test.after(closePools);
const db = openPool();

/** Records a run of the job that ends with `status` (or is recorded as skipped), returns its id. */
async function run(jobId: string, status: 'succeeded' | 'failed' | 'aborted' | 'skipped', extra: { error?: string; changed?: number } = {}): Promise<string> {
  const client = await db.connect();
  try {
    const columns = `(job_id, job_name, trigger, as_of, timezone, mode, action, condition, status, finished_at, error)`;
    const select = `SELECT id, name, 'schedule', now(), 'Europe/Berlin', mode, action, condition`;
    if (status === 'skipped') {
      const { rows } = await client.query(`INSERT INTO conflag.job_runs ${columns} ${select}, 'skipped', clock_timestamp(), 'job is already running' FROM conflag.jobs WHERE id = $1 RETURNING id::text`, [jobId]);
      return rows[0].id;
    }
    const { rows } = await client.query(`INSERT INTO conflag.job_runs ${columns} ${select}, 'running', NULL, NULL FROM conflag.jobs WHERE id = $1 RETURNING id::text`, [jobId]);
    await client.query(
      `UPDATE conflag.job_runs SET status = $2, finished_at = clock_timestamp(), error = $3, matched = 12, changed = $4 WHERE id = $1 AND status = 'running'`,
      [rows[0].id, status, extra.error ?? (status === 'succeeded' ? null : 'something broke'), extra.changed ?? 3],
    );
    return rows[0].id;
  } finally {
    client.release();
  }
}

/** Runs a sequence such as 'F F S A -' (F failed, S succeeded, A aborted, - skipped); returns the kinds queued per run. */
async function sequence(jobId: string, steps: string): Promise<string> {
  const status = { F: 'failed', S: 'succeeded', A: 'aborted', '-': 'skipped' } as const;
  const runs: string[] = [];
  for (const step of steps.split(' ')) runs.push(await run(jobId, status[step as keyof typeof status]));
  const mails = await outboxOf(db, jobId);
  return runs.map((id) => mails.find((m) => m.run_id === id)?.kind[0].toUpperCase() ?? '.').join(' ');
}

test.before(async () => {
  await enableEmail(db);
});

test('every_time: each failed or aborted run queues a failure e-mail, each success a completion e-mail; skipped runs none', async () => {
  const job = await insertNotifyJob(db, { name: 'every time', onFailure: 'every_time', onCompletion: 'every_time' });
  assert.is(await sequence(job, 'F F - A S S F'), 'F F . F C C F');
});

test('first_consecutive on failure: only the first of consecutive failures (aborted counts as a failure, skipped runs do not count)', async () => {
  const job = await insertNotifyJob(db, { name: 'first failure', onFailure: 'first_consecutive' });
  // fail, fail, fail -> one e-mail; a success in between starts a new series; the very first failure notifies.
  assert.is(await sequence(job, 'F F F'), 'F . .');
  assert.is(await sequence(job, 'S F A - F S - A'), '. F . . . . . F');
});

test('first_consecutive on completion: the first success after failures (or the first run ever) notifies', async () => {
  const job = await insertNotifyJob(db, { name: 'first success', onCompletion: 'first_consecutive' });
  assert.is(await sequence(job, 'S S F S - S A A S'), 'C . . C . . . . C');
});

test('first_consecutive on both: each change of outcome notifies once', async () => {
  const job = await insertNotifyJob(db, { name: 'changes only', onCompletion: 'first_consecutive', onFailure: 'first_consecutive' });
  assert.is(await sequence(job, 'F F S S F S'), 'F . C . F C');
});

test('off, or email_enabled = false: nothing is queued', async () => {
  const off = await insertNotifyJob(db, { name: 'quiet', onCompletion: 'off', onFailure: 'off', emails: 'ops@example.com' });
  assert.is(await sequence(off, 'F S'), '. .');
  const job = await insertNotifyJob(db, { name: 'while disabled', onCompletion: 'every_time', onFailure: 'every_time' });
  await db.query(`UPDATE conflag.settings SET email_enabled = false`);
  try {
    assert.is(await sequence(job, 'F S'), '. .');
  } finally {
    await db.query(`UPDATE conflag.settings SET email_enabled = true`);
  }
  assert.is(await sequence(job, 'F'), 'F', 'queued again once e-mail is enabled');
});

test('the e-mail names the job, outcome, run, counts and error, and links to <portal_url>/jobs/<id>', async () => {
  const job = await insertNotifyJob(db, { name: 'Flag "long" calls', onFailure: 'every_time', onCompletion: 'every_time', emails: ' ops@example.com,Boss@Example.com , ops@EXAMPLE.com, dba@example.org' });
  const failed = await run(job, 'failed', { error: 'batch 2 failed and was rolled back: division by zero (SQLSTATE 22012)' });
  const [mail] = await outboxOf(db, job);
  assert.equal(mail.recipients, ['ops@example.com', 'Boss@Example.com', 'dba@example.org'], 'trimmed, duplicates ignoring case removed');
  assert.is(mail.subject, `conflag: job "Flag "long" calls" failed (run ${failed})`);
  assert.is(mail.status, 'pending');
  assert.is(mail.attempts, 0);
  for (const part of [`Job "Flag "long" calls" (id ${job}) failed.`, `Run:       ${failed} (schedule, attempt 1)`, 'Status:    failed',
    'Matched:   12 recording(s)', 'Changed:   3 recording(s)', 'Error:     batch 2 failed and was rolled back: division by zero (SQLSTATE 22012)',
    `Job details: https://recordings.example.com/jobs/${job} (run ${failed})`, 'Europe/Berlin']) {
    assert.ok(mail.body.includes(part), `body has ${JSON.stringify(part)}:\n${mail.body}`);
  }
  const succeeded = await run(job, 'succeeded', { changed: 7 });
  const completion = (await outboxOf(db, job)).find((m) => m.run_id === succeeded)!;
  assert.is(completion.kind, 'completion');
  assert.is(completion.subject, `conflag: job "Flag "long" calls" succeeded, 7 recording(s) changed (run ${succeeded})`);
  assert.not.ok(completion.body.includes('Error:'), completion.body);
});

test('without a portal_url the e-mail says how to set one; compose_run_email previews any run', async () => {
  const job = await insertNotifyJob(db, { name: 'no portal', onFailure: 'every_time' });
  await db.query(`UPDATE conflag.settings SET portal_url = NULL`);
  try {
    const id = await run(job, 'aborted', { error: 'execution time limit of 5 minutes reached' });
    const [mail] = await outboxOf(db, job);
    assert.is(mail.subject, `conflag: job "no portal" was aborted (run ${id})`);
    assert.ok(mail.body.includes("No link to the job: conflag.settings.portal_url is not set (UPDATE conflag.settings SET portal_url = 'https://...')."), mail.body);
    assert.not.ok(mail.body.includes('/jobs/'), mail.body);
    const preview = await db.query(`SELECT subject, body FROM conflag.compose_run_email($1)`, [id]);
    assert.equal(preview.rows[0], { subject: mail.subject, body: mail.body });
  } finally {
    await db.query(`UPDATE conflag.settings SET portal_url = 'https://recordings.example.com/'`);
  }
});

test('NOTIFY conflag_email_outbox carries the new e-mail id, sent on commit', async () => {
  const job = await insertNotifyJob(db, { name: 'notifier', onFailure: 'every_time' });
  const listener = new pg.Client({ connectionString: databaseUrl() });
  await listener.connect();
  try {
    const payloads: string[] = [];
    listener.on('notification', (n) => n.channel === 'conflag_email_outbox' && payloads.push(n.payload ?? ''));
    await listener.query('LISTEN conflag_email_outbox');
    await run(job, 'failed');
    const [mail] = await outboxOf(db, job);
    for (let i = 0; i < 50 && !payloads.length; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(payloads, [mail.id]);
  } finally {
    await listener.end();
  }
});

test('one e-mail per run, and it goes with its run when history is pruned', async () => {
  const job = await insertNotifyJob(db, { name: 'once', onFailure: 'every_time' });
  const id = await run(job, 'failed');
  // A run set back to running and ended again (by hand) does not queue a second e-mail.
  await db.query(`UPDATE conflag.job_runs SET status = 'running', finished_at = NULL WHERE id = $1`, [id]);
  await db.query(`UPDATE conflag.job_runs SET status = 'failed', finished_at = clock_timestamp() WHERE id = $1`, [id]);
  assert.is((await outboxOf(db, job)).length, 1);
  await db.query(`DELETE FROM conflag.job_runs WHERE id = $1`, [id]);
  assert.is((await outboxOf(db, job)).length, 0);
});

test('a problem while queuing never keeps a run from being recorded: it becomes a warning', async () => {
  const job = await insertNotifyJob(db, { name: 'broken composer', onFailure: 'every_time' });
  const client = await db.connect();
  const warnings: string[] = [];
  client.on('notice', (n) => warnings.push(n.message ?? ''));
  try {
    await client.query('BEGIN');
    // The outbox is unavailable (here: renamed away inside this transaction).
    await client.query('ALTER TABLE conflag.email_outbox RENAME TO email_outbox_gone');
    const { rows } = await client.query(`INSERT INTO conflag.job_runs (job_id, job_name, trigger, as_of, timezone, mode, action, condition)
      SELECT id, name, 'manual', now(), 'UTC', mode, action, condition FROM conflag.jobs WHERE id = $1 RETURNING id`, [job]);
    const updated = await client.query(`UPDATE conflag.job_runs SET status = 'failed', finished_at = clock_timestamp() WHERE id = $1`, [rows[0].id]);
    assert.is(updated.rowCount, 1);
    assert.ok(warnings.some((w) => w.includes(`the notification e-mail for run ${rows[0].id} could not be queued`)), warnings.join('\n'));
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
});

test('roles: runner reads and settles e-mails but cannot insert; admin and reporting only read', async () => {
  const job = await insertNotifyJob(db, { name: 'roles', onFailure: 'every_time' });
  await run(job, 'failed');
  const [mail] = await outboxOf(db, job);
  // Each role as a real login that is a member of it, one rolled-back transaction per statement.
  const as = async (role: string, sql: string, params: unknown[] = []) => {
    const client = new pg.Client({ connectionString: (await memberOf(role)).url });
    await client.connect();
    await client.query('BEGIN');
    try {
      await client.query(sql, params);
      return 'ok';
    } catch (error) {
      return (error as { code?: string }).code;
    } finally {
      await client.query('ROLLBACK');
      await client.end();
    }
  };
  try {
    // The runner changes the outbox only through its functions (migration 0010): claim, then settle that attempt.
    const claim = `SELECT * FROM conflag.claim_due_email(NULL, 60000, 5, 'test')`;
    const settle = `SELECT conflag.settle_email($1, 1, 'x', NULL, NULL)`;
    const direct = `UPDATE conflag.email_outbox SET status = 'sent', sent_at = now(), attempts = 1, message_id = 'x' WHERE id = $1`;
    const insert = `INSERT INTO conflag.email_outbox (run_id, kind, recipients, subject, body) VALUES ($1, 'failure', '{a@b.c}', 's', 'b')`;
    assert.is(await as('conflag_runner', claim), 'ok');
    assert.is(await as('conflag_runner', settle, [mail.id]), 'ok');
    assert.is(await as('conflag_runner', direct, [mail.id]), '42501');
    assert.is(await as('conflag_runner', insert, [mail.run_id]), '42501');
    assert.is(await as('conflag_runner', `UPDATE conflag.email_outbox SET body = 'changed' WHERE id = $1`, [mail.id]), '42501');
    for (const role of ['conflag_admin', 'conflag_reporting']) {
      assert.is(await as(role, 'SELECT id, status, recipients, subject, body FROM conflag.email_outbox'), 'ok', role);
      assert.is(await as(role, settle, [mail.id]), '42501', role);
      assert.is(await as(role, direct, [mail.id]), '42501', role);
      assert.is(await as(role, insert, [mail.run_id]), '42501', role);
    }
  } finally {
    await dropMemberLogins();
  }
});

test('the outbox, its columns, routines and trigger are commented', async () => {
  const { rows } = await db.query<{ object: string }>(
    `SELECT 'table email_outbox' AS object WHERE obj_description('conflag.email_outbox'::regclass, 'pg_class') IS NULL
     UNION ALL
     SELECT 'column ' || a.attname FROM pg_attribute a
      WHERE a.attrelid = 'conflag.email_outbox'::regclass AND a.attnum > 0 AND NOT a.attisdropped
        AND col_description(a.attrelid, a.attnum) IS NULL
     UNION ALL
     SELECT 'function ' || f FROM unnest(ARRAY['email_recipients', 'compose_run_email', 'job_runs_queue_email']) f
      WHERE NOT EXISTS (SELECT 1 FROM pg_proc p WHERE p.pronamespace = 'conflag'::regnamespace AND p.proname = f
                           AND obj_description(p.oid, 'pg_proc') IS NOT NULL)
     UNION ALL
     SELECT 'trigger job_runs_queue_email' WHERE NOT EXISTS (
       SELECT 1 FROM pg_trigger t WHERE t.tgname = 'job_runs_queue_email' AND obj_description(t.oid, 'pg_trigger') IS NOT NULL)`,
  );
  assert.equal(rows.map((r) => r.object), []);
});

test('the SQL in docs/operations.md "Notifications" runs as written', async () => {
  const file = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'operations.md');
  const blocks = markdownBlocks(file).filter((b) => b.lang === 'sql' && b.section === 'Notifications');
  assert.ok(blocks.length >= 2, `sql blocks in the section: ${blocks.length}`);
  for (const block of blocks) await db.query(block.body);
});

test.run();
