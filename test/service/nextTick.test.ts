// The tick computation on its own (no database): conflag's DST rule in America/New_York and Europe/Berlin on
// both changes, real-time behaviour of every-hour crontabs, and ordinary crontab features. Also pins down why
// conflag does not use pg-boss's cron check: that check skips and doubles exactly these ticks.
import { CronExpressionParser } from 'cron-parser';
import * as assert from 'uvu/assert';
import { nextTick, localTime } from '../../src/schedule/nextTick.ts';
import { instantsOfWall, offsetAt } from '../../src/schedule/zonedTime.ts';
import { suite } from '../lib/suite.ts';

const test = suite('schedule: next tick');

/** Every tick in [from, to), as ISO instants. */
function ticks(crontab: string, timeZone: string, from: string, to: string): string[] {
  const out: string[] = [];
  let t = new Date(new Date(from).getTime() - 1);
  for (;;) {
    const tick = nextTick(crontab, timeZone, t);
    if (tick.at.getTime() >= Date.parse(to)) return out;
    out.push(tick.at.toISOString());
    t = tick.at;
  }
}

/** Ticks per local calendar day. */
function perLocalDay(list: string[], timeZone: string): Record<string, number> {
  const days: Record<string, number> = {};
  for (const at of list) {
    const day = localTime(timeZone, new Date(at)).slice(0, 10);
    days[day] = (days[day] ?? 0) + 1;
  }
  return days;
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
  test(`${c.zone}, ${c.change}: "${c.crontab}" runs exactly once per local day`, () => {
    const list = ticks(c.crontab, c.zone, c.from, c.to);
    assert.equal(list, c.expected);
    assert.equal(Object.values(perLocalDay(list, c.zone)), [1, 1, 1]);
  });
}

test("pg-boss's own check (an occurrence within the last minute, via cron-parser prev) skips and doubles these ticks", () => {
  // This is how pg-boss's timekeeper decides a schedule is due (timekeeper.readOccurrences); conflag must not.
  const dueAt = (crontab: string, tz: string, from: string, hours: number) => {
    const hits: string[] = [];
    for (let t = Date.parse(from); t < Date.parse(from) + hours * 3_600_000; t += 60_000) {
      const previous = CronExpressionParser.parse(crontab, { tz, strict: false, currentDate: new Date(t + 1) }).prev().getTime();
      if (previous > t - 60_000) hits.push(new Date(t).toISOString());
    }
    return hits;
  };
  assert.equal(dueAt('30 2 * * *', 'America/New_York', '2026-03-08T04:00Z', 6), [], 'skipped on spring-forward day');
  assert.is(dueAt('30 1 * * *', 'America/New_York', '2026-11-01T04:00Z', 4).length, 2, 'twice on fall-back day');
  assert.equal(dueAt('30 2 * * *', 'Europe/Berlin', '2026-03-29T00:00Z', 3), []);
  assert.is(dueAt('30 2 * * *', 'Europe/Berlin', '2026-10-25T00:00Z', 3).length, 2);
});

test('every-hour crontabs follow real time: 25 hourly runs on the fall-back day, 23 on the spring-forward day, evenly spaced', () => {
  const fall = ticks('0 * * * *', 'America/New_York', '2026-11-01T04:00Z', '2026-11-02T05:00Z');
  assert.is(fall.length, 25);
  const spring = ticks('0 * * * *', 'Europe/Berlin', '2026-03-28T23:00Z', '2026-03-29T22:00Z');
  assert.is(spring.length, 23);
  for (const list of [fall, spring]) {
    for (let i = 1; i < list.length; i++) assert.is(Date.parse(list[i]) - Date.parse(list[i - 1]), 3_600_000, list[i]);
  }
  const fiveMinutes = ticks('*/5 * * * *', 'Europe/Berlin', '2026-10-25T00:00Z', '2026-10-25T02:00Z');
  assert.is(fiveMinutes.length, 24, 'the repeated hour 02:00-03:00 runs in both of its occurrences');
});

