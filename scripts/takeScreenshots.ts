// Screenshots of every job page into docs/screenshots/, for the README and docs/operations.md:
//   npm run screenshots        (a throw-away embedded PostgreSQL; or DATABASE_URL=... to use a server where it may
//                               create the database conflag_screenshots)
// Loads demo recordings, the demo job and a "clear" job, runs them a few times as the data grows (with the detailed
// log on), starts a runner service on a free port and photographs the pages in Debian's Chromium — desktop width,
// and the job page at a phone's width too.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { openBenchDatabase } from '../bench/lib/benchDatabase.ts';
import { migrate } from '../src/db/migrate.ts';
import { recordingHref } from '../src/pages/recordingPage.ts';
import { createLogger } from '../src/log.ts';
import { executeRun } from '../src/run/executeRun.ts';
import { startService } from '../src/service/startService.ts';
import { insertDemoJob } from '../src/sql/insertDemoJob.ts';
import { insertDemoRecordings } from '../src/sql/insertDemoRecordings.ts';
import { launchChromium } from '../test/lib/chromium.ts';

const OUT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'screenshots');
const log = createLogger({ level: 'warn', pretty: false });

async function loadHistory(pool: pg.Pool): Promise<{ jobId: string; runId: string; recordingKey: string }> {
  const client = await pool.connect();
  try {
    await insertDemoRecordings(client, 20_000);
    const { id: jobId } = await insertDemoJob(client);
    await client.query(`UPDATE conflag.jobs SET log_enabled = true, timezone = 'Europe/Berlin', notify_on_failure = 'every_time',
                               notify_emails = 'ops@example.com' WHERE id = $1`, [jobId]);
    await client.query(`INSERT INTO conflag.jobs (name, condition, action, schedule, timezone)
                        VALUES ('clear internal calls', '{"all": [{"fact": "direction", "operator": "equal", "value": "internal"}]}', 'clear', '0 1 * * *', 'Europe/Berlin')`);
    let runId = '';
    for (let round = 0; round < 8; round++) {
      const result = await executeRun(pool, jobId, { trigger: round % 3 ? 'schedule' : 'manual' });
      if (result.changed > 0) runId = result.runId;
      await insertDemoRecordings(client, 1_000 + 700 * round, 0.1 + round / 10);
    }
    const { rows } = await client.query(`SELECT recording_key::text AS key FROM conflag.flag_history WHERE run_id = $1 LIMIT 1`, [runId]);
    return { jobId, runId, recordingKey: rows[0].key };
  } finally {
    client.release();
  }
}

const { url, stop } = await openBenchDatabase('conflag_screenshots');
const pool = new pg.Pool({ connectionString: url, max: 4 });
try {
  await migrate(url);
  const { jobId, runId, recordingKey } = await loadHistory(pool);
  const service = await startService({ databaseUrl: url, httpPort: 0, log, pages: { host: '127.0.0.1', token: null } });
  const browser = await launchChromium({ viewport: { width: 1200, height: 900 } });
  try {
    const shots: Array<[string, string, { width: number; height: number }]> = [
      ['jobs.png', '/', { width: 1200, height: 900 }],
      ['job.png', `/jobs/${jobId}?preview=1`, { width: 1200, height: 900 }],
      ['job-phone.png', `/jobs/${jobId}`, { width: 390, height: 844 }],
      ['run.png', `/runs/${runId}`, { width: 1200, height: 900 }],
      ['recording.png', recordingHref(recordingKey), { width: 1200, height: 900 }],
    ];
    for (const [file, at, viewport] of shots) {
      const page = await browser.context.newPage();
      await page.setViewportSize(viewport);
      const response = await page.goto(service.url + at);
      if (response?.status() !== 200) throw new Error(`${at} answered ${response?.status()}`);
      await page.screenshot({ path: path.join(OUT, file), fullPage: true });
      console.log(`docs/screenshots/${file}  <- ${at}`);
      await page.close();
    }
  } finally {
    await browser.close();
    await service.stop();
  }
} finally {
  await pool.end();
  await stop();
}
