// Every crontab of a corpus — lists with duplicates, steps, ranges, names, impossible dates, day of month with day
// of week, and random ones from the grammar — is either refused by the database with a clear CF013 message, or
// accepted and scheduled with exactly the ticks an independent reading of crontab(5) gives (test/schedule/
// vixieCron.ts: minute by minute over real instants, wall times from Intl, conflag's DST rule by brute force), in
// zones with DST (New York, Berlin, Lord Howe's 30-minute change, Havana's change at midnight, Chatham's +12:45)
// and without. A crontab Vixie cron would refuse or never run must be refused; one it runs may be refused only for
// the documented stricter rule (a step larger than its field). CONFLAG_PROPERTY_RUNS scales the random part.
import fc from 'fast-check';
import * as assert from 'uvu/assert';
import { closePools, openPool } from '../lib/db.ts';
import { suite } from '../lib/suite.ts';
import { firesEver, parseVixie, vixieTicks, zoneChanges, type VixieEntry } from './vixieCron.ts';

const test = suite('schedule: crontab corpus against an independent Vixie cron');
test.after(closePools);
const pool = openPool();

const ZONES = ['America/New_York', 'Europe/Berlin', 'Australia/Lord_Howe', 'America/Havana', 'Pacific/Chatham', 'UTC'];
const WHOLE_YEAR_ZONES = ['America/New_York', 'Australia/Lord_Howe', 'America/Havana', 'UTC'];
const YEAR = { from: Date.UTC(2026, 0, 1), to: Date.UTC(2027, 0, 1) };
const DECADE = { from: Date.UTC(2024, 0, 1), to: Date.UTC(2034, 0, 1) };
const HOUR = 3_600_000;
const SEED = Number(process.env.CONFLAG_PROPERTY_SEED ?? 20240310);
const RANDOM = Math.max(50, Math.round(Number(process.env.CONFLAG_PROPERTY_RUNS ?? 3000) / 20));

const CORPUS: Array<{ crontab: string; decade?: boolean }> = [
  // The issue's: duplicates, Sunday as 0 and 7, overlapping list items.
  { crontab: '0 9 * * 0,7' }, { crontab: '0,30,30 8 * * *' }, { crontab: '0 9 1-10,5 * *' }, { crontab: '1-5,3-8,7 0 * * *' },
  // Day of month with day of week: a field beginning with * makes both required, else either.
  { crontab: '0 12 */2 * 1' }, { crontab: '0 12 1-31/2 * 1' }, { crontab: '0 12 1 * 1' }, { crontab: '0 0 1-7 * */7' },
  { crontab: '0 0 1-7 * 0' }, { crontab: '0 0 1,15 * 1' }, { crontab: '0 0 */10 * *' }, { crontab: '0 0 * * */2' },
  // Steps, ranges, names in any case, Sunday as 7.
  { crontab: '*/5 * * * *' }, { crontab: '15,45 * * * *' }, { crontab: '5-59/15 */3 * * *' }, { crontab: '0 0-23/1 * * *' },
  { crontab: '0 8-17 * * mon-fri' }, { crontab: '0 0 1 JAN,jul *' }, { crontab: '0 0 * * 7' }, { crontab: '0 0 * * 5-7' },
  { crontab: '0 0 * jun-aug sat,SUN' }, { crontab: '30 9 * * Mon-Fri/2' }, { crontab: '* * * * *' }, { crontab: '0 * * * *' },
  // Wall times in DST gaps and overlaps: 02:xx (New York, Berlin), midnight (Havana), 02:00-02:30 (Lord Howe).
  { crontab: '30 2 * * *' }, { crontab: '30 1 * * *' }, { crontab: '*/20 2 * * *' }, { crontab: '0 2,3 * * *' },
  { crontab: '0 0 * * *' }, { crontab: '15 2 * * *' }, { crontab: '59 23 * * *' },
  // Months and days that do not always exist.
  { crontab: '0 0 31 * *' }, { crontab: '0 0 30 1-12/2 *' }, { crontab: '59 23 31 12 *' }, { crontab: '0 0 29 2 *', decade: true },
  { crontab: '0 0 29 2 mon', decade: true }, { crontab: '0 0 29 2 */7', decade: true }, { crontab: '0 0 30,31 2,4 *', decade: true },
  // Impossible dates, and what Vixie cron refuses.
  { crontab: '0 0 31 2 *' }, { crontab: '0 0 30 2 *' }, { crontab: '0 0 31 4 *' }, { crontab: '0 0 31 2,4,6,9,11 *' },
  { crontab: '0 0 30,31 feb *' }, { crontab: '5/10 * * * *' }, { crontab: '0 17-8 * * *' }, { crontab: '*/0 * * * *' },
  { crontab: '0 0 L * *' }, { crontab: '0 0 * * mon#2' }, { crontab: '0 0 * * 8' }, { crontab: '61 * * * *' },
  { crontab: '0 0 * * monday' }, { crontab: '* * * *' }, { crontab: '0 0 1 1 * 2026' }, { crontab: '0 0 ? * *' },
  // Vixie cron runs these; conflag refuses a step larger than its field.
  { crontab: '*/90 * * * *' }, { crontab: '0 0 1-5/40 * *' },
];

