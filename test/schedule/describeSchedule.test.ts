// Schedules in words (src/schedule/describeSchedule.ts): presets, intervals, clock times with the time zone, week
// days, days of the month, and the crontabs it leaves as they are rather than say something wrong.
import * as assert from 'uvu/assert';
import { describeSchedule } from '../../src/schedule/describeSchedule.ts';
import { suite } from '../lib/suite.ts';

const test = suite('describeSchedule');

const CASES: Array<[string, string]> = [
  ['manual', 'manual'],
  ['hourly', 'every hour'],
  ['daily', 'daily at 00:00 Europe/Berlin'],
  ['weekly', 'weekly on Sunday at 00:00 Europe/Berlin'],
  ['monthly', 'monthly on day 1 at 00:00 Europe/Berlin'],
  ['*/5 * * * *', 'every 5 minutes'],
  ['* * * * *', 'every minute'],
  ['*/1 * * * *', 'every minute'],
  ['15 * * * *', 'every hour at :15'],
  ['0,30 * * * *', 'every hour at :00 and :30'],
  ['0 */2 * * *', 'every 2 hours'],
  ['30 */6 * * *', 'every 6 hours at :30'],
  ['0 1 * * *', 'daily at 01:00 Europe/Berlin'],
  ['30 8,17 * * 1-5', 'every Monday to Friday at 08:30 and 17:30 Europe/Berlin'],
  ['0 9 * * mon,fri', 'every Monday and Friday at 09:00 Europe/Berlin'],
  ['0 9 * * 7', 'weekly on Sunday at 09:00 Europe/Berlin'],
  ['0 8-17 * * *', 'every hour from 08:00 to 17:00 Europe/Berlin'],
  ['0 0 1,15 * *', 'monthly on day 1 and 15 at 00:00 Europe/Berlin'],
  ['0 0 29 2 *', 'every year on 29 February at 00:00 Europe/Berlin'],
  ['0 3 * jan *', 'every day in January at 03:00 Europe/Berlin'],
  ['*/5 * * * 1-5', 'every 5 minutes, on Monday to Friday (Europe/Berlin)'],
  // Left as crontabs: cron ORs day-of-month with day-of-week; steps that do not divide the hour or day; too many times.
  ['5 4 1-7 * 1', 'cron "5 4 1-7 * 1" Europe/Berlin'],
  ['*/7 * * * *', 'cron "*/7 * * * *" Europe/Berlin'],
  ['0 */5 * * *', 'cron "0 */5 * * *" Europe/Berlin'],
  ['0,20,40 8,12,16 * * *', 'cron "0,20,40 8,12,16 * * *" Europe/Berlin'],
];

test('each schedule in words', () => {
  for (const [schedule, words] of CASES) assert.is(describeSchedule(schedule, 'Europe/Berlin'), words, schedule);
});

test('the time zone named is the one given (the job\'s, else the default)', () => {
  assert.is(describeSchedule('0 1 * * *', 'UTC'), 'daily at 01:00 UTC');
  assert.is(describeSchedule('*/10 * * * *', 'UTC'), 'every 10 minutes', 'an interval does not depend on the zone');
});

test.run();
