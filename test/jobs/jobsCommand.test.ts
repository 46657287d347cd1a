// `conflag jobs` through the CLI entry point on this file's database: one line per job with the schedule in words,
// the next run in the job's time zone, the last run, consecutive failures and a "!" for a job that cannot be
// scheduled; --json for scripts.
import * as assert from 'uvu/assert';
import { main } from '../../src/cli/main.ts';
import { closePools, openPool } from '../lib/db.ts';
import { insertJobSavedUnderOlderRules } from '../service/helpers.ts';
import { suite } from '../lib/suite.ts';

const test = suite('jobs command');
test.after(closePools);

async function cli(args: string[]) {
  let out = '';
  let err = '';
  const stdout = { write: (c: string) => ((out += c), true), isTTY: false } as unknown as NodeJS.WritableStream;
  const stderr = { write: (c: string) => ((err += c), true) } as unknown as NodeJS.WritableStream;
  const code = await main(args, { stdout, stderr });
  return { code, stdout: out, stderr: err };
}

const condition = JSON.stringify({ all: [{ fact: 'duration', operator: 'greaterThan', value: 7200 }] });

test('no jobs: says how to add one', async () => {
  const result = await cli(['jobs']);
  assert.is(result.code, 0, result.stderr);
  assert.match(result.stdout, 'no jobs yet');
});

test('one line per job: schedule in words, next run in the job\'s zone, last run, failures, "!" for an unschedulable job', async () => {
  const pool = openPool();
  // A job saved before the database refused schedules that can never run: it stays in the table, and must be marked.
  const brokenSchedule = '0 0 31 2 *';
  const insert = async (name: string, schedule: string, timezone: string | null, enabled = true) =>
    (await pool.query<{ id: string }>(`INSERT INTO conflag.jobs (name, condition, action, schedule, timezone, enabled) VALUES ($1, $2, 'set', $3, $4, $5) RETURNING id`,
      [name, condition, schedule, timezone, enabled])).rows[0].id;
  const nightly = await insert('Nightly', '0 1 * * *', 'Europe/Berlin');
  const often = await insert('Often', '*/5 * * * *', 'UTC');
  const manual = await insert('By hand', 'manual', null);
  const paused = await insert('Paused', 'daily', 'UTC', false);
  const broken = String(await insertJobSavedUnderOlderRules(pool, { name: 'Broken schedule', schedule: brokenSchedule, timezone: 'UTC' }));
  const run = (status: string, changed: number, at: string) =>
    pool.query(`INSERT INTO conflag.job_runs (job_id, job_name, trigger, as_of, timezone, mode, action, condition, status, started_at, finished_at, changed, error)
                SELECT id, name, 'schedule', $3::timestamptz, 'UTC', mode, action, condition, $2, $3::timestamptz, $3::timestamptz, $4, CASE WHEN $2 = 'failed' THEN 'boom' END
                  FROM conflag.jobs WHERE id = $1`, [nightly, status, at, changed]);
  await run('succeeded', 12, '2026-05-01 23:00:05+00');
  await run('failed', 0, '2026-05-02 23:00:07+00');
  await run('failed', 0, '2026-05-03 23:00:09+00');

  const before = new Date();
  const result = await cli(['jobs']);
  assert.is(result.code, 0, result.stderr);
  const lines = result.stdout.split('\n');
  assert.match(lines[0], /^\s+id\s+name\s+enabled\s+schedule\s+next run\s+last run\s+failures$/);
  const line = (id: string) => lines.find((l) => new RegExp(`^.\\s+${id}  `).test(l))!;
  const { rows: [next] } = await pool.query<{ local: string }>(
    `SELECT to_char(tick_at AT TIME ZONE 'Europe/Berlin', 'YYYY-MM-DD HH24:MI') AS local FROM conflag.schedule_ticks('0 1 * * *', 'Europe/Berlin', $1)`, [before]);
  const berlinNext = next.local;
  assert.match(line(nightly), /^ +\d+  Nightly +yes +daily at 01:00 Europe\/Berlin +/);
  assert.match(line(nightly), `${berlinNext} Europe/Berlin`);
  assert.match(line(nightly), `failed 2026-05-04 01:00, changed 0 (run `, 'last run time in the job\'s zone');
  assert.match(line(nightly), / 2$/, 'two failures since the last success');
  assert.match(line(often), /Often +yes +every 5 minutes +\d{4}-\d\d-\d\d \d\d:\d\d UTC +never run +0$/);
  assert.match(line(manual), /By hand +yes +manual +on request +never run +0$/);
  assert.match(line(paused), /Paused +no +daily at 00:00 UTC +disabled +never run/);
  assert.match(line(broken), new RegExp(`^! +${broken}  Broken schedule +yes +.* +cannot be scheduled +never run`));
  assert.is(lines.slice(0, lines.indexOf('')).filter((l) => l.startsWith('!')).length, 1, 'in the table, only the broken job is marked');
  assert.match(result.stdout, `\n! job ${broken} cannot be scheduled (${brokenSchedule}, time zone UTC): jobs.schedule: "${brokenSchedule}" never runs`);

  const json = JSON.parse((await cli(['jobs', '--json'])).stdout) as Array<Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
  assert.equal(json.map((j) => j.id), [nightly, often, manual, paused, broken].map(Number));
  const n = json[0];
  assert.equal(
    { scheduleText: n.scheduleText, timezone: n.timezone, schedulable: n.schedulable, lastRun: { status: n.lastRun.status, changed: n.lastRun.changed, finishedAt: n.lastRun.finishedAt }, failures: n.consecutiveFailures, lastSuccessAt: n.lastSuccessAt },
    { scheduleText: 'daily at 01:00 Europe/Berlin', timezone: 'Europe/Berlin', schedulable: true, lastRun: { status: 'failed', changed: 0, finishedAt: '2026-05-03T23:00:09.000Z' }, failures: 2, lastSuccessAt: '2026-05-01T23:00:05.000Z' },
  );
  assert.is(n.nextRunLocal, berlinNext.replace(' ', 'T'));
  assert.ok(Date.parse(n.nextRunAt) > before.getTime());
  assert.equal([json[2].nextRunAt, json[2].schedulable], [null, true], 'manual: no next run, nothing wrong');
  assert.equal([json[4].schedulable, json[4].nextRunAt], [false, null]);
  assert.match(json[4].scheduleProblem, 'never runs');
});

test.run();
