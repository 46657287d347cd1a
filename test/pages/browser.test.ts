// The job pages in a real browser (Debian's Chromium via playwright-core) against a real runner service: the
// notification e-mail's link leads to the job, the job to a run, the run to its log file download; the jobs page
// lists every job and the fights it saw; a job named like an HTML tag shows as text and runs nothing; a recording says why it is
// confidential; with a token the pages refuse without it and admit with it, while /health needs none.
import * as assert from 'uvu/assert';
import { executeRun } from '../../src/run/executeRun.ts';
import { launchChromium, type Chromium } from '../lib/chromium.ts';
import { closePools } from '../lib/db.ts';
import { suite } from '../lib/suite.ts';
import { db, insertJob, insertJobSavedUnderOlderRules, insertRecordings, startTestService, stopAll } from '../service/helpers.ts';

const test = suite('pages: in Chromium');
const HOSTILE = `<img src=x onerror="document.title='pwned'">Flag long calls`;
const TOKEN = 'correct-horse-battery-staple-42';
let browser: Chromium | undefined;
let jobId = 0;

test.before(async () => {
  const pool = db();
  await insertRecordings(pool, 30);
  jobId = await insertJob(pool, { name: HOSTILE });
  await pool.query(
    `UPDATE conflag.jobs SET log_enabled = true, notify_on_completion = 'every_time', notify_emails = 'ops@example.com' WHERE id = $1`,
    [jobId],
  );
  await insertJobSavedUnderOlderRules(pool, { name: 'Never on February 30', schedule: '0 0 30 2 *' });
});

test.after(async () => {
  await browser?.close();
  await stopAll();
  await closePools();
});

/** The link of the e-mail the outbox trigger composed for the job's latest run. */
async function emailLink(): Promise<string> {
  const { rows } = await db().query(`SELECT body FROM conflag.email_outbox WHERE job_id = $1 ORDER BY id DESC LIMIT 1`, [jobId]);
  assert.ok(rows[0], 'the run queued a notification e-mail');
  const link = /Job details: (\S+)/.exec(rows[0].body)?.[1];
  assert.ok(link, rows[0].body);
  return link!;
}

