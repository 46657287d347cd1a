// The options of `npm run bench`, read from the command line with node:util parseArgs. A bad value is refused with
// the option, the value and what is allowed, before anything touches a database.
import { parseArgs } from 'node:util';
import { GROUPS, ROWS, type RowId } from './benchRows.ts';

export interface BenchOptions {
  /** Demo recordings loaded before the first measurement. */
  rows: number;
  /** Share of the recordings the condition selects (0 < match <= 0.5). */
  match: number;
  /** Month-partitioned recordings (the DDL of docs/reporting.md, with partitions for the demo data's months). */
  partitioned: boolean;
  /** Rows to measure (always with their group's baseline). */
  only: Set<RowId>;
  repeat: number;
  json: boolean;
  /** Database created (anew) on DATABASE_URL's server. */
  database: string;
  /** Table sizes for the peak-RSS rows; the table grows to each in turn at the end of the bench. */
  rssRows: number[];
  /** The scheduler row: jobs, ticks, seconds between ticks. */
  jobs: number;
  ticks: number;
  tickSeconds: number;
}

export const USAGE = `npm run bench -- [options]          (embedded PostgreSQL, or DATABASE_URL's server)

  --rows N           demo recordings (default 1000000; the issue's figures are for 5000000)
  --match R          share of recordings the condition selects, 0.0001-0.5 or a percentage like 1% (default 1%)
  --partitioned      run on a month-partitioned recordings table (docs/reporting.md)
  --only a,b         only these rows or groups (baselines always run): ${Object.keys(GROUPS).join(', ')} or a row id
  --repeat N         timed repetitions per row, interleaved (default 3)
  --json             one JSON line per row and a summary line instead of the markdown table
  --database NAME    database to create on DATABASE_URL's server (default bench_conflag_runs)
  --rss-rows a,b     table sizes for the peak-RSS rows (default: --rows and 4 x --rows)
  --jobs N           jobs in the scheduler row (default 1000)
  --ticks N          scheduled ticks in the scheduler row (default 3)
  --tick-seconds S   seconds between ticks (default 60: every minute)`;

export function readBenchOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      rows: { type: 'string' }, match: { type: 'string' }, partitioned: { type: 'boolean' }, only: { type: 'string' },
      repeat: { type: 'string' }, json: { type: 'boolean' }, database: { type: 'string' }, 'rss-rows': { type: 'string' },
      jobs: { type: 'string' }, ticks: { type: 'string' }, 'tick-seconds': { type: 'string' },
    },
  });
  const rows = whole('--rows', values.rows, 1_000_000, 1_000, 100_000_000);
  const database = values.database ?? 'bench_conflag_runs';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(database)) refuse('--database', database, 'a lower-case name of letters, digits and _');
  return {
    rows,
    match: matchRate(values.match),
    partitioned: values.partitioned ?? false,
    only: onlyRows(values.only),
    repeat: whole('--repeat', values.repeat, 3, 1, 100),
    json: values.json ?? false,
    database,
    rssRows: values['rss-rows'] === undefined
      ? [rows, 4 * rows]
      : values['rss-rows'].split(',').map((n) => whole('--rss-rows', n.trim(), 0, rows, 100_000_000)).sort((a, b) => a - b),
    jobs: whole('--jobs', values.jobs, 1_000, 1, 100_000),
    ticks: whole('--ticks', values.ticks, 3, 1, 1_000),
    tickSeconds: whole('--tick-seconds', values['tick-seconds'], 60, 8, 3_600),
  };
}

function refuse(option: string, value: string, allowed: string): never {
  throw new Error(`${option} ${JSON.stringify(value)} is not valid: use ${allowed}.\n\n${USAGE}`);
}

function whole(option: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  const value = Number(text.replaceAll('_', ''));
  if (!Number.isInteger(value) || value < min || value > max) refuse(option, text, `a whole number from ${min} to ${max}`);
  return value;
}

function matchRate(text: string | undefined): number {
  if (text === undefined) return 0.01;
  const value = text.endsWith('%') ? Number(text.slice(0, -1)) / 100 : Number(text);
  if (!Number.isFinite(value) || value < 0.0001 || value > 0.5) refuse('--match', text, 'a share from 0.0001 to 0.5, or a percentage from 0.01% to 50%');
  return value;
}

function onlyRows(text: string | undefined): Set<RowId> {
  if (text === undefined) return new Set(Object.keys(ROWS) as RowId[]);
  const chosen = new Set<RowId>();
  for (const name of text.split(',').map((n) => n.trim()).filter(Boolean)) {
    const group = GROUPS[name as keyof typeof GROUPS];
    if (group) for (const id of group.rows) chosen.add(id);
    else if (name in ROWS) chosen.add(name as RowId);
    else refuse('--only', name, `row ids or group names: ${[...Object.keys(GROUPS), ...Object.keys(ROWS)].join(', ')}`);
  }
  if (!chosen.size) refuse('--only', text, 'at least one row id or group name');
  return chosen;
}
