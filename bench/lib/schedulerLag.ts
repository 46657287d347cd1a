// The runner row: N incremental jobs due every tick, served by two real `conflag start` processes (their
// settings from the environment: CONFLAG_CONCURRENCY etc., by default the defaults), while new recordings trickle
// in. Measures tick-to-start lag (see lagFigures) and backlog (runs queued in pg-boss and not started when the next
// tick is due; ticks merged into a waiting run of the same job).
//
// Forced ticks, and why they are honest: the jobs' crontab is Feb 29 (never due by the clock during the bench);
// ~7 s before each tick the bench writes the tick's time into conflag.job_schedules.next_tick_at, the very column
// a runner fills from the crontab. A runner's scheduler re-reads the earliest next_tick_at at least every 5 s
// (tickMaxSleepMs) and then sleeps until exactly that time, as it does for a crontab tick, so from there on the
// runners fire, enqueue and start the runs with their own code. Ticks are `tickSeconds` apart (60: every minute).
//
// The jobs are primed, not run once each: every job copies the incremental state (last snapshot, fingerprint) of
// one job with the same condition that really ran, so each run goes through the change log since then like a job
// that has been running every minute — a full first run of 1 000 jobs on 5 M rows would take the whole bench.
// A run that scans the table instead is refused loudly.
import type pg from 'pg';
import { insertDemoRecordings } from '../../src/sql/insertDemoRecordings.ts';
import type { SchedulerFigures } from './benchRows.ts';
import { peakRssMb, startRunner, stopProcess, type ConflagProcess } from './conflagProcess.ts';
import { startCpuSampler } from './cpuSampler.ts';

const RUNNERS = 2;
/** More than the scheduler's longest sleep (5 s), so it sees the tick before it is due and sleeps until it. */
const LEAD_MS = 7_000;
const NAME = 'bench scheduled';
/** Recordings inserted every TRICKLE_MS while the row runs (300 a minute). */
const TRICKLE_ROWS = 10;
const TRICKLE_MS = 2_000;

export interface SchedulerInput {
  pool: pg.Pool;
  url: string;
  condition: unknown;
  /** An incremental job with the same condition whose last run succeeded. */
  primedFrom: string;
  jobs: number;
  ticks: number;
  tickSeconds: number;
  progress: (line: string) => void;
}

export async function measureSchedulerLag(input: SchedulerInput): Promise<SchedulerFigures> {
  const { pool } = input;
  const jobIds = await createPrimedJobs(input);
  const runners: ConflagProcess[] = [];
  const trickle = startTrickle(pool);
  try {
    for (let i = 0; i < RUNNERS; i++) runners.push(await startRunner(input.url));
    await waitUntil(async () => (await pool.query(`SELECT count(*)::int AS n FROM conflag.job_schedules WHERE job_id = ANY ($1::bigint[])`, [jobIds])).rows[0].n === jobIds.length,
      60_000, 'the runners to schedule the jobs');
    const cpu = await startCpuSampler(pool, runners.map((r) => r.child.pid!));
    const first = Date.now() + LEAD_MS + 1_000;
    const ticks = Array.from({ length: input.ticks }, (_, k) => new Date(first + k * input.tickSeconds * 1000));
    let backlogMax = 0;
    let unfired = 0;
    for (const [k, tick] of ticks.entries()) {
      await sleepUntil(tick.getTime() - LEAD_MS);
      unfired += await forceTick(pool, jobIds, tick);
      await sleepUntil(tick.getTime() - 100);
      if (k > 0) backlogMax = Math.max(backlogMax, await waitingRuns(pool, jobIds));
      input.progress(`  tick ${k + 1}/${ticks.length} due ${tick.toISOString()}${k > 0 ? `; runs still waiting from earlier ticks: ${backlogMax}` : ''}`);
    }
    await sleepUntil(ticks.at(-1)!.getTime() + input.tickSeconds * 1000 - 100);
    const backlogEnd = await waitingRuns(pool, jobIds);
    const end = new Date();
    const used = await cpu.stop();
    const runnerMaxRssMb = runners.map((r) => peakRssMb(r.child.pid!) ?? NaN);
    const lag = await lagFigures(pool, jobIds, ticks, unfired, end);
    const perRun = (seconds: number | null) => (seconds === null || !lag.runsStarted ? null : (1000 * seconds) / lag.runsStarted);
    return { ...lag, jobs: input.jobs, ticks: input.ticks, tickSeconds: input.tickSeconds, runners: RUNNERS, backlogMax, backlogEnd, runnerMaxRssMb,
      enqueueSeconds: await enqueueSeconds(pool, jobIds, ticks), cpuMsPerRun: { runners: perRun(used.processes), database: perRun(used.database) } };
  } finally {
    await trickle.stop();
    const codes = await Promise.all(runners.map((r) => stopProcess(r)));
    if (codes.some((c) => c !== 0)) input.progress(`  runner exit codes ${codes.join(', ')}:\n${runners.map((r) => r.output().slice(-3000)).join('\n')}`);
    await pool.query(`DELETE FROM conflag.jobs WHERE id = ANY ($1::bigint[])`, [jobIds]);
  }
}