test('several wall-clock slots inside one gap collapse into one run at the end of the gap', () => {
  const list = ticks('*/20 2 * * *', 'America/New_York', '2026-03-08T05:00Z', '2026-03-08T12:00Z');
  assert.equal(list, ['2026-03-08T07:00:00.000Z']);
  const tick = nextTick('*/20 2 * * *', 'America/New_York', new Date('2026-03-08T05:00Z'));
  assert.is(tick.slot, '2026-03-08T02:00', 'a slot in the gap carries no UTC offset');
});

test('slots name the local wall time and the offset in force', () => {
  assert.is(nextTick('30 1 * * *', 'America/New_York', new Date('2026-11-01T04:00Z')).slot, '2026-11-01T01:30-04:00');
  const second = nextTick('0 * * * *', 'America/New_York', new Date('2026-11-01T05:30Z'));
  assert.is(second.slot, '2026-11-01T01:00-05:00');
  assert.is(second.at.toISOString(), '2026-11-01T06:00:00.000Z');
});

test('presets and ordinary crontab features: weekdays, lists, ranges, steps, month days', () => {
  // weekly = 0 0 * * 0: Sundays at midnight local.
  assert.equal(ticks('0 0 * * 0', 'Europe/Berlin', '2026-06-01T00:00Z', '2026-06-15T00:00Z'), ['2026-06-06T22:00:00.000Z', '2026-06-13T22:00:00.000Z']);
  assert.equal(ticks('15,45 * * * *', 'UTC', '2026-06-01T10:00Z', '2026-06-01T11:00Z'), ['2026-06-01T10:15:00.000Z', '2026-06-01T10:45:00.000Z']);
  const workday = ticks('0 8-17 * * 1-5', 'America/New_York', '2026-06-05T00:00Z', '2026-06-09T00:00Z');
  assert.is(workday.length, 20, 'Friday and Monday, 10 hours each');
  assert.is(workday[0], '2026-06-05T12:00:00.000Z');
  assert.equal(ticks('0 0 31 * *', 'UTC', '2026-01-01T00:00Z', '2026-06-01T00:00Z'), ['2026-01-31T00:00:00.000Z', '2026-03-31T00:00:00.000Z', '2026-05-31T00:00:00.000Z']);
  // Day-of-month and day-of-week both restricted: either matches (cron's rule).
  assert.equal(ticks('0 12 1 * 1', 'UTC', '2026-06-01T00:00Z', '2026-06-16T00:00Z'), ['2026-06-01T12:00:00.000Z', '2026-06-08T12:00:00.000Z', '2026-06-15T12:00:00.000Z']);
});

test('the tick is strictly after the given instant', () => {
  const at = nextTick('*/5 * * * *', 'UTC', new Date('2026-06-01T10:05:00Z')).at.toISOString();
  assert.is(at, '2026-06-01T10:10:00.000Z');
  assert.is(nextTick('*/5 * * * *', 'UTC', new Date('2026-06-01T10:04:59.999Z')).at.toISOString(), '2026-06-01T10:05:00.000Z');
});

test('wall-time mapping: gap, repeated hour, ordinary time', () => {
  const gap = instantsOfWall('Europe/Berlin', Date.UTC(2026, 2, 29, 2, 30));
  assert.equal(gap.instants, []);
  assert.is(new Date(gap.gapEnd!).toISOString(), '2026-03-29T01:00:00.000Z');
  const twice = instantsOfWall('Europe/Berlin', Date.UTC(2026, 9, 25, 2, 30));
  assert.equal(twice.instants.map((t) => new Date(t).toISOString()), ['2026-10-25T00:30:00.000Z', '2026-10-25T01:30:00.000Z']);
  assert.equal(instantsOfWall('Asia/Kolkata', Date.UTC(2026, 0, 1, 12, 0)).instants, [Date.UTC(2026, 0, 1, 6, 30)]);
  assert.is(offsetAt('America/New_York', Date.UTC(2026, 6, 1)), -4 * 3_600_000);
});

test('an unknown time zone or an unreadable crontab throws', () => {
  assert.throws(() => nextTick('0 0 * * *', 'Mars/Olympus_Mons', new Date()), /time ?zone/i);
  assert.throws(() => nextTick('61 * * * *', 'UTC', new Date()));
});

test.run();
