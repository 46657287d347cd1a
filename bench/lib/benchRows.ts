// The rows `npm run bench` reports: issue 14's reference and conflag rows, grouped by the state of the data they
// need. Each group's first row is its baseline, measured in the same run, interleaved with the others; ratios are
// against it. Goals are issue 14's, checked on the measured figures (never asserted by a test).

export const ROWS = {
  'hand-update': 'one hand-written guarded UPDATE (baseline)',
  'keyset-100k': 'hand-written keyset batches of 100 000 ids',
  'keyset-500k': 'hand-written keyset batches of 500 000 ids',
  'block-ranges': 'hand-written block-range batches (ctid ranges, TID Range Scan)',
  'block-ranges-2conn': 'block-range batches on two concurrent connections',
  'id-halves-2conn': 'two id halves in parallel (one UPDATE each)',
  'keyset-2conn': 'keyset batches of 100 000 ids on two connections',
  'conflag-full': 'conflag full run (default settings: 2 connections)',
  'conflag-full-1conn': 'conflag full run on one connection (parallelism 1)',
  'conflag-full-runner': 'conflag full run as a conflag_runner login (row-level security checked per updated row)',
  'row-by-row': 'row by row: cursor to Node, json-rules-engine per row, UPDATE by id',
  'hand-update-rerun': 'one hand-written guarded UPDATE, nothing to change (baseline)',
  'conflag-rerun': 'conflag re-run, nothing to change',
  'conflag-full-after-10k': 'conflag full run after 10 000 new recordings (baseline)',
  'conflag-incremental-10k': 'conflag incremental run after 10 000 new recordings',
  'conflag-full-after-bulk': 'conflag full run after a bulk load of +25 % rows (baseline)',
  'conflag-incremental-bulk': 'conflag incremental run after a bulk load of +25 % rows',
  'scheduler-lag': 'jobs every minute on 2 runner processes: tick-to-start lag',
  'peak-rss': 'peak RSS of a conflag run (`conflag run` in a child process)',
} as const;

export type RowId = keyof typeof ROWS;

export const GROUPS = {
  'first-run': {
    title: 'First run (flags all false before each measurement)',
    rows: ['hand-update', 'keyset-100k', 'keyset-500k', 'block-ranges', 'block-ranges-2conn', 'id-halves-2conn', 'keyset-2conn', 'conflag-full', 'conflag-full-1conn', 'conflag-full-runner', 'row-by-row'],
  },
  're-run': { title: 'Re-run (every flag already right)', rows: ['hand-update-rerun', 'conflag-rerun'] },
  'incremental-10k': { title: 'Incremental after 10 000 new recordings', rows: ['conflag-full-after-10k', 'conflag-incremental-10k'] },
  'incremental-bulk': { title: 'Incremental after a bulk load of +25 % rows', rows: ['conflag-full-after-bulk', 'conflag-incremental-bulk'] },
  scheduler: { title: 'Runner: scheduled jobs on 2 runner processes', rows: ['scheduler-lag'] },
  'peak-rss': { title: 'Peak RSS of a run', rows: ['peak-rss'] },
} as const satisfies Record<string, { title: string; rows: readonly RowId[] }>;

export type GroupId = keyof typeof GROUPS;

/** The rows of a group that run: the chosen ones plus the baseline; none when no row of the group was chosen. */
export function rowsToRun(group: GroupId, only: Set<RowId>): RowId[] {
  const rows: readonly RowId[] = GROUPS[group].rows;
  if (!rows.some((r) => only.has(r))) return [];
  return rows.filter((r, i) => i === 0 || only.has(r));
}

/** What a reported row carries; fields that do not apply are absent. */
export interface RowResult {
  row: RowId;
  group: GroupId;
  title: string;
  /** Timed rows: median seconds over the repetitions, each repetition's seconds, ratio to the group's baseline. */
  seconds?: number;
  runs?: number[];
  ratio?: number;
  baseline?: RowId;
  /** Recordings the row reported changing (its own count: UPDATE row counts, executeRun's changed). */
  changed?: number;
  /** Row versions written to conflag.recordings (pg_stat_user_tables n_tup_upd delta) and how many were HOT. */
  rowsWritten?: number | null;
  hotWritten?: number | null;
  /** WAL generated during the row (pg_current_wal_lsn delta, after a CHECKPOINT) and full-page images in it. */
  walBytes?: number;
  walFullPageImages?: number | null;
  walBytesPerChanged?: number | null;
  /** peak-rss: the table's size and the run's maximum resident set size. */
  tableRows?: number;
  maxRssMb?: number;
  /** scheduler-lag. */
  scheduler?: SchedulerFigures;
  goal?: string;
  goalMet?: boolean;
  note?: string;
}

export interface SchedulerFigures {
  jobs: number;
  ticks: number;
  tickSeconds: number;
  runners: number;
  /** Runs of the scheduled jobs that started (conflag.job_runs, trigger schedule, not skipped). */
  runsStarted: number;
  /** Per (job, tick): seconds from the tick to the start of the job's first run at or after it. */
  lagP50: number;
  lagP95: number;
  lagMax: number;
  /** Queued runs not yet started when the next tick came due (largest over the ticks), and at the end. */
  backlogMax: number;
  backlogEnd: number;
  /** Ticks merged into a tick of the same job still waiting in the queue (they never got a run of their own). */
  mergedTicks: number;
  runSeconds: { p50: number; p95: number };
  runnerMaxRssMb: number[];
  /** The longest a tick took until every job's run was in the queue (pg-boss created_on minus the tick). */
  enqueueSeconds: number;
  /** CPU milliseconds per started run: the runner processes, and their database backends (null: not measurable). */
  cpuMsPerRun: { runners: number | null; database: number | null };
}

/** Issue 14's goals, checked on a finished row. */
export function checkGoal(row: RowResult): Pick<RowResult, 'goal' | 'goalMet'> {
  switch (row.row) {
    case 'conflag-full':
      return { goal: 'ratio <= 0.8', goalMet: row.ratio! <= 0.8 };
    case 'conflag-rerun':
      return { goal: 'ratio <= 0.8, 0 rows written', goalMet: row.ratio! <= 0.8 && row.rowsWritten === 0 };
    case 'conflag-incremental-10k':
      return { goal: 'ratio <= 0.05', goalMet: row.ratio! <= 0.05 };
    case 'conflag-incremental-bulk':
      return { goal: 'ratio <= 1.0', goalMet: row.ratio! <= 1 };
    case 'peak-rss':
      // Flat: within 15 % of the run on the smallest table (ratio).
      return { goal: '<= 150 MB, flat', goalMet: row.maxRssMb! <= 150 && row.ratio! <= 1.15 };
    case 'scheduler-lag':
      return { goal: 'p95 <= 2 s, no backlog', goalMet: row.scheduler!.lagP95 <= 2 && row.scheduler!.backlogMax === 0 && row.scheduler!.mergedTicks === 0 };
    default:
      return {};
  }
}