async function createPrimedJobs(input: SchedulerInput): Promise<string[]> {
  const { rows } = await input.pool.query<{ id: string }>(
    `INSERT INTO conflag.jobs (name, condition, action, mode, schedule)
     SELECT $2 || ' ' || i, $1::jsonb, 'set', 'incremental', '0 3 29 2 *' FROM generate_series(1, $3::int) i
     RETURNING id::text`,
    [JSON.stringify(input.condition), NAME, input.jobs],
  );
  const ids = rows.map((r) => r.id);
  const primed = await input.pool.query(
    `INSERT INTO conflag.job_incremental_state (job_id, last_run_id, last_snapshot, last_snapshot_at, fingerprint)
     SELECT j, s.last_run_id, s.last_snapshot, s.last_snapshot_at, s.fingerprint
       FROM unnest($1::bigint[]) j, conflag.job_incremental_state s
      WHERE s.job_id = $2::bigint AND s.last_snapshot IS NOT NULL`,
    [ids, input.primedFrom],
  );
  if (primed.rowCount !== ids.length) throw new Error(`job ${input.primedFrom} has no incremental snapshot to prime the scheduled jobs from`);
  return ids;
}

/** Makes every job due at `tick`; returns how many still had an earlier tick unfired (lost by this override). */
async function forceTick(pool: pg.Pool, jobIds: string[], tick: Date): Promise<number> {
  const { rows } = await pool.query<{ unfired: number }>(
    `WITH old AS (SELECT job_id, next_tick_at <= now() AS unfired FROM conflag.job_schedules WHERE job_id = ANY ($1::bigint[]) FOR UPDATE),
          moved AS (UPDATE conflag.job_schedules s SET next_tick_at = $2, next_slot = $3 FROM old WHERE s.job_id = old.job_id RETURNING old.unfired)
     SELECT count(*) FILTER (WHERE unfired)::int AS unfired FROM moved`,
    [jobIds, tick, tick.toISOString()],
  );
  return rows[0].unfired;
}

/** The longest a tick took to be enqueued for all its jobs: last pg-boss created_on of the tick minus the tick. */
async function enqueueSeconds(pool: pg.Pool, jobIds: string[], ticks: Date[]): Promise<number> {
  const { rows } = await pool.query<{ s: number | null }>(
    `SELECT max(extract(epoch FROM created_on - (data->>'tickAt')::timestamptz))::float8 AS s FROM conflag_boss.job
      WHERE name = 'conflag-run' AND (data->>'jobId') = ANY ($1::text[]) AND (data->>'tickAt')::timestamptz = ANY ($2::timestamptz[])`,
    [jobIds, ticks],
  );
  return rows[0].s ?? NaN;
}

/** Runs of these jobs queued in pg-boss and not started yet. */
async function waitingRuns(pool: pg.Pool, jobIds: string[]): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM conflag_boss.job
      WHERE name = 'conflag-run' AND state IN ('created', 'retry') AND (data->>'jobId') = ANY ($1::text[])`,
    [jobIds],
  );
  return rows[0].n;
}

/**
 * Lag of each (job, tick): from the tick to the first run of the job that started (job_runs.started_at, written
 * when the run really begins, not when pg-boss hands it out) at or after it — the run that serves that tick,
 * whether the tick was queued on its own or merged into a waiting one. A tick with no run started by `end`
 * counts with end - tick, a lower bound of its lag.
 */
async function lagFigures(pool: pg.Pool, jobIds: string[], ticks: Date[], unfired: number, end: Date) {
  const lags = (await pool.query<{ lag: number }>(
    `SELECT extract(epoch FROM coalesce(
              (SELECT min(r.started_at) FROM conflag.job_runs r
                WHERE r.job_id = j AND r.trigger = 'schedule' AND r.status <> 'skipped' AND r.started_at >= t), $3) - t)::float8 AS lag
       FROM unnest($1::bigint[]) j, unnest($2::timestamptz[]) t
      ORDER BY lag`,
    [jobIds, ticks, end],
  )).rows.map((r) => r.lag);
  const queued = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM conflag_boss.job
      WHERE name = 'conflag-run' AND (data->>'jobId') = ANY ($1::text[]) AND (data->>'tickAt')::timestamptz = ANY ($2::timestamptz[])`,
    [jobIds, ticks],
  );
  const runs = await pool.query<{ seconds: number | null; scan: string | null }>(
    `SELECT extract(epoch FROM finished_at - started_at)::float8 AS seconds, scan FROM conflag.job_runs
      WHERE job_id = ANY ($1::bigint[]) AND trigger = 'schedule' AND status <> 'skipped'`,
    [jobIds],
  );
  const tableScans = runs.rows.filter((r) => r.scan === 'table').length;
  if (tableScans) throw new Error(`${tableScans} scheduled runs scanned the whole table: priming the incremental state failed`);
  const seconds = runs.rows.filter((r) => r.seconds !== null).map((r) => r.seconds!).sort((a, b) => a - b);
  return {
    runsStarted: runs.rows.length,
    lagP50: quantile(lags, 0.5), lagP95: quantile(lags, 0.95), lagMax: lags.at(-1) ?? NaN,
    mergedTicks: jobIds.length * ticks.length - queued.rows[0].n + unfired,
    runSeconds: { p50: quantile(seconds, 0.5), p95: quantile(seconds, 0.95) },
  };
}

function quantile(sorted: number[], q: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

/** A little insert traffic, as the recording platform makes: every run then has a few changes to consider. */
function startTrickle(pool: pg.Pool): { stop(): Promise<void> } {
  let stopped = false;
  let seed = 0;
  const loop = (async () => {
    while (!stopped) {
      const client = await pool.connect();
      try {
        await insertDemoRecordings(client, TRICKLE_ROWS, (seed = (seed + 0.013) % 1));
      } finally {
        client.release();
      }
      await new Promise((r) => setTimeout(r, TRICKLE_MS));
    }
  })();
  return { stop: async () => { stopped = true; await loop; } };
}

async function sleepUntil(at: number): Promise<void> {
  const ms = at - Date.now();
  if (ms > 0) await new Promise((r) => setTimeout(r, ms));
}

async function waitUntil(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