test('e-mail link -> job -> run -> log download, the jobs page, and a hostile job name shown as text', async () => {
  const service = await startTestService({ pages: { host: '127.0.0.1', token: null } });
  await db().query(`UPDATE conflag.settings SET email_enabled = true, email_from = 'conflag@example.com', portal_url = $1`, [service.url]);
  const first = await executeRun(db(), jobId, { trigger: 'manual' });
  assert.is(first.status, 'succeeded');
  assert.is(first.changed, 10);
  const link = await emailLink();
  assert.is(link, `${service.url}/jobs/${jobId}`);

  browser = await launchChromium();
  const page = await browser.context.newPage();
  const dialogs: string[] = [];
  page.on('dialog', (d) => void dialogs.push(d.message()));
  const response = await page.goto(link);
  assert.is(response?.status(), 200);
  assert.is(await page.locator('h1').textContent(), HOSTILE, 'the name is text, tags and all');
  assert.is(await page.locator('img').count(), 0, 'no <img> element came from the name');
  assert.is(await page.title(), `${HOSTILE} · conflag`, 'the title is the name as text, not what a script made of it');
  assert.match(await page.locator('#condition').textContent() ?? '', 'duration greater than 7\u2009200 s (2 h)');
  assert.match(await page.locator('#sql').textContent() ?? '', 'r.duration');
  assert.match(await page.locator('#settings').textContent() ?? '', 'sets the confidential flag');
  assert.is(await page.locator('svg.chart rect').count(), 1, 'one bar per finished run');

  // The preview is computed on request, read-only.
  await page.click('text=Compute a preview now');
  assert.match(await page.locator('#preview').textContent() ?? '', /matching now\s*10 recordings/);
  assert.match(await page.locator('#preview').textContent() ?? '', /a run would change\s*0/);

  await page.click(`#run-history a[href="/runs/${first.runId}"]`);
  assert.is(new URL(page.url()).pathname, `/runs/${first.runId}`);
  assert.match(await page.locator('#run-facts').textContent() ?? '', 'succeeded');
  const { batches } = (await db().query(`SELECT batches FROM conflag.job_runs WHERE id = $1`, [first.runId])).rows[0];
  assert.ok(batches >= 1);
  assert.is(await page.locator('#batches tbody tr').count(), batches, 'one row per committed batch');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#log-download')]);
  assert.is(download.suggestedFilename(), `conflag-run-${first.runId}.log`);
  const file = await new Response(await download.createReadStream() as unknown as ReadableStream).text();
  assert.match(file, `conflag run ${first.runId} of job`);
  for (const event of ['run_started', 'scan_planned', 'batch', 'run_finished']) assert.match(file, event);

  // A recording the run changed says why it is confidential.
  await page.click('text=Recordings it changed');
  await page.locator('h2:has-text("Recordings it changed") + p a').first().click();
  assert.match(await page.locator('#answer').textContent() ?? '', `This recording is confidential. Job ${HOSTILE} set the flag in run ${first.runId}`);
  assert.is(await page.locator('#flag-history tbody tr').count(), 1);

  // A clear job that fights the first one: its run takes the 10 flags back, and the jobs list shows the fight.
  const rival = await insertJob(db(), { name: 'Clear long calls', action: 'clear' });
  const fight = await executeRun(db(), rival, { trigger: 'manual' });
  assert.is(fight.changed, 10);

  await page.goto(`${service.url}/`);
  const jobs = page.locator('#jobs');
  assert.match(await jobs.locator('tr', { hasText: 'Clear long calls' }).locator('td.conflicts').textContent() ?? '', '⚠ 10 taken back in its last run');
  assert.match(await jobs.locator('tr', { hasText: HOSTILE }).locator('td.conflicts').textContent() ?? '', 'none seen');
  assert.match(await jobs.textContent() ?? '', HOSTILE);
  assert.is(await page.locator('img').count(), 0);
  assert.match(await jobs.textContent() ?? '', 'on request');
  assert.match(await page.locator('#jobs tr.unschedulable').textContent() ?? '', 'cannot be scheduled');
  assert.equal(dialogs, [], 'no script ran');
  await page.close();
});

test('with a token: pages refuse without it or with a wrong one and admit with it; /health needs none', async () => {
  const service = await startTestService({ pages: { host: '127.0.0.1', token: TOKEN } });
  assert.is((await fetch(`${service.url}/health`)).status, 200);
  assert.is((await fetch(`${service.url}/jobs/${jobId}`, { headers: { authorization: `Bearer ${TOKEN}` } })).status, 200, 'a script with the token');
  const basic = (password: string) => `Basic ${Buffer.from(`ops:${password}`).toString('base64')}`;
  assert.is((await fetch(`${service.url}/`, { headers: { authorization: basic(`${TOKEN}x`) } })).status, 401, 'a wrong token, from a script');
  // Chromium shows a 401 it has no (right) credentials for, or ends the navigation with an error; either way the
  // responses it saw say why.
  const attempts: Array<[string, { username: string; password: string } | undefined, number | 'refused']> = [
    ['no token', undefined, 'refused'],
    ['a wrong token', { username: 'ops', password: `${TOKEN}x` }, 'refused'],
    ['the token', { username: 'ops', password: TOKEN }, 200],
  ];
  for (const [what, credentials, expected] of attempts) {
    const chromium = await launchChromium({ httpCredentials: credentials });
    try {
      const page = await chromium.context.newPage();
      const statuses: number[] = [];
      page.on('response', (r) => void statuses.push(r.status()));
      const outcome = await page.goto(`${service.url}/`).then(
        (r) => (r?.status() === 401 ? 'refused' : r?.status()),
        (e: Error) => (/ERR_INVALID_AUTH_CREDENTIALS/.test(e.message) ? 'refused' : e.message),
      );
      assert.is(outcome, expected, what);
      if (expected === 200) {
        assert.match(await page.locator('#jobs').textContent() ?? '', HOSTILE);
      } else {
        assert.ok(statuses.includes(401), `${what}: the server asked for the token (${statuses})`);
        assert.not.ok(statuses.includes(200), `${what}: no page was served (${statuses})`);
      }
    } finally {
      await chromium.close();
    }
  }
});

test.run();
