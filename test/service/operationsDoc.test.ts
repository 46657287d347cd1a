// The SQL an operator is given in docs/operations.md for runs, retries and failures runs as written, and says
// what the page says: the "which running runs are alive" query tells a live run from a dead one, the queue query
// reads pg-boss's table, the recent-failures query lists an interrupted run. (The "Notifications" blocks run in
// test/notify/outbox.test.ts.)
import * as assert from 'uvu/assert';
import { closePools } from '../lib/db.ts';
import { markdownBlocks } from '../lib/markdownBlocks.ts';
import { suite } from '../lib/suite.ts';
import { db, insertJob, startTestService, stopAll } from './helpers.ts';

const test = suite('runner: docs/operations.md SQL');
test.after(async () => {
  await stopAll();
  await closePools();
});

const SECTIONS = ['One run of a job at a time', 'Retries', 'When things go wrong'];
const blocks = markdownBlocks(new URL('../../docs/operations.md', import.meta.url)).filter((b) => b.lang === 'sql' && SECTIONS.includes(b.section));

test('the sections have their SQL', () => {
  assert.equal([...new Set(blocks.map((b) => b.section))], SECTIONS);
});

test('every block runs as written, and the liveness query tells a live run from a dead one', async () => {
  const pool = db();
  // pg-boss's schema, as a runner creates it.
  await (await startTestService()).stop();
  const live = await insertJob(pool, { name: 'alive' });
  const dead = await insertJob(pool, { name: 'dead' });
  const session = await pool.connect();
  try {
    await session.query(`SELECT pg_advisory_lock(conflag.run_lock_key($1))`, [live]);
    const insertRun = `INSERT INTO conflag.job_runs (job_id, job_name, trigger, as_of, timezone, mode, action, condition)
                       SELECT id, name, 'schedule', now(), 'UTC', mode, action, condition FROM conflag.jobs WHERE id = $1 RETURNING id::text`;
    const liveRun = (await pool.query(insertRun, [live])).rows[0].id;
    const deadRun = (await pool.query(insertRun, [dead])).rows[0].id;
    const results = new Map<string, Array<Record<string, unknown>>>();
    for (const block of blocks) {
      const result = await pool.query(block.body).catch((error: Error) => {
        throw new Error(`docs/operations.md line ${block.line} (${block.section}) failed: ${error.message}\n${block.body}`);
      });
      results.set(block.section + block.line, result.rows);
    }
    const alive = [...results.entries()].find(([key]) => key.startsWith('One run of a job at a time'))![1];
    assert.equal(alive.map((r) => [r.id, r.alive]).sort(), [[liveRun, true], [deadRun, false]].sort());
    // The keep-alive records the dead one; the recent-failures query then lists it.
    await pool.query(`SELECT * FROM conflag.expire_stalled_runs()`);
    const failures = blocks.find((b) => b.section === 'When things go wrong' && b.body.includes("status IN ('interrupted', 'failed')"))!;
    assert.equal((await pool.query(failures.body)).rows.map((r) => [r.id, r.status]), [[deadRun, 'interrupted']]);
  } finally {
    await session.query(`SELECT pg_advisory_unlock_all()`);
    session.release();
  }
});

test.run();
