// Values without an offset are resolved in TypeScript (so the reference operators and the compiler share one
// instant); this checks that resolution against PostgreSQL's own reading of the same wall-clock time in the
// same zone — including times inside DST gaps and overlaps — and the fact texts against AT TIME ZONE.
import fc from 'fast-check';
import * as assert from 'uvu/assert';
import { instantParameter, localParts, parseTimestampValue, parseDateValue, parseTimeValue, instantOf } from '../../src/condition/temporal.ts';
import { closePools, openPool } from '../lib/db.ts';
import { suite } from '../lib/suite.ts';

const test = suite('condition: timestamps, dates and times');
test.after(closePools);
// Session in UTC: to_char(timestamptz) prints in the session's zone.
const pool = openPool(undefined, { options: '-c TimeZone=UTC' });
const SEED = Number(process.env.CONFLAG_PROPERTY_SEED ?? 20240310);

const ZONES = ['America/New_York', 'Europe/Berlin', 'Australia/Lord_Howe', 'Pacific/Chatham', 'America/St_Johns', 'Asia/Kolkata', 'UTC', 'America/Sao_Paulo', 'Europe/Moscow'];
// Transition days (gaps and overlaps) of those zones, and some plain days.
const DAYS = ['2024-03-10', '2024-11-03', '2024-03-31', '2024-10-27', '2024-04-07', '2024-10-06', '2024-09-29', '2014-10-26', '2011-03-27', '2018-11-04', '2024-06-15'];

const pad = (n: number) => String(n).padStart(2, '0');
const wallTime = fc
  .tuple(fc.constantFrom(...DAYS), fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 15, 30, 45, 59), fc.constantFrom(0, 30, 59))
  .map(([d, h, m, s]) => `${d} ${pad(h)}:${pad(m)}:${pad(s)}`);

test('a value without offset means what PostgreSQL reads (DST gaps and overlaps included)', async () => {
  let gapsOrOverlaps = 0;
  await fc.assert(
    fc.asyncProperty(wallTime, fc.constantFrom(...ZONES), async (wall, zone) => {
      const us = parseTimestampValue(wall, zone);
      assert.ok(us !== undefined, wall);
      const { rows } = await pool.query<{ utc: string; roundtrip: string }>(
        `SELECT to_char($1::timestamp AT TIME ZONE $2, 'YYYY-MM-DD"T"HH24:MI:SS') AS utc,
                to_char(($1::timestamp AT TIME ZONE $2) AT TIME ZONE $2, 'YYYY-MM-DD HH24:MI:SS') AS roundtrip`,
        [wall, zone],
      );
      const ours = instantParameter(us!);
      if (rows[0].roundtrip !== wall) gapsOrOverlaps += 1;
      assert.is(ours, `${rows[0].utc.replace('T', ' ')}+00`, `${wall} in ${zone}`);
    }),
    { numRuns: 1500, seed: SEED },
  );
  assert.ok(gapsOrOverlaps > 10, `only ${gapsOrOverlaps} values fell into a DST gap`);
});

test('start_date / start_time / start_weekday in JS equal AT TIME ZONE in SQL', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: Date.parse('2011-01-01T00:00:00Z'), max: Date.parse('2025-12-31T00:00:00Z') }),
      fc.integer({ min: 0, max: 999_999 }),
      fc.constantFrom(...ZONES),
      async (ms, micros, zone) => {
        const text = new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', `.${String(micros).padStart(6, '0')}+00`);
        const { rows } = await pool.query<{ date: string; time: string; weekday: string }>(
          `SELECT to_char(($1::timestamptz AT TIME ZONE $2)::date, 'YYYY-MM-DD') AS date,
                  to_char(($1::timestamptz AT TIME ZONE $2)::time, 'HH24:MI:SS.US') AS time,
                  trim(lower(to_char($1::timestamptz AT TIME ZONE $2, 'Day'))) AS weekday`,
          [text, zone],
        );
        const ours = localParts(instantOf(text), zone);
        assert.equal({ ...ours, time: ours.time.includes('.') ? ours.time : ours.time + '.000000' }, rows[0], `${text} in ${zone}`);
      },
    ),
    { numRuns: 1000, seed: SEED },
  );
});

test('value grammars follow the database: offsets, fractions, real dates only', () => {
  assert.is(parseTimestampValue('2024-02-30 10:00', 'UTC'), undefined);
  assert.is(parseTimestampValue('2024-01-01', 'UTC'), undefined, 'a timestamp needs a time');
  assert.is(parseTimestampValue('2024-01-01 10:00+0100', 'UTC'), undefined, 'offsets are ±HH:MM');
  assert.is(parseTimestampValue('2024-01-01 10:00+16:00', 'UTC'), undefined, 'PostgreSQL refuses offsets beyond 15:59');
  assert.is(instantParameter(parseTimestampValue('2024-01-01 10:00:00.5-15:59', 'UTC')!), '2024-01-02 01:59:00.500000+00');
  assert.is(instantParameter(parseTimestampValue('2024-01-01T00:00:00.000001Z', 'Asia/Tokyo')!), '2024-01-01 00:00:00.000001+00');
  assert.is(instantParameter(parseTimestampValue('0001-01-01 00:00+14:00', 'UTC')!), '0001-12-31 10:00:00+00 BC');
  assert.is(parseDateValue('2023-02-29'), undefined);
  assert.is(parseDateValue('2024-02-29'), '2024-02-29');
  assert.is(parseTimeValue('24:00'), undefined);
  assert.is(parseTimeValue('23:59:59'), 86_399_000_000n);
});

test.run();
