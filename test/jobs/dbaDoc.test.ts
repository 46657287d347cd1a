// docs/dba.md runs as written: its ```sql blocks are executed in order on one connection, and a ```text block
// starting with "ERROR:" right after a statement is that statement's exact error (message and hint), one starting
// with "WARNING:" its exact warnings — and a block that warns must show them. Before each block the jobs' compiled
// predicates are brought up to date, as a running runner does within a second of a change (conflag.job_conflicts
// counts with them).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as assert from 'uvu/assert';
import pg from 'pg';
import { refreshJobPredicates } from '../../src/conflict/refreshJobPredicates.ts';
import { createLogger } from '../../src/log.ts';
import { closePools, databaseUrl, openPool } from '../lib/db.ts';
import { markdownBlocks } from '../lib/markdownBlocks.ts';
import { suite } from '../lib/suite.ts';

const DOC = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'dba.md');


const test = suite('docs/dba.md');
test.after(closePools);

test('every sql block runs as written, and every documented error is the real one', async () => {
  const all = markdownBlocks(DOC);
  const sqlBlocks = all.filter((b) => b.lang === 'sql');
  assert.ok(sqlBlocks.length >= 15, `docs/dba.md has ${sqlBlocks.length} sql blocks`);
  const client = new pg.Client({ connectionString: databaseUrl() });
  const warnings: string[] = [];
  client.on('notice', (n) => {
    if (n.severity === 'WARNING') warnings.push(`WARNING:  ${n.message}\n${n.hint ? `HINT:  ${n.hint}\n` : ''}`);
  });
  await client.connect();
  const runner = openPool();
  const log = createLogger({ level: 'silent' });
  let expectedErrors = 0;
  let expectedWarnings = 0;
  try {
    for (let i = 0; i < all.length; i++) {
      const block = all[i];
      if (block.lang !== 'sql') continue;
      await refreshJobPredicates(runner, { log });
      const next = all[i + 1];
      const expected = next?.lang === 'text' && next.body.startsWith('ERROR:') ? next.body : undefined;
      let error: (Error & { hint?: string; code?: string }) | undefined;
      warnings.length = 0;
      try {
        await client.query(block.body);
      } catch (caught) {
        error = caught as Error;
      }
      if (next?.lang === 'text' && next.body.startsWith('WARNING:')) {
        expectedWarnings++;
        assert.fixture(warnings.join(''), next.body, `docs/dba.md line ${next.line}: the documented warnings differ`);
      } else {
        assert.equal(warnings, [], `docs/dba.md line ${block.line}: the block warns, but the doc shows no warning`);
      }
      if (!expected) {
        assert.is(error, undefined, `docs/dba.md line ${block.line}: the block failed: ${error?.message}\n${block.body}`);
        continue;
      }
      expectedErrors++;
      assert.ok(error, `docs/dba.md line ${block.line}: the block should fail as documented at line ${next.line}, but it succeeded`);
      const actual = `ERROR:  ${error.message}\n${error.hint ? `HINT:  ${error.hint}\n` : ''}`;
      assert.fixture(actual, expected, `docs/dba.md line ${next.line}: the documented error differs`);
      assert.match(error.code ?? '', /^CF/, 'documented errors are conflag errors');
    }
  } finally {
    await client.end();
  }
  assert.ok(expectedErrors >= 4, `documented errors checked: ${expectedErrors}`);
  assert.ok(expectedWarnings >= 2, `documented warnings checked: ${expectedWarnings}`);
});

test('after the walk-through the jobs are as the doc says', async () => {
  const pool = openPool();
  const { rows } = await pool.query(
    `SELECT name, mode, action, schedule, timezone, access_scope, enabled, notify_on_failure FROM conflag.jobs ORDER BY id`,
  );
  assert.equal(rows, [
    { name: 'Flag calls over 3 hours', mode: 'full', action: 'set', schedule: '*/15 * * * *', timezone: null, access_scope: null, enabled: true, notify_on_failure: 'off' },
    { name: 'Legal and executive calls', mode: 'incremental', action: 'set', schedule: '15,45 * * * *', timezone: null, access_scope: null, enabled: false, notify_on_failure: 'off' },
    {
      name: 'Office hours: priority accounts', mode: 'full', action: 'set', schedule: '0 8-17 * * *', timezone: 'Europe/Berlin',
      access_scope: ['acme', 'globex'], enabled: true, notify_on_failure: 'first_consecutive',
    },
    { name: 'Unflag internal calls', mode: 'full', action: 'clear', schedule: 'hourly', timezone: null, access_scope: null, enabled: true, notify_on_failure: 'off' },
  ]);
  // The conflicts section runs as the tables' owner (this test's login), the rest as conflag_admin.
  const owner = (await pool.query<{ u: string }>('SELECT current_user AS u')).rows[0].u;
  const audit = await pool.query(`SELECT operation, changed_by, count(*)::int AS n FROM conflag.job_changes GROUP BY 1, 2 ORDER BY 1, 2`);
  assert.equal(audit.rows, [
    { operation: 'DELETE', changed_by: 'conflag_admin', n: 1 },
    { operation: 'INSERT', changed_by: 'conflag_admin', n: 4 },
    { operation: 'INSERT', changed_by: owner, n: 1 },
    { operation: 'UPDATE', changed_by: 'conflag_admin', n: 7 },
  ].sort((a, b) => a.operation.localeCompare(b.operation) || a.changed_by.localeCompare(b.changed_by)));
  const precedence = await pool.query(
    `SELECT w.name AS winner, l.name AS loser FROM conflag.job_precedence p JOIN conflag.jobs w ON w.id = p.winner_job_id JOIN conflag.jobs l ON l.id = p.loser_job_id`);
  assert.equal(precedence.rows, [{ winner: 'Flag calls over 3 hours', loser: 'Unflag internal calls' }]);
  const requests = await pool.query(`SELECT j.name FROM conflag.run_requests r JOIN conflag.jobs j ON j.id = r.job_id`);
  assert.equal(requests.rows, [{ name: 'Legal and executive calls' }]);
  const settings = await pool.query(`SELECT email_enabled, default_timezone FROM conflag.settings`);
  assert.equal(settings.rows, [{ email_enabled: true, default_timezone: 'Europe/Berlin' }]);
});

test.run();