interface Stats { accepted: number; refused: number; ticks: number; windows: number }

async function databaseVerdict(crontab: string): Promise<{ ok: true } | { ok: false; message: string }> {
  try {
    await pool.query('SELECT conflag.schedule_cron($1)', [crontab]);
    return { ok: true };
  } catch (error) {
    const e = error as { code?: string; message: string };
    assert.is(e.code, 'CF013', `${crontab}: ${e.message}`);
    return { ok: false, message: e.message };
  }
}

/** A crontab that fires at most a few times a day is compared over all of 2026 in the zones whose changes differ
 * most (north, south with a 30-minute change, at midnight) and UTC, elsewhere around the changes; a denser one over
 * the 24 hours around each of the zone's 2026 offset changes, plus an ordinary half day; rare dates over ten years. */
function windowsFor(e: VixieEntry, zone: string, decade: boolean): Array<{ from: number; to: number }> {
  if (decade) return [DECADE];
  if (e.minute.size * e.hour.size <= 4 && WHOLE_YEAR_ZONES.includes(zone)) return [YEAR];
  return [{ from: Date.UTC(2026, 0, 10), to: Date.UTC(2026, 0, 10, 12) }, ...changeWindows(zone, 12)];
}

function changeWindows(zone: string, hours: number): Array<{ from: number; to: number }> {
  return zoneChanges(zone, YEAR.from, YEAR.to).slice(1).map((c) => ({ from: c.at - hours * HOUR, to: c.at + hours * HOUR }));
}

async function databaseTicks(crontab: string, zone: string, window: { from: number; to: number }): Promise<number[]> {
  const { rows } = await pool.query<{ tick_at: Date }>(
    `SELECT tick_at FROM conflag.schedule_ticks($1, $2, $3::timestamptz - interval '1 millisecond', 100000, $4)`,
    [crontab, zone, new Date(window.from), new Date(window.to)],
  );
  return rows.map((r) => r.tick_at.getTime());
}

const iso = (ts: number[]) => ts.map((t) => new Date(t).toISOString());

async function check(crontab: string, zones: string[], decade: boolean, stats: Stats, windows?: (e: VixieEntry, zone: string) => Array<{ from: number; to: number }>) {
  const db = await databaseVerdict(crontab);
  const entry = parseVixie(crontab);
  if (!entry) {
    assert.ok(!db.ok, `${JSON.stringify(crontab)}: Vixie cron refuses it, but the database accepts it`);
    stats.refused++;
    return;
  }
  if (!firesEver(entry)) {
    assert.ok(!db.ok && /never runs/.test(db.message), `${JSON.stringify(crontab)} can never fire, but the database says: ${db.ok ? 'ok' : db.message}`);
    stats.refused++;
    return;
  }
  if (!db.ok) {
    // The one rule stricter than Vixie cron: a step larger than its field (Vixie reads it as the range's first value).
    assert.match(db.message, /a step must be from 1 to/, `${JSON.stringify(crontab)}: Vixie cron runs it, but the database refuses: ${db.message}`);
    stats.refused++;
    return;
  }
  stats.accepted++;
  for (const zone of zones) {
    for (const window of windows ? windows(entry, zone) : windowsFor(entry, zone, decade)) {
      const expected = vixieTicks(entry, zone, window.from, window.to);
      const actual = await databaseTicks(crontab, zone, window);
      if (actual.length !== expected.length || actual.some((t, i) => t !== expected[i])) {
        const first = actual.findIndex((t, i) => t !== expected[i]);
        assert.equal(iso(actual.slice(Math.max(0, first - 2), first + 3)), iso(expected.slice(Math.max(0, first - 2), first + 3)),
          `${JSON.stringify(crontab)} in ${zone}, ${new Date(window.from).toISOString()} to ${new Date(window.to).toISOString()}: ` +
          `${actual.length} ticks, expected ${expected.length}; first difference at #${first}`);
      }
      stats.ticks += expected.length;
      stats.windows++;
    }
  }
}

