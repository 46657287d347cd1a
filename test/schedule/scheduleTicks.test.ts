// conflag.schedule_ticks, the database's tick computation the runners use: conflag's DST rule in
// America/New_York and Europe/Berlin on both changes, real-time behaviour of every-hour crontabs, ordinary crontab
// features, Vixie cron's day-of-month / day-of-week rule, and clear refusals. (The whole corpus against an
// independent reading of crontab(5): crontabCorpus.test.ts; every zone: scheduleZones.test.ts.)
import * as assert from 'uvu/assert';
import { closePools, openPool } from '../lib/db.ts';
import { suite } from '../lib/suite.ts';
import { expectDatabaseError } from '../jobs/expectDatabaseError.ts';

const test = suite('schedule: ticks computed by the database');
test.after(closePools);
const pool = openPool();

/** Every tick in [from, to), as ISO instants. */
async function ticks(crontab: string, timeZone: string, from: string, to: string): Promise<string[]> {
  const { rows } = await pool.query<{ tick_at: Date }>(
    `SELECT tick_at FROM conflag.schedule_ticks($1, $2, $3::timestamptz - interval '1 millisecond', 10000, $4)`,
    [crontab, timeZone, from, to],
  );
  return rows.map((r) => r.tick_at.toISOString());
}

async function next(crontab: string, timeZone: string, after: string): Promise<{ at: string; slot: string }> {
  const { rows } = await pool.query<{ tick_at: Date; slot: string }>('SELECT * FROM conflag.schedule_ticks($1, $2, $3)', [crontab, timeZone, after]);
  assert.is(rows.length, 1);
  return { at: rows[0].tick_at.toISOString(), slot: rows[0].slot };
}

