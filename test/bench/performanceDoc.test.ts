// The SQL of docs/performance.md runs as written, in order, on demo recordings: the hand-written statements the
// bench compares conflag with, and the queries that read rows written and WAL.
import * as assert from 'uvu/assert';
import { insertDemoRecordings } from '../../src/sql/insertDemoRecordings.ts';
import { closePools, openPool } from '../lib/db.ts';
import { markdownBlocks } from '../lib/markdownBlocks.ts';
import { suite } from '../lib/suite.ts';

const test = suite('docs/performance.md');
test.after(closePools);

const blocks = markdownBlocks(new URL('../../docs/performance.md', import.meta.url)).filter((b) => b.lang === 'sql');

test('every sql block runs; each hand-written UPDATE alone flags what the condition selects', async () => {
  const updates = blocks.filter((b) => /^\s*(--[^\n]*\n\s*)*UPDATE/.test(b.body));
  assert.ok(blocks.length >= 4 && updates.length >= 3, `docs/performance.md has ${blocks.length} sql blocks, ${updates.length} UPDATEs`);
  const pool = openPool();
  const client = await pool.connect();
  try {
    // 20 000 demo recordings: ids 1-20 000 in fewer than 4 000 blocks, so the batch examples cover all of them.
    await insertDemoRecordings(client, 20_000);
    const long = Number((await client.query(`SELECT count(*) FROM conflag.recordings WHERE duration > 14400`)).rows[0].count);
    assert.ok(long > 50, `${long} long demo recordings`);
    for (const block of blocks) {
      await client.query('UPDATE conflag.recordings SET confidential = false WHERE confidential');
      const result = await client.query(block.body).catch((error: Error) => {
        throw new Error(`docs/performance.md line ${block.line} failed: ${error.message}\n${block.body}`);
      });
      if (updates.includes(block)) assert.is((result as unknown as { rowCount: number }).rowCount, long, `line ${block.line}`);
    }
  } finally {
    client.release();
  }
});

test.run();