test(`the corpus (${CORPUS.length} crontabs) in ${ZONES.length} zones`, async () => {
  const stats: Stats = { accepted: 0, refused: 0, ticks: 0, windows: 0 };
  for (const { crontab, decade } of CORPUS) await check(crontab, decade ? ['America/New_York', 'Australia/Lord_Howe', 'UTC'] : ZONES, decade ?? false, stats);
  console.log(`figures: crontab corpus: ${stats.accepted} crontabs scheduled, ${stats.refused} refused; ${stats.ticks} ticks in ${stats.windows} windows agree`);
  assert.ok(stats.accepted >= 35 && stats.refused >= 15, JSON.stringify(stats));
  assert.ok(stats.ticks > 20_000, `only ${stats.ticks} ticks compared`);
});

// ---- random crontabs from the grammar, valid and not --------------------------------------------------------

function fieldArbitrary(low: number, high: number, names: string[] = []): fc.Arbitrary<string> {
  const n = fc.integer({ min: low, max: high });
  const range = fc.tuple(n, n).map(([a, b]) => [Math.min(a, b), Math.max(a, b)]);
  const step = fc.integer({ min: 1, max: Math.min(high - low + 1, 15) });
  const item = fc.oneof(
    { arbitrary: n.map(String), weight: 4 },
    { arbitrary: fc.constant('*'), weight: 2 },
    { arbitrary: step.map((s) => `*/${s}`), weight: 2 },
    { arbitrary: range.map(([a, b]) => `${a}-${b}`), weight: 2 },
    { arbitrary: fc.tuple(range, step).map(([[a, b], s]) => `${a}-${b}/${s}`), weight: 2 },
    ...(names.length ? [{ arbitrary: fc.constantFrom(...names, ...names.map((x) => x.toUpperCase()), `${names[0]}-${names[names.length - 1]}`), weight: 2 }] : []),
    // What Vixie cron refuses: out of range, a single number with a step, a zero step, backwards, other crons' syntax.
    { arbitrary: fc.constantFrom(`${high + 1}`, `${low}/5`, '*/0', `${high}-${low}`, 'L', '?', '', `${low}-`, `*-${high}`), weight: 1 },
  );
  return fc.array(item, { minLength: 1, maxLength: 3 }).map((items) => items.join(','));
}

const randomCrontab = fc
  .tuple(fieldArbitrary(0, 59), fieldArbitrary(0, 23), fieldArbitrary(1, 31), fieldArbitrary(1, 12, ['jan', 'feb', 'jun', 'dec']), fieldArbitrary(0, 7, ['sun', 'mon', 'fri', 'sat']))
  .map((fields) => fields.join(' '));

test(`${RANDOM} random crontabs: refused clearly or ticking like Vixie cron (seed ${SEED})`, async () => {
  const stats: Stats = { accepted: 0, refused: 0, ticks: 0, windows: 0 };
  await fc.assert(
    fc.asyncProperty(randomCrontab, fc.constantFrom(...ZONES), fc.nat(100), async (crontab, zone, pick) => {
      await check(crontab, [zone], false, stats, (e, z) => {
        const windows = changeWindows(z, 18);
        return [windows.length ? windows[pick % windows.length] : { from: Date.UTC(2026, 5, 1), to: Date.UTC(2026, 5, 2, 12) }];
      });
    }),
    { numRuns: RANDOM, seed: SEED },
  );
  console.log(`figures: random crontabs: ${stats.accepted} crontabs scheduled, ${stats.refused} refused; ${stats.ticks} ticks agree`);
  assert.ok(stats.accepted >= RANDOM * 0.2 && stats.refused >= RANDOM * 0.2, `both verdicts must come up: ${JSON.stringify(stats)}`);
});

test.run();
