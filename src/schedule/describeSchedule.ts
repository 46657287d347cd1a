// A job's schedule in plain words, for people: `conflag jobs` and the job pages. "manual", "every 5 minutes",
// "daily at 01:00 Europe/Berlin", "every Monday to Friday at 08:00 and 17:30 UTC". Crontabs this cannot say
// simply (day-of-month with day-of-week, where Vixie cron's rule depends on a leading *; irregular steps; many
// times) are shown as they are, with the time zone: `cron "5 4 1-7 * 1" Europe/Berlin`. Presets are expanded the way conflag.schedule_cron does.
// Clock times and days are in the job's time zone, which is named whenever it matters.

const PRESETS: Record<string, string> = { hourly: '0 * * * *', daily: '0 0 * * *', weekly: '0 0 * * 0', monthly: '0 0 1 * *' };
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const NAMES: Record<string, number> = Object.fromEntries([
  ...MONTHS.map((m, i) => [m.slice(0, 3).toLowerCase(), i + 1]),
  ...DAYS.map((d, i) => [d.slice(0, 3).toLowerCase(), i]),
]);
/** At most this many clock times are listed; more are left as the crontab. */
const MAX_TIMES = 6;

/** A crontab field: every value, a step from the start (`*\/15`), or the exact values it names. */
type Field = { every: true } | { step: number } | { values: number[] };

function parseField(text: string, min: number, max: number): Field | undefined {
  if (text === '*') return { every: true };
  const step = /^\*\/(\d+)$/.exec(text);
  if (step) return Number(step[1]) === 1 ? { every: true } : { step: Number(step[1]) };
  const values = new Set<number>();
  for (const part of text.toLowerCase().split(',')) {
    const m = /^([0-9a-z]+)(?:-([0-9a-z]+))?(?:\/(\d+))?$/.exec(part);
    if (!m) return undefined;
    const value = (t: string) => (t in NAMES ? NAMES[t] : /^\d+$/.test(t) ? Number(t) : NaN);
    const from = value(m[1]);
    const to = m[2] === undefined ? (m[3] ? max : from) : value(m[2]);
    const by = m[3] === undefined ? 1 : Number(m[3]);
    if (!(from >= min && to <= max && from <= to && by >= 1)) return undefined;
    for (let v = from; v <= to; v += by) values.add(v);
  }
  return { values: [...values].sort((a, b) => a - b) };
}

function list(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** "every 5 minutes", "every hour at :15", "every 2 hours", "at 08:00 and 17:30", "every hour from 08:00 to
 * 17:00" (clock: the text ends in a time of day, so the time zone follows it). */
function describeTime(minute: Field, hour: Field): { text: string; clock: boolean } | undefined {
  if ('every' in hour) {
    if ('every' in minute) return { text: 'every minute', clock: false };
    if ('step' in minute) return 60 % minute.step === 0 ? { text: `every ${minute.step} minutes`, clock: false } : undefined;
    if (minute.values.length === 1 && minute.values[0] === 0) return { text: 'every hour', clock: false };
    return minute.values.length <= MAX_TIMES ? { text: `every hour at ${list(minute.values.map((m) => `:${pad(m)}`))}`, clock: false } : undefined;
  }
  if (!('values' in minute)) return undefined;
  if ('step' in hour) {
    if (24 % hour.step !== 0 || minute.values.length !== 1) return undefined;
    return { text: `every ${hour.step} hours${minute.values[0] ? ` at :${pad(minute.values[0])}` : ''}`, clock: false };
  }
  const hours = hour.values;
  if (minute.values.length === 1 && hours.length > MAX_TIMES && hours.every((h, i) => i === 0 || h === hours[i - 1] + 1)) {
    const m = pad(minute.values[0]);
    return { text: `every hour from ${pad(hours[0])}:${m} to ${pad(hours[hours.length - 1])}:${m}`, clock: true };
  }
  const times = hours.flatMap((h) => minute.values.map((m) => `${pad(h)}:${pad(m)}`));
  return times.length <= MAX_TIMES ? { text: `at ${list(times)}`, clock: true } : undefined;
}

/** "Monday", "Monday and Friday", "Monday to Friday". */
function describeWeekdays(values: number[]): string {
  const days = [...new Set(values.map((d) => d % 7))].sort((a, b) => a - b);
  const consecutive = days.length >= 3 && days.every((d, i) => i === 0 || d === days[i - 1] + 1);
  return consecutive ? `${DAYS[days[0]]} to ${DAYS[days[days.length - 1]]}` : list(days.map((d) => DAYS[d]));
}

/** Which days: '' for every day, else a phrase; undefined when cron's day rules are too tangled to say simply. */
function describeDays(dom: Field, month: Field, dow: Field): { text: string; kind: 'daily' | 'weekly' | 'other' } | undefined {
  if (!('every' in month) && !('values' in month)) return undefined;
  const months = 'values' in month ? list(month.values.map((m) => MONTHS[m - 1])) : '';
  if ('every' in dom && 'every' in dow) return months ? { text: `every day in ${months}`, kind: 'other' } : { text: '', kind: 'daily' };
  if ('every' in dom && 'values' in dow) {
    const days = describeWeekdays(dow.values);
    const single = !days.includes(' ');
    return { text: `${single ? 'weekly on' : 'every'} ${days}${months ? ` in ${months}` : ''}`, kind: 'weekly' };
  }
  if ('values' in dom && 'every' in dow) {
    const days = list(dom.values.map(String));
    if (months && 'values' in month && month.values.length === 1) return { text: `every year on ${days} ${months}`, kind: 'other' };
    return { text: `monthly on day ${days}${months ? ` in ${months}` : ''}`, kind: 'other' };
  }
  return undefined;
}

/**
 * The schedule in words. `timezone` is the zone the job's schedule is read in (its own, else the default):
 * named after a clock time, or in brackets when only the days depend on it.
 */
export function describeSchedule(schedule: string, timezone: string): string {
  if (schedule === 'manual') return 'manual';
  const crontab = PRESETS[schedule] ?? schedule;
  const raw = `cron "${crontab.trim()}" ${timezone}`;
  const parts = crontab.trim().split(/\s+/);
  if (parts.length !== 5) return raw;
  const [minute, hour, dom, month, dow] = [
    parseField(parts[0], 0, 59), parseField(parts[1], 0, 23), parseField(parts[2], 1, 31), parseField(parts[3], 1, 12), parseField(parts[4], 0, 7),
  ];
  if (!minute || !hour || !dom || !month || !dow) return raw;
  const time = describeTime(minute, hour);
  const days = describeDays(dom, month, dow);
  if (!time || !days) return raw;
  if (time.clock) {
    const at = time.text.startsWith('at ');
    const when = days.kind !== 'daily' ? `${days.text}${at ? '' : ','} ` : at ? 'daily ' : '';
    return `${when}${time.text} ${timezone}`;
  }
  if (!days.text) return time.text;
  return `${time.text}, ${days.kind === 'weekly' ? days.text.replace(/^(every|weekly on) /, 'on ') : days.text} (${timezone})`;
}
