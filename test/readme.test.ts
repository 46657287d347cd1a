// README's SQL quick-start runs as written, against a real runner: the request is picked up, the long call
// is flagged by the job's run, and the audit shows every change.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import * as assert from 'uvu/assert';
import { createLogger } from '../src/log.ts';
import { startService, type Service } from '../src/service/startService.ts';
import { closePools, databaseUrl, openPool } from './lib/db.ts';
import { markdownBlocks } from './lib/markdownBlocks.ts';
import { waitFor } from './lib/waitFor.ts';
import { suite } from './lib/suite.ts';

const README = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'README.md');
const test = suite('README quick-start');
let service: Service | undefined;
let client: pg.Client | undefined;

test.after(async () => {
  await service?.stop();
  await client?.end();
  await closePools();
});

test('the quick-start blocks run in order and do what they say', async () => {
  const sql = markdownBlocks(README).filter((b) => b.lang === 'sql');
  const start = sql.findIndex((b) => b.body.includes('INSERT INTO conflag.recordings'));
  const blocks = sql.slice(start);
  assert.ok(blocks.length >= 4, `README has the quick-start blocks (${blocks.length})`);
  service = await startService({ databaseUrl: databaseUrl(), httpPort: 0, log: createLogger({ level: 'warn', pretty: false }) });
  client = new pg.Client({ connectionString: databaseUrl() });
  await client.connect();
  const pool = openPool();

  for (const block of blocks) {
    try {
      await client.query(block.body);
    } catch (error) {
      assert.unreachable(`README.md line ${block.line} failed: ${(error as Error).message}\n${block.body}`);
    }
    if (block.body.includes('conflag.request_run(')) {
      // The runner picks the request up and flags the 2.5-hour call.
      const run = await waitFor(async () => {
        const { rows } = await pool.query(
          `SELECT r.status, r.changed::int AS changed FROM conflag.job_runs r JOIN conflag.jobs j ON j.id = r.job_id
            WHERE j.name = 'Flag calls over 2 hours' AND r.status <> 'running'`,
        );
        return rows[0];
      }, { timeoutMs: 30_000, what: 'the requested run to finish' });
      assert.equal(run, { status: 'succeeded', changed: 1 });
      const { rows } = await pool.query(
        `SELECT confidential, confidential_changed_by_run IS NOT NULL AS by_run FROM conflag.recordings WHERE call_id = 'c-1001'`,
      );
      assert.equal(rows, [{ confidential: true, by_run: true }]);
    }
  }
  const audit = await pool.query(`SELECT operation FROM conflag.job_changes ORDER BY id`);
  assert.equal(audit.rows.map((r) => r.operation), ['INSERT', 'UPDATE', 'UPDATE', 'DELETE']);
  const jobs = await pool.query(`SELECT count(*)::int AS n FROM conflag.jobs`);
  assert.is(jobs.rows[0].n, 0);
});

test.run();
