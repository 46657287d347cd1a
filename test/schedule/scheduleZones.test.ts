// Every zone in pg_timezone_names is either refused with a clear message (and the name to use, where there is one)
// or schedulable: conflag.schedule_ticks gives a daily 02:30 job exactly one tick per local day around each of the
// zone's 2026 offset changes and in an ordinary week, at 02:30 local time or — where 02:30 did not exist that day —
// at the first instant after the jump (conflag's DST rule), with local times read from PostgreSQL's zone data, the
// data the runners and the compiled conditions use. A job can be saved with an accepted zone, not with a refused one.
import * as assert from 'uvu/assert';
import pg from 'pg';
import { closePools, databaseUrl, openPool } from '../lib/db.ts';
import { suite } from '../lib/suite.ts';
import { expectDatabaseError, insertJob, validJob } from '../jobs/expectDatabaseError.ts';

const test = suite('schedule: every zone PostgreSQL lists is refused clearly or schedulable');
test.after(closePools);
const pool = openPool();

interface Tick {
  local_date: string;
  local_minutes: number;
  before_date: string;
  before_minutes: number;
  at: string;
}

/** Ticks of "30 2 * * *" in [from, to) with their local date and time, and those of the second before. */
async function ticksIn(zone: string, from: Date, to: Date): Promise<Tick[]> {
  const { rows } = await pool.query<Tick>(
    `SELECT to_char(l.local, 'YYYY-MM-DD') AS local_date, extract(hour FROM l.local)::int * 60 + extract(minute FROM l.local)::int AS local_minutes,
            to_char(l.before, 'YYYY-MM-DD') AS before_date, extract(hour FROM l.before)::int * 60 + extract(minute FROM l.before)::int AS before_minutes,
            t.tick_at::text AS at
       FROM conflag.schedule_ticks('30 2 * * *', $1, $2, 100, $3) AS t
      CROSS JOIN LATERAL (SELECT t.tick_at AT TIME ZONE $1 AS local, (t.tick_at - interval '1 second') AT TIME ZONE $1 AS before) AS l`,
    [zone, from, to],
  );
  return rows;
}

test('each name is refused with a reason, or ticks once per local day at 02:30 (or right after a jump over it)', async () => {
  // conflag.timezone_problem scans pg_timezone_names (every zone file, ~0.1 s) on each call, so it is asked about
  // every name it must refuse (posix/, right/, posixrules, localtime, Factory) and every fifth of the others; every
  // name it does not refuse must schedule. Offset changes in 2026 are sampled every 3 hours.
  const { rows } = await pool.query<{ name: string; problem: string | null; asked: boolean; changes: Date[] }>(
    `SELECT z.name, z.problem, z.asked,
            CASE WHEN z.problem IS NULL THEN
              ARRAY(SELECT t FROM generate_series(timestamptz '2026-01-01Z', timestamptz '2027-01-01Z', interval '3 hours') AS t
                     WHERE conflag.zone_offset(z.name, t) <> conflag.zone_offset(z.name, t - interval '3 hours'))
            END AS changes
       FROM (SELECT n.name, s.asked, CASE WHEN s.asked THEN conflag.timezone_problem(n.name) END AS problem
               FROM (SELECT name, row_number() OVER (ORDER BY name) AS i FROM pg_catalog.pg_timezone_names) AS n
              CROSS JOIN LATERAL (SELECT n.name ~ '^(posix|right)/' OR n.name IN ('posixrules', 'localtime', 'Factory') OR n.i % 5 = 0 AS asked) AS s) AS z
      ORDER BY z.name`,
  );
  const excluded = (name: string) => /^(posix|right)\//.test(name) || ['posixrules', 'localtime', 'Factory'].includes(name);
  let accepted = 0;
  let refused = 0;
  let ticks = 0;
  let jumped = 0;
  const DAY = 86_400_000;
  let asked = 0;
  for (const { name, problem, changes, asked: wasAsked } of rows) {
    if (wasAsked) asked++;
    assert.is(problem !== null, excluded(name), `${name}: ${problem ?? 'accepted'}`);
    if (problem !== null) {
      refused++;
      assert.match(problem, /did you mean "[^"]+"\?|means "time zone not set"|whatever zone the database server's machine is set to/, `${name}: ${problem}`);
      continue;
    }
    accepted++;
    const windows = [Date.parse('2026-06-10T00:00Z'), ...changes.map((c) => c.getTime())].map((t) => [new Date(t - 3 * DAY), new Date(t + 3 * DAY)]);
    for (const [from, to] of windows) {
      const list = await ticksIn(name, from, to);
      const days = list.map((t) => t.local_date);
      assert.equal([...new Set(days)], days, `${name}: one tick per local day around ${from.toISOString()}`);
      assert.ok(list.length >= 5, `${name}: ${list.length} ticks in six days around ${from.toISOString()}`);
      for (const t of list) {
        if (t.local_minutes === 150) continue;
        // Not 02:30: only where 02:30 did not exist that day — the clock jumped over it in the second before.
        assert.ok(t.local_minutes > 150 && (t.before_date < t.local_date || t.before_minutes < 150),
          `${name}: tick at ${t.at} is ${t.local_date} ${t.local_minutes} min, though 02:30 existed`);
        jumped++;
      }
      ticks += list.length;
    }
  }
  console.log(`figures: zones: ${accepted} schedulable (${ticks} ticks, ${jumped} right after a jump over 02:30), ${refused} refused with a reason; ${asked} names checked by conflag.timezone_problem`);
  assert.ok(accepted > 550, `${accepted} schedulable`);
  assert.is(refused, rows.filter((r) => excluded(r.name)).length, 'every name that is no zone of its own is refused');
  assert.ok(jumped > 10, 'some zones jump over 02:30 in 2026');
});

test('a refused zone is refused by the jobs trigger and by the settings, naming the zone to use', async () => {
  const client = new pg.Client({ connectionString: databaseUrl() });
  await client.connect();
  try {
    for (const [zone, suggestion] of [['posix/Europe/Berlin', 'Europe/Berlin'], ['posixrules', 'America/New_York'], ['Berlin', 'Europe/Berlin'], ['europe/berlin', 'Europe/Berlin']]) {
      await expectDatabaseError(() => insertJob(client, validJob({ timezone: zone })), { code: 'CF008', includes: ['jobs.timezone', `did you mean "${suggestion}"`] }, zone);
      await expectDatabaseError(() => client.query('UPDATE conflag.settings SET default_timezone = $1', [zone]), { code: 'CF022', includes: ['settings.default_timezone', suggestion] }, zone);
    }
    await expectDatabaseError(() => insertJob(client, validJob({ timezone: 'localtime' })), { code: 'CF008', includes: ['"localtime"', 'name the zone itself'] });
    await expectDatabaseError(() => insertJob(client, validJob({ timezone: 'Factory' })), { code: 'CF008', includes: ['"Factory"', 'time zone not set'] });
    const job = await insertJob(client, validJob({ timezone: 'Pacific/Chatham', schedule: '45 2 * * *' }));
    assert.is(job.timezone, 'Pacific/Chatham');
  } finally {
    await client.end();
  }
});

test.run();
