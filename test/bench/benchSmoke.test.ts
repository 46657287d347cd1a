// A small run of `npm run bench` (20 000 recordings, every row, one repetition, 20 scheduled jobs on two ticks
// 8 s apart): it must run to the end and report every row of issue 14's table with sane shapes. Counts are
// asserted where they are exact on tiny data (every first-run row writes exactly the matching recordings, a
// re-run writes none); speed is never asserted — the bench's figures are in docs/performance.md.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import * as assert from 'uvu/assert';
import { GROUPS, ROWS, type RowResult } from '../../bench/lib/benchRows.ts';
import type { BenchSummary } from '../../bench/lib/benchReport.ts';
import { adminUrl, databaseUrl } from '../lib/db.ts';
import { suite } from '../lib/suite.ts';

const BENCH = fileURLToPath(new URL('../../bench/runBench.ts', import.meta.url));
const DATABASE = `${process.env.CONFLAG_TEST_DATABASE ?? 'conflag_test'}_bench`.slice(0, 63);
const ROW_COUNT = 20_000;

const test = suite('npm run bench: smoke run');
let rows: RowResult[] = [];
let summary: BenchSummary | undefined;
let output = '';

test.before(async () => {
  const args = ['--rows', String(ROW_COUNT), '--repeat', '1', '--json', '--database', DATABASE, '--jobs', '20', '--ticks', '2', '--tick-seconds', '8'];
  const child = spawn(process.execPath, [...process.execArgv, BENCH, ...args], {
    env: { ...process.env, DATABASE_URL: databaseUrl() },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (output += c));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  output += stdout;
  assert.is(code, 0, `the bench failed:\n${output}`);
  const lines = stdout.trim().split('\n').map((l) => JSON.parse(l));
  rows = lines.filter((l) => !l.summary);
  summary = lines.find((l) => l.summary);
});

test.after(async () => {
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(DATABASE)} WITH (FORCE)`);
  await admin.end();
});

const row = (id: keyof typeof ROWS) => {
  const found = rows.find((r) => r.row === id);
  if (!found) throw new Error(`the bench reported no row ${id}:\n${output}`);
  return found;
};
const finite = (value: unknown, what: string) => assert.ok(typeof value === 'number' && Number.isFinite(value), `${what}: ${value}`);

test('every row of issue 14 is reported, and a summary', () => {
  for (const id of Object.keys(ROWS) as (keyof typeof ROWS)[]) row(id);
  assert.is(rows.filter((r) => r.row === 'peak-rss').length, 2, 'peak RSS at --rows and 4 x --rows');
  assert.ok(summary, 'a summary line');
  assert.is(summary!.rowsReported, rows.length);
  assert.is(summary!.rows, ROW_COUNT);
  assert.ok(summary!.matching > 0 && summary!.matching < ROW_COUNT / 10, `matching ${summary!.matching}`);
  assert.match(summary!.server, /^PostgreSQL \d+/);
  assert.equal(Object.keys(summary!.loadAverage).sort(), Object.keys(GROUPS).sort(), 'the load average around every group');
});

test('timed rows: finite medians, ratios to their group baseline', () => {
  for (const group of ['first-run', 're-run', 'incremental-10k', 'incremental-bulk'] as const) {
    const [baseline] = GROUPS[group].rows;
    for (const id of GROUPS[group].rows) {
      const r = row(id);
      assert.is(r.group, group);
      assert.is(r.baseline, baseline, id);
      finite(r.seconds, `${id} seconds`);
      assert.ok(r.seconds! > 0, id);
      finite(r.ratio, `${id} ratio`);
      assert.is(r.runs!.length, 1, id);
      finite(r.walBytes, `${id} WAL`);
    }
    assert.is(row(baseline).ratio, 1);
  }
});

test('first runs change and write exactly the matching recordings; re-runs write nothing', () => {
  const matching = summary!.matching;
  for (const id of GROUPS['first-run'].rows) {
    const r = row(id);
    assert.is(r.changed, matching, `${id} changed`);
    assert.is(r.rowsWritten, matching, `${id} row versions written (pg_stat_user_tables)`);
    assert.ok(r.walBytes! > 0 && r.walBytesPerChanged! > 0, `${id} WAL`);
  }
  for (const id of GROUPS['re-run'].rows) {
    assert.is(row(id).changed, 0, id);
    assert.is(row(id).rowsWritten, 0, `${id} row versions written`);
  }
  assert.equal(row('conflag-rerun').goal, 'ratio <= 0.8, 0 rows written');
});

test('incremental rows do the same work as their full-run baseline', () => {
  for (const [full, incremental] of [['conflag-full-after-10k', 'conflag-incremental-10k'], ['conflag-full-after-bulk', 'conflag-incremental-bulk']] as const) {
    assert.ok(row(full).changed! > 0, full);
    assert.is(row(incremental).changed, row(full).changed, incremental);
    assert.is(row(incremental).rowsWritten, row(incremental).changed, `${incremental} row versions written`);
    assert.match(row(full).note ?? '', 'scan: table');
    // On 20 000 rows, 10 000 new ones are too many for the change log: the executor may read the table instead.
    assert.match(row(incremental).note ?? '', /scan: (changes|table)/);
  }
});

test('peak RSS of a run in a child process, at two table sizes', () => {
  const [small, large] = rows.filter((r) => r.row === 'peak-rss');
  assert.ok(small.tableRows! >= ROW_COUNT && large.tableRows! >= 4 * ROW_COUNT, `${small.tableRows}, ${large.tableRows}`);
  for (const r of [small, large]) {
    finite(r.maxRssMb, 'peak RSS');
    assert.ok(r.maxRssMb! > 20 && r.maxRssMb! < 2000, `${r.maxRssMb} MB is a process's RSS`);
  }
  assert.is(small.ratio, 1);
});

test('the runner row: runs of every tick started by two runner processes, lag figures', () => {
  const s = row('scheduler-lag').scheduler!;
  assert.equal([s.jobs, s.ticks, s.runners], [20, 2, 2]);
  assert.ok(s.runsStarted >= 1 && s.runsStarted <= 40, `runs started: ${s.runsStarted}`);
  for (const [name, value] of Object.entries({ p50: s.lagP50, p95: s.lagP95, max: s.lagMax })) {
    finite(value, `lag ${name}`);
    assert.ok(value >= 0, `lag ${name} ${value}`);
  }
  assert.ok(s.lagP50 <= s.lagP95 && s.lagP95 <= s.lagMax);
  for (const n of [s.backlogMax, s.backlogEnd, s.mergedTicks]) assert.ok(Number.isInteger(n) && n >= 0);
  finite(s.enqueueSeconds, 'enqueued within');
  assert.ok(s.enqueueSeconds >= 0);
  if (process.platform === 'linux') {
    finite(s.cpuMsPerRun.runners, 'runner CPU per run');
    assert.ok(s.cpuMsPerRun.runners! > 0);
  }
  assert.is(s.runnerMaxRssMb.length, 2);
  for (const mb of s.runnerMaxRssMb) finite(mb, 'runner peak RSS');
});

test.run();
