// docs/own-table.md runs as written: its ```sql blocks in order on one connection, each ```text block after one
// being exactly what it printed — its error (ERROR:/HINT:) or its notices (NOTICE:) — and its ```sh blocks'
// `npx conflag ...` lines through the CLI entry point. Then the walk-through's outcome is checked: the calls of
// both platform tables it flagged, and conflag back on conflag.recordings with its triggers.
import * as assert from 'uvu/assert';
import pg from 'pg';
import { main } from '../../src/cli/main.ts';
import { closePools, databaseUrl, openPool } from '../lib/db.ts';
import { markdownBlocks } from '../lib/markdownBlocks.ts';
import { suite } from '../lib/suite.ts';

const DOC = new URL('../../docs/own-table.md', import.meta.url);
const test = suite('docs/own-table.md');
test.after(closePools);

/** The arguments of one `npx conflag ...` line: words, or '...' quoted. */
function cliArguments(line: string): string[] {
  return [...line.slice('npx conflag '.length).matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]);
}

async function runCommand(line: string, at: number): Promise<void> {
  let output = '';
  const sink = { write: (c: string) => ((output += c), true) } as unknown as NodeJS.WritableStream;
  const code = await main(cliArguments(line), { stdout: sink, stderr: sink });
  assert.is(code, 0, `docs/own-table.md line ${at}: ${line} exited ${code}:\n${output}`);
}

test('every block runs as written, with exactly the errors and notices shown', async () => {
  const blocks = markdownBlocks(DOC);
  const client = new pg.Client({ connectionString: databaseUrl() });
  await client.connect();
  const notices: string[] = [];
  client.on('notice', (n) => notices.push(`NOTICE:  ${n.message}\n`));
  let checked = 0;
  try {
    for (let i = 0; i < blocks.length; i++) {
      const block = blocks[i];
      if (block.lang === 'sh') {
        for (const line of block.body.split('\n').filter((l) => l.startsWith('npx conflag '))) await runCommand(line, block.line);
        continue;
      }
      if (block.lang !== 'sql') continue;
      const next = blocks[i + 1]?.lang === 'text' ? blocks[i + 1] : undefined;
      notices.length = 0;
      let error: (Error & { hint?: string }) | undefined;
      await client.query(block.body).catch((caught: Error) => (error = caught));
      const printed = error ? `ERROR:  ${error.message}\n${error.hint ? `HINT:  ${error.hint}\n` : ''}` : notices.join('');
      if (!next) {
        assert.is(error, undefined, `docs/own-table.md line ${block.line}: the block failed: ${error?.message}`);
        continue;
      }
      assert.fixture(printed, next.body, `docs/own-table.md line ${next.line}: what the block at line ${block.line} printed differs`);
      checked++;
    }
  } finally {
    await client.end();
  }
  assert.ok(checked >= 7, `errors and notices checked: ${checked}`);
});

test('the walk-through flagged the billing calls that mention a card, in both tables, and left conflag on its own table', async () => {
  const pool = openPool();
  const flagged = await pool.query(`SELECT customer_id::int AS customer, queue, confidential_by_run IS NOT NULL AS by_run, confidential_since IS NOT NULL AS stamped
                                      FROM platform.calls WHERE is_confidential ORDER BY started`);
  assert.equal(flagged.rows, [
    { customer: 1, queue: 'Billing', by_run: true, stamped: true },
    { customer: 2, queue: 'Billing', by_run: true, stamped: true },
  ]);
  const byMonth = await pool.query(`SELECT tableoid::regclass::text AS part, count(*)::int AS n FROM platform.calls_by_month WHERE is_confidential GROUP BY 1 ORDER BY 1`);
  assert.equal(byMonth.rows, [{ part: 'platform.calls_2025_03', n: 2 }, { part: 'platform.calls_2025_05', n: 1 }]);
  const source = await pool.query(`SELECT table_schema, table_name FROM conflag.recording_source`);
  assert.equal(source.rows, [{ table_schema: 'conflag', table_name: 'recordings' }]);
  const triggers = await pool.query(`SELECT tgrelid::regclass::text AS rel, count(*)::int AS n FROM pg_trigger WHERE tgname LIKE 'conflag_log_%' GROUP BY 1`);
  assert.equal(triggers.rows, [{ rel: 'conflag.recordings', n: 2 }]);
});

test.run();
