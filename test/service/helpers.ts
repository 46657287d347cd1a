// Shared set-up for the runner tests: services started in this process (closed by stopAll), runner child
// processes (`node bin/conflag.js start`, killed by stopAll), jobs and recordings written with plain SQL, and a
// polling waitFor. Not a test file itself.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { parseStartBanner } from '../../src/cli/startBanner.ts';
import { createLogger } from '../../src/log.ts';
import { readRunnerConfig, type RunnerConfig } from '../../src/service/runnerConfig.ts';
import { startService, type Service, type ServiceOptions } from '../../src/service/startService.ts';
import { databaseUrl, openPool } from '../lib/db.ts';
import { notesLength } from '../lib/rowsPerBlock.ts';
import { waitFor } from '../lib/waitFor.ts';

export const bin = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'conflag.js');

const services: Service[] = [];
let shared: pg.Pool | undefined;

/** The test file's one pool (closed by closePools): many pools would exhaust the cluster's connections. */
export function db(): pg.Pool {
  return (shared ??= openPool(undefined, { max: 6 }));
}
const children: ChildProcess[] = [];

/** The value of a prom-client counter or gauge for the labels (0 when it has no such series). */
export async function metricValue(metric: { get(): Promise<{ values: Array<{ labels: object; value: number }> }> }, labels: Record<string, string> = {}): Promise<number> {
  const { values } = await metric.get();
  const match = values.find((v) => Object.entries(labels).every(([k, x]) => (v.labels as Record<string, unknown>)[k] === x));
  return match?.value ?? 0;
}

/** Logs of in-process services go to this file's output only at warn and above (LOG_LEVEL overrides). */
export const log = createLogger({ level: process.env.LOG_LEVEL ?? 'warn', pretty: false });

export function testConfig(overrides: Partial<RunnerConfig> = {}): RunnerConfig {
  // Fast loops, short retry delays; the reconcile is far off so tests see what NOTIFY alone achieves.
  return { ...readRunnerConfig({}), retryDelaySeconds: 1, retryBackoff: false, reconcileIntervalMs: 3_600_000, ...overrides };
}

export async function startTestService(options: Partial<Omit<ServiceOptions, 'config'>> & { config?: Partial<RunnerConfig> } = {}): Promise<Service> {
  const service = await startService({ databaseUrl: databaseUrl(), httpPort: 0, log, ...options, config: testConfig(options.config) });
  services.push(service);
  return service;
}

export interface RunnerProcess {
  child: ChildProcess;
  url: string;
  output(): string;
  exited: Promise<number | null>;
}

/** `conflag start` in a child process; resolves once it printed its URL. */
export async function spawnRunner(env: Record<string, string> = {}): Promise<RunnerProcess> {
  const child = spawn(process.execPath, [bin, 'start'], {
    env: { ...process.env, DATABASE_URL: databaseUrl(), PORT: '0', LOG_FORMAT: 'json', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (c) => (output += c));
  child.stderr!.on('data', (c) => (output += c));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await waitFor(async () => parseStartBanner(output)?.serviceUrl, {
    timeoutMs: 60_000,
    what: () => `the runner to print its URL; output so far:\n${output}`,
  });
  return { child, url, output: () => output, exited };
}

export async function stopAll(): Promise<void> {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await Promise.all(services.splice(0).map((s) => s.stop()));
}

export { waitFor };

export interface JobFields {
  name: string;
  condition?: unknown;
  action?: 'set' | 'clear';
  schedule?: string;
  timezone?: string | null;
  enabled?: boolean;
  execution_time_limit_minutes?: number | null;
  keep_alive_timeout_minutes?: number;
}

/** A job matching recordings longer than 2 hours unless `condition` says otherwise; returns its id. */
export async function insertJob(db: pg.Pool | pg.ClientBase, job: JobFields): Promise<number> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO conflag.jobs (name, condition, action, schedule, timezone, enabled, execution_time_limit_minutes, keep_alive_timeout_minutes)
     VALUES ($1, $2::jsonb, $3, $4, $5, $6, $7, $8) RETURNING id`,
    [
      job.name,
      JSON.stringify(job.condition ?? { all: [{ fact: 'duration', operator: 'greaterThan', value: 7200 }] }),
      job.action ?? 'set',
      job.schedule ?? 'manual',
      job.timezone ?? null,
      job.enabled ?? true,
      job.execution_time_limit_minutes ?? null,
      job.keep_alive_timeout_minutes ?? 15,
    ],
  );
  return Number(rows[0].id);
}

/**
 * A job as an older conflag could have saved it: the validation trigger bypassed (session_replication_role =
 * replica), so rules added since (Vixie cron's grammar, schedules that never run, zone names) do not refuse it —
 * how an unschedulable job can be in the table. Its INSERT sends no NOTIFY either: a reconcile finds it.
 */
export async function insertJobSavedUnderOlderRules(pool: pg.Pool, job: JobFields): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SET LOCAL session_replication_role = replica');
    const id = await insertJob(client, job);
    await client.query('COMMIT');
    return id;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

/** Every third recording is long; ten to a table block, so a run of one connection has a batch per block. */
export async function insertRecordings(db: pg.Pool | pg.ClientBase, count: number): Promise<void> {
  await db.query(
    `INSERT INTO conflag.recordings (tenant_id, call_id, started_at, duration, notes)
     SELECT 'default', 'call-' || i, timestamptz '2026-01-01 08:00+00' + make_interval(mins => i), CASE WHEN i % 3 = 0 THEN 10800 ELSE 60 END,
            repeat('n', $2::int)
       FROM generate_series(1, $1::int) i`,
    [count, notesLength(10)],
  );
}

export interface RunRow {
  id: string;
  job_id: string;
  trigger: string;
  attempt: number;
  request_id: string | null;
  status: string;
  changed: string;
  error: string | null;
  runner: string | null;
}

export async function runsOf(db: pg.Pool, jobId: number): Promise<RunRow[]> {
  const { rows } = await db.query<RunRow>(
    'SELECT id, job_id, trigger, attempt, request_id, status, changed, error, runner FROM conflag.job_runs WHERE job_id = $1 ORDER BY id',
    [jobId],
  );
  return rows;
}

/**
 * Holds a row lock on one recording the default job updates, so a run of it blocks mid-batch until release(): the
 * first such row in the table's physical order (runs go through the table in block order).
 */
export async function lockMatchingRecording(pool: pg.Pool): Promise<{ release(): Promise<void> }> {
  const client = await pool.connect();
  await client.query('BEGIN');
  await client.query(`SELECT id FROM conflag.recordings WHERE duration > 7200 AND NOT confidential ORDER BY ctid LIMIT 1 FOR UPDATE`);
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      await client.query('ROLLBACK').catch(() => {});
      client.release();
    },
  };
}

/** Waits until a run of the job is blocked on a lock (its session, conflag-run:<id>, waits for one); returns the run. */
export async function waitUntilBlocked(pool: pg.Pool, jobId: number, timeoutMs = 15_000): Promise<RunRow> {
  return waitFor(async () => {
    const run = (await runsOf(pool, jobId)).find((r) => r.status === 'running');
    if (!run) return undefined;
    const { rowCount } = await pool.query(`SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`, [`conflag-run:${run.id}`]);
    return rowCount ? run : undefined;
  }, { timeoutMs, what: `a run of job ${jobId} to wait on the row lock` });
}