/** Ticks per local calendar day (local dates from PostgreSQL). */
async function perLocalDay(list: string[], timeZone: string): Promise<number[]> {
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM unnest($1::timestamptz[]) AS t GROUP BY (t AT TIME ZONE $2)::date ORDER BY 1`,
    [list, timeZone],
  );
  return rows.map((r) => r.n);
}

const CASES = [
  // zone, change, daily crontab whose wall time falls in the gap / the repeated hour, window, expected instants
  {
    zone: 'America/New_York', change: 'spring forward (2026-03-08, 02:00 → 03:00)', crontab: '30 2 * * *',
    from: '2026-03-07T05:00Z', to: '2026-03-10T05:00Z',
    // 02:30 EST, then the gap: 03:00 EDT (the first instant after it), then 02:30 EDT.
    expected: ['2026-03-07T07:30:00.000Z', '2026-03-08T07:00:00.000Z', '2026-03-09T06:30:00.000Z'],
  },
  {
    zone: 'America/New_York', change: 'fall back (2026-11-01, 02:00 → 01:00)', crontab: '30 1 * * *',
    from: '2026-10-31T04:00Z', to: '2026-11-03T05:00Z',
    // 01:30 EDT on the change day (its first occurrence), never 01:30 EST as well.
    expected: ['2026-10-31T05:30:00.000Z', '2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z'],
  },
  {
    zone: 'Europe/Berlin', change: 'spring forward (2026-03-29, 02:00 → 03:00)', crontab: '30 2 * * *',
    from: '2026-03-27T23:00Z', to: '2026-03-30T22:00Z',
    expected: ['2026-03-28T01:30:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z'],
  },
  {
    zone: 'Europe/Berlin', change: 'fall back (2026-10-25, 03:00 → 02:00)', crontab: '30 2 * * *',
    from: '2026-10-23T22:00Z', to: '2026-10-26T23:00Z',
    expected: ['2026-10-24T00:30:00.000Z', '2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z'],
  },
];

for (const c of CASES) {
  test(`${c.zone}, ${c.change}: "${c.crontab}" runs exactly once per local day`, async () => {
    const list = await ticks(c.crontab, c.zone, c.from, c.to);
    assert.equal(list, c.expected);
    assert.equal(await perLocalDay(list, c.zone), [1, 1, 1]);
  });
}

test('every-hour crontabs follow real time: 25 hourly runs on the fall-back day, 23 on the spring-forward day, evenly spaced', async () => {
  const fall = await ticks('0 * * * *', 'America/New_York', '2026-11-01T04:00Z', '2026-11-02T05:00Z');
  assert.is(fall.length, 25);
  const spring = await ticks('0 * * * *', 'Europe/Berlin', '2026-03-28T23:00Z', '2026-03-29T22:00Z');
  assert.is(spring.length, 23);
  for (const list of [fall, spring]) {
    for (let i = 1; i < list.length; i++) assert.is(Date.parse(list[i]) - Date.parse(list[i - 1]), 3_600_000, list[i]);
  }
  const fiveMinutes = await ticks('*/5 * * * *', 'Europe/Berlin', '2026-10-25T00:00Z', '2026-10-25T02:00Z');
  assert.is(fiveMinutes.length, 24, 'the repeated hour 02:00-03:00 runs in both of its occurrences');
});

test('several wall-clock slots inside one gap collapse into one run at the end of the gap', async () => {
  assert.equal(await ticks('*/20 2 * * *', 'America/New_York', '2026-03-08T05:00Z', '2026-03-08T12:00Z'), ['2026-03-08T07:00:00.000Z']);
  assert.equal(await next('*/20 2 * * *', 'America/New_York', '2026-03-08T05:00Z'), { at: '2026-03-08T07:00:00.000Z', slot: '2026-03-08T02:00' });
});

test('slots name the local wall time and the offset in force', async () => {
  assert.is((await next('30 1 * * *', 'America/New_York', '2026-11-01T04:00Z')).slot, '2026-11-01T01:30-04:00');
  assert.equal(await next('0 * * * *', 'America/New_York', '2026-11-01T05:30Z'), { at: '2026-11-01T06:00:00.000Z', slot: '2026-11-01T01:00-05:00' });
  assert.is((await next('0 12 * * *', 'Asia/Kathmandu', '2026-06-01T00:00Z')).slot, '2026-06-01T12:00+05:45');
});

test('presets and ordinary crontab features: weekdays, lists, ranges, steps, month days', async () => {
  // weekly = 0 0 * * 0: Sundays at midnight local.
  assert.equal(await ticks('0 0 * * 0', 'Europe/Berlin', '2026-06-01T00:00Z', '2026-06-15T00:00Z'), ['2026-06-06T22:00:00.000Z', '2026-06-13T22:00:00.000Z']);
  assert.equal(await ticks('15,45 * * * *', 'UTC', '2026-06-01T10:00Z', '2026-06-01T11:00Z'), ['2026-06-01T10:15:00.000Z', '2026-06-01T10:45:00.000Z']);
  const workday = await ticks('0 8-17 * * 1-5', 'America/New_York', '2026-06-05T00:00Z', '2026-06-09T00:00Z');
  assert.is(workday.length, 20, 'Friday and Monday, 10 hours each');
  assert.is(workday[0], '2026-06-05T12:00:00.000Z');
  assert.equal(await ticks('0 0 31 * *', 'UTC', '2026-01-01T00:00Z', '2026-06-01T00:00Z'), ['2026-01-31T00:00:00.000Z', '2026-03-31T00:00:00.000Z', '2026-05-31T00:00:00.000Z']);
});

test("the issue's schedules: duplicates are fine, 0 and 7 are Sunday", async () => {
  // 2026-06-07 and 06-14 are Sundays.
  assert.equal(await ticks('0 9 * * 0,7', 'UTC', '2026-06-01T00:00Z', '2026-06-15T00:00Z'), ['2026-06-07T09:00:00.000Z', '2026-06-14T09:00:00.000Z']);
  assert.equal(await ticks('0,30,30 8 * * *', 'UTC', '2026-06-01T00:00Z', '2026-06-02T00:00Z'), ['2026-06-01T08:00:00.000Z', '2026-06-01T08:30:00.000Z']);
  assert.is((await ticks('0 9 1-10,5 * *', 'UTC', '2026-06-01T00:00Z', '2026-07-01T00:00Z')).length, 10);
});

test("day of month with day of week: Vixie cron's rule (a field beginning with * makes both required)", async () => {
  // */2 begins with *: odd days that are Mondays. June 2026: Mondays 1, 8, 15, 22, 29 -> odd: 1, 15, 29.
  assert.equal(await ticks('0 12 */2 * 1', 'UTC', '2026-06-01T00:00Z', '2026-07-01T00:00Z'),
    ['2026-06-01T12:00:00.000Z', '2026-06-15T12:00:00.000Z', '2026-06-29T12:00:00.000Z']);
  // 1-31/2 does not begin with *: odd days OR Mondays (15 odd days + Mondays 8 and 22).
  assert.is((await ticks('0 12 1-31/2 * 1', 'UTC', '2026-06-01T00:00Z', '2026-07-01T00:00Z')).length, 17);
  // Both restricted: the 1st or a Monday.
  assert.equal(await ticks('0 12 1 * 1', 'UTC', '2026-06-01T00:00Z', '2026-06-16T00:00Z'), ['2026-06-01T12:00:00.000Z', '2026-06-08T12:00:00.000Z', '2026-06-15T12:00:00.000Z']);
  // The first Sunday of the month, the way Vixie cron users write it: 1-7 with */7 (Sunday as a starred field).
  assert.equal(await ticks('0 0 1-7 * */7', 'UTC', '2026-01-01T00:00Z', '2026-04-01T00:00Z'),
    ['2026-01-04T00:00:00.000Z', '2026-02-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z']);
});

test('the tick is strictly after the given instant; several ticks at once', async () => {
  assert.is((await next('*/5 * * * *', 'UTC', '2026-06-01T10:05:00Z')).at, '2026-06-01T10:10:00.000Z');
  assert.is((await next('*/5 * * * *', 'UTC', '2026-06-01T10:04:59.999Z')).at, '2026-06-01T10:05:00.000Z');
  const { rows } = await pool.query(`SELECT tick_at, slot FROM conflag.schedule_ticks('0 0 29 2 *', 'UTC', '2026-01-01Z', 3)`);
  assert.equal(rows.map((r) => r.slot), ['2028-02-29T00:00+00:00', '2032-02-29T00:00+00:00', '2036-02-29T00:00+00:00']);
});

test('wall-time mapping: gap, repeated hour, ordinary time', async () => {
  const instants = async (zone: string, wall: string) =>
    (await pool.query('SELECT instants, gap_end FROM conflag.wall_instants($1, $2::timestamp)', [zone, wall])).rows[0];
  const gap = await instants('Europe/Berlin', '2026-03-29 02:30');
  assert.equal(gap.instants, []);
  assert.is(gap.gap_end.toISOString(), '2026-03-29T01:00:00.000Z');
  const twice = await instants('Europe/Berlin', '2026-10-25 02:30');
  assert.equal(twice.instants.map((t: Date) => t.toISOString()), ['2026-10-25T00:30:00.000Z', '2026-10-25T01:30:00.000Z']);
  assert.equal((await instants('Asia/Kolkata', '2026-01-01 12:00')).instants.map((t: Date) => t.toISOString()), ['2026-01-01T06:30:00.000Z']);
});

test('an unknown time zone or an unreadable crontab is refused with a clear error', async () => {
  await expectDatabaseError(() => next('0 0 * * *', 'Mars/Olympus_Mons', '2026-01-01Z'), { code: '22023', includes: ['Mars/Olympus_Mons'] });
  await expectDatabaseError(() => next('61 * * * *', 'UTC', '2026-01-01Z'), { code: 'CF013', includes: ['minute field "61"', '0-59'] });
  await expectDatabaseError(() => next('0 0 31 2 *', 'UTC', '2026-01-01Z'), { code: 'CF013', includes: ['never runs', 'February'] });
  const { rows } = await pool.query(
    `SELECT n, next_tick_at, problem FROM conflag.schedule_next_ticks(ARRAY['0 0 * * *', '5/10 * * * *', '0 0 * * *'], ARRAY['UTC', 'UTC', 'Mars/X'], '2026-01-01Z')`,
  );
  assert.equal(rows.map((r) => [r.n, r.next_tick_at?.toISOString() ?? null, r.problem === null ? null : r.problem.slice(0, 42)]), [
    [1, '2026-01-02T00:00:00.000Z', null],
    [2, null, 'jobs.schedule: "5/10 * * * *" is not valid'],
    [3, null, 'time zone "Mars/X" not recognized'],
  ]);
});

test.run();
