// Runs one job once. Loads the job, fixes the run's timezone and as_of, records the run (src/sql/startRun.ts: takes
// the job's liveness lock, takes over from a dead run, or records a 'skipped' run when the job is busy), compiles
// scope AND condition with the compiler (src/condition), plans the scan (prepareScan: block ranges of the table, or
// an incremental run's candidates), then lets runBatches work through it on `parallelism` connections. Every
// statement is bounded by the run's time budget (the job's execution time limit, or the longest a run may last),
// each batch by what is left of it. While the run is in progress the runner writes a heartbeat every 10 s from
// another connection (runHeartbeat.ts), so the keep-alive tells a busy run from a frozen runner. The run row never
// stays 'running' on an error this process sees: the failing batch rolls back and the run is marked 'failed',
// 'aborted' (a stop request, the time limit), 'stopped' (a stop by an operator) or 'interrupted' (its session went
// away; recorded on another connection once the database answers).
// A job with log_enabled also gets a detailed log in conflag.job_run_log (start with settings and compiled SQL,
// scan plan, each batch — inside the batch's transaction —, a rolled-back batch, the end); without it nothing
// is written there.
import type pg from 'pg';
import { loadCatalog } from '../condition/loadCatalog.ts';
import { recordingsOfJob } from '../condition/recordingsOfJob.ts';
import { compileSql } from '../db/kysely.ts';
import { ConflagError, SQLSTATE } from '../errors.ts';
import type { Logger } from '../log.ts';
import { loadRecordingSource } from '../source/recordingSource.ts';
import { incrementalStateOf } from '../sql/incrementalStateOf.ts';
import { insertRunLog, type RunLogEntry } from '../sql/insertRunLog.ts';
import { loadJob } from '../sql/loadJob.ts';
import { prepareScan } from '../sql/prepareScan.ts';
import { resolveTimezone } from '../sql/resolveTimezone.ts';
import { startRun } from '../sql/startRun.ts';
import { firstBatchSize } from './batchSizer.ts';
import { dependsOnRunTime } from './conditionFacts.ts';
import { extraConnections } from './extraConnections.ts';
import { recordRunEnd } from './recordRunEnd.ts';
import { runBatches } from './runBatches.ts';
import { classifyFailure } from './runFailure.ts';
import { startRunHeartbeat } from './runHeartbeat.ts';
import { runLimit, type RunLimit } from './runLimit.ts';
import { batchRolledBackEntry, fewerConnectionsEntry, runFinishedEntry, runSkippedEntry, runStartedEntry, scanPlannedEntry } from './runLogEntries.ts';
import { runFingerprint } from './runFingerprint.ts';
import {
  DEFAULT_BATCH_TARGET_MS, DEFAULT_PARALLELISM, MAX_BATCH_UNITS, MAX_PARALLELISM, MAX_RUN_MINUTES,
  type ExecuteRunOptions, type FinalRunStatus, type JobRow, type ParallelismSource, type RunProgress, type RunResult,
} from './types.ts';

interface RunSettings {
  attempt: number;
  parallelism: number;
  /** Who chose the parallelism: the caller's option (conflag run --parallel), the job, or the runner's default. */
  parallelismFrom: ParallelismSource;
  targetMs: number;
  fixedUnits?: number;
}

type CheckedOptions = Omit<RunSettings, 'parallelism' | 'parallelismFrom'> & { parallelism?: number; defaultParallelism: number };

export async function executeRun(pool: pg.Pool, jobId: string | number | bigint, options: ExecuteRunOptions): Promise<RunResult> {
  const checked = checkOptions(options);
  const client = await pool.connect();
  const session = { broken: undefined as Error | undefined };
  const onClientError = (error: Error) => (session.broken = error);
  client.on('error', onClientError);
  try {
    const job = await loadJob(client, jobId);
    if (!job) throw new ConflagError(SQLSTATE.runJobNotFound, `job ${jobId} does not exist`);
    const settings = withParallelism(checked, job);
    const limit = runLimit(job.execution_time_limit_minutes);
    if (limit.minutes > MAX_RUN_MINUTES) {
      // Refused when the job is written (CF015); a row from before that check must not be cut silently either.
      throw new ConflagError(SQLSTATE.jobTimeLimitTooLong,
        `job ${job.id}: execution_time_limit_minutes ${limit.minutes} is longer than a run can last (${MAX_RUN_MINUTES}); lower it`);
    }
    const timezone = await resolveTimezone(client, job.timezone);
    const started = await startRun(client, {
      job, trigger: options.trigger, attempt: settings.attempt, timezone, parallelism: settings.parallelism, batchTargetMs: settings.targetMs,
      now: options.now ?? null, answerRequests: options.answerRequests === true, queueJobId: options.queueJobId ?? null,
      retryable: options.retryPlannedOnFailure === true, statementTimeoutMs: limit.minutes * 60_000,
    });
    if (started.kind === 'skipped') return await recordSkipped(client, job, started, options.log);
    const heartbeat = startRunHeartbeat(pool, started.runId, options.log);
    try {
      return await carryOut({
        pool, client, session, job, timezone, runId: started.runId, asOf: started.asOf, requestId: started.requestId, limit, settings, options,
      });
    } finally {
      await heartbeat.stop();
    }
  } finally {
    client.off('error', onClientError);
    if (!session.broken) await resetSession(client).catch((error: Error) => (session.broken = error));
    client.release(session.broken);
  }
}

/** Back to a plain pooled connection: the run's name, limits and liveness lock go (the lock is normally released
 * already, with the run's end). */
async function resetSession(client: pg.ClientBase): Promise<void> {
  await client.query('RESET application_name; RESET statement_timeout; RESET client_connection_check_interval; SELECT pg_advisory_unlock_all()');
}

function checkOptions(options: ExecuteRunOptions): CheckedOptions {
  const attempt = options.attempt ?? 1;
  const { parallelism, defaultParallelism = DEFAULT_PARALLELISM } = options;
  const targetMs = options.batchTargetMs ?? DEFAULT_BATCH_TARGET_MS;
  const bad = (what: string) => new ConflagError(SQLSTATE.runBadOption, what);
  if (!Number.isInteger(attempt) || attempt < 1) throw bad(`attempt ${attempt} is not valid: use a whole number from 1 up`);
  for (const [name, value] of [['parallelism', parallelism], ['default parallelism', defaultParallelism]] as const) {
    if (value !== undefined && (!Number.isInteger(value) || value < 1 || value > MAX_PARALLELISM)) {
      throw bad(`${name} ${value} is not valid: use a whole number from 1 to ${MAX_PARALLELISM}`);
    }
  }
  if (!Number.isInteger(targetMs) || targetMs < 10 || targetMs > 600_000) {
    throw bad(`batch time target ${targetMs} ms is not valid: use a whole number of milliseconds from 10 to 600000`);
  }
  const fixed = options.batchUnits;
  if (fixed !== undefined && (!Number.isInteger(fixed) || fixed < 1 || fixed > MAX_BATCH_UNITS)) {
    throw bad(`batch size ${fixed} is not valid: use a whole number of blocks (or candidates) from 1 to ${MAX_BATCH_UNITS}`);
  }
  return { attempt, parallelism, defaultParallelism, targetMs, ...(fixed !== undefined ? { fixedUnits: fixed } : {}) };
}

/** The caller's parallelism (conflag run --parallel) wins over the job's (conflag.jobs.parallelism), which wins over
 * the runner's default (CONFLAG_RUN_PARALLELISM). */
function withParallelism(checked: CheckedOptions, job: JobRow): RunSettings {
  const { parallelism, defaultParallelism, ...rest } = checked;
  if (parallelism !== undefined) return { ...rest, parallelism, parallelismFrom: 'run option' };
  if (job.parallelism !== null) return { ...rest, parallelism: job.parallelism, parallelismFrom: 'job' };
  return { ...rest, parallelism: defaultParallelism, parallelismFrom: 'runner default' };
}

async function recordSkipped(client: pg.ClientBase, job: JobRow, started: { runId: string; runningRunId: string }, log?: Logger): Promise<RunResult> {
  log?.info({ jobId: job.id, job: job.name, runId: started.runId, runningRunId: started.runningRunId }, 'run skipped: the job is already running');
  const error = `job is already running (run ${started.runningRunId})`;
  if (job.log_enabled) {
    await insertRunLog(client, started.runId, [runSkippedEntry(started.runningRunId, error)]).catch((failure: unknown) =>
      log?.warn({ jobId: job.id, runId: started.runId, err: failure }, 'could not write the run log'));
  }
  return { runId: started.runId, status: 'skipped', matched: 0, changed: 0, skipped: 0, batches: 0, flipFlops: 0, scan: null, error, runningRunId: started.runningRunId };
}

interface RunContext {
  pool: pg.Pool;
  client: pg.PoolClient;
  session: { broken: Error | undefined };
  job: JobRow;
  timezone: string;
  runId: string;
  asOf: Date;
  /** The first request the run answers, if any. */
  requestId: string | null;
  limit: RunLimit;
  settings: RunSettings;
  options: ExecuteRunOptions;
}

async function carryOut(ctx: RunContext): Promise<RunResult> {
  const { client, job, runId, options, settings } = ctx;
  const log = options.log;
  const logContext = { runId, jobId: job.id, job: job.name };
  const batchLog = job.log_enabled ? log?.info.bind(log) : log?.debug.bind(log);
  const startPerf = performance.now();
  const clock = options.clock ?? Date.now;
  const deadline = clock() + ctx.limit.minutes * 60_000;
  const progress: RunProgress = {
    runId, jobId: job.id, scan: 'table', batches: 0, units: 0, scannedUnits: 0, candidates: null, matched: 0, changed: 0, skipped: 0, flipFlops: 0,
    fraction: 0,
  };
  const notify = () => {
    try {
      options.onProgress?.({ ...progress });
    } catch (error) {
      log?.warn({ ...logContext, err: error }, 'onProgress callback failed'); // a display that throws must not fail the run
    }
  };
  log?.info({ ...logContext, trigger: options.trigger, attempt: settings.attempt, mode: job.mode, action: job.action, timezone: ctx.timezone, asOf: ctx.asOf }, 'run started');
  let fingerprint: string | null = null;
  try {
    const [catalog, source] = [await loadCatalog(client), await loadRecordingSource(client)];
    const selection = options.testOnlyIgnoreScope ? { ...job, access_scope: null } : job;
    const predicate = recordingsOfJob(selection, catalog, { timezone: ctx.timezone, asOf: ctx.asOf }, source);
    const compiled = compileSql(predicate);
    fingerprint = runFingerprint(job, ctx.timezone, compiled.sql);
    const incremental = job.mode === 'incremental';
    const timeDependent = dependsOnRunTime(job.condition, catalog);
    if (job.log_enabled) {
      await insertRunLog(client, runId, [runStartedEntry({
        job, trigger: options.trigger, attempt: settings.attempt, requestId: ctx.requestId, timezone: ctx.timezone, asOf: ctx.asOf, parallelism: settings.parallelism, parallelismFrom: settings.parallelismFrom, targetMs: settings.targetMs, fixedUnits: settings.fixedUnits,
        timeDependent, predicate: compiled, table: source.table,
      })]);
    }
    const plan = await prepareScan(client, {
      runId, jobId: job.id, incremental, fingerprint, timeDependent, source, directUpTo: firstBatchSize('candidates', settings.fixedUnits),
    });
    Object.assign(progress, { scan: plan.scan, units: plan.units, candidates: plan.candidates, fraction: plan.units === 0 ? 1 : 0 });
    if (job.log_enabled) {
      const state = incremental ? await incrementalStateOf(client, job.id, fingerprint) : undefined;
      await insertRunLog(client, runId, [scanPlannedEntry(plan, incremental, state)]);
    }
    notify();
    batchLog?.({ ...logContext, scan: plan.scan, units: plan.units, candidates: plan.candidates, reason: plan.reason }, 'run scan prepared');
    // A run with no more work than one first batch (a small incremental run, a small table) does not pay for a second
    // connection: checking one out costs two statements and a pool slot on every such run. (A partitioned table's
    // small heaps are then several short batches on the one connection: batches do not span partitions.)
    const first = firstBatchSize(plan.scan === 'changes' ? 'candidates' : 'blocks', settings.fixedUnits);
    const wanted = plan.units <= first ? 0 : Math.min(settings.parallelism, plan.units) - 1;
    const extra = await extraConnections(ctx.pool, wanted, runId);
    if (extra.clients.length < wanted) {
      // The runner's pool is sized for CONFLAG_RUN_PARALLELISM; a job asking for more shares what is free. Said in
      // the service log and, where someone reading the run looks, in its own log.
      const short = { parallelism: settings.parallelism, parallelismFrom: settings.parallelismFrom, wanted: 1 + wanted, connections: 1 + extra.clients.length };
      log?.warn({ ...logContext, ...short }, 'run works on fewer connections than its parallelism: no more were free in the pool within a second');
      if (job.log_enabled) await insertRunLog(client, runId, [fewerConnectionsEntry(short)]);
    }
    try {
      await runBatches({
        runId, jobId: job.id, incremental, target: job.action === 'set', predicate, source, plan,
        connections: [client, ...extra.clients], targetMs: settings.targetMs, fixedUnits: settings.fixedUnits, deadline, limit: ctx.limit, clock,
        signal: options.signal, signalStatus: signalStatus(options), runLog: job.log_enabled, flagHistory: options.flagHistory,
        onBatch: (done) => {
          progress.batches++;
          progress.scannedUnits += done.units;
          progress.matched += done.counts.matched;
          progress.changed += done.counts.changed;
          progress.skipped += done.counts.skipped;
          progress.flipFlops += done.counts.flipFlops;
          progress.fraction = progress.units === 0 ? 1 : Math.min(1, progress.scannedUnits / progress.units);
          batchLog?.({ ...logContext, batch: done.number, range: done.range, units: done.units, ...done.counts, ms: done.durationMs }, 'run batch committed');
          notify();
        },
      });
    } finally {
      extra.release();
    }
    const finished = await recordRunEnd(ctx.pool, client, ctx.session, { runId, jobId: job.id, status: 'succeeded', fingerprint }, log);
    const final = finished.status === 'running' ? 'failed' : finished.status as FinalRunStatus;
    if (progress.flipFlops > 0) {
      log?.warn({ ...logContext, flipFlops: progress.flipFlops, changed: progress.changed },
        'the run changed back recordings a job of the opposite action had changed (flip-flops); see conflag.job_conflicts and settle the conflict (docs/dba.md "Conflicts")');
    }
    if (job.log_enabled) {
      await writeLog(ctx, [runFinishedEntry({ ...finished, status: final, durationMs: elapsed(startPerf), sqlstate: null })]);
    }
    return report(runId, progress, final, finished.error);
  } catch (error) {
    return await recordFailure(ctx, progress, error, startPerf);
  }
}

/** Records a failed or stopped run (on another session when its own is gone) and reports it. */
async function recordFailure(ctx: RunContext, progress: RunProgress, error: unknown, startPerf: number): Promise<RunResult> {
  const { job, runId, options } = ctx;
  const failure = classifyFailure(error, {
    limit: ctx.limit, batches: progress.batches, signal: options.signal, signalStatus: signalStatus(options), sessionBroken: ctx.session.broken !== undefined,
  });
  // Written with the status, so the e-mail trigger knows whether a later attempt answers this tick.
  const retryPlanned = failure.status === 'failed' || failure.status === 'interrupted'
    ? options.retryPlannedOnFailure === true
    : failure.bySignal && options.retryPlannedOnStop === true;
  const finished = await recordRunEnd(ctx.pool, ctx.client, ctx.session,
    { runId, jobId: job.id, status: failure.status, error: failure.message, retryPlanned }, options.log);
  const level = finished.status === 'failed' ? 'error' : 'warn';
  options.log?.[level]({ runId, jobId: job.id, job: job.name, status: finished.status, error: finished.error, batches: progress.batches, retryPlanned: finished.retry_planned }, `run ${finished.status}`);
  const final = finished.status === 'running' ? failure.status : finished.status as FinalRunStatus;
  if (job.log_enabled) {
    // After the rollback, so the failure itself is logged; the batch's own entry went with its transaction.
    const entries: RunLogEntry[] = [];
    if (failure.batch) entries.push(batchRolledBackEntry(failure.batch, final, { message: failure.cause, sqlstate: failure.sqlstate }));
    entries.push(runFinishedEntry({ ...finished, status: final, durationMs: elapsed(startPerf), sqlstate: failure.sqlstate }));
    await writeLog(ctx, entries);
  }
  return { ...report(runId, progress, final, finished.error), stopped: final === signalStatus(options) && failure.bySignal, retryPlanned: finished.retry_planned };
}

/**
 * The last entries of a run, once its status is recorded: a failure to write them is logged, never changes the
 * run's outcome. On the run's own session, or another one when that session is gone.
 */
async function writeLog(ctx: RunContext, entries: RunLogEntry[]): Promise<void> {
  try {
    if (!ctx.session.broken) return await insertRunLog(ctx.client, ctx.runId, entries);
    const other = await ctx.pool.connect();
    try {
      await insertRunLog(other, ctx.runId, entries);
    } finally {
      other.release();
    }
  } catch (failure) {
    ctx.options.log?.warn({ runId: ctx.runId, jobId: ctx.job.id, err: failure }, 'could not write the run log');
  }
}

function report(runId: string, progress: RunProgress, status: FinalRunStatus, error: string | null): RunResult {
  return {
    runId, status, matched: progress.matched, changed: progress.changed, skipped: progress.skipped, batches: progress.batches,
    flipFlops: progress.flipFlops, scan: progress.scan, ...(error ? { error } : {}),
  };
}

/** How a stop by options.signal is recorded: an operator's stop is not a failure (RunStatus). */
function signalStatus(options: ExecuteRunOptions): FinalRunStatus {
  return options.stopByOperator ? 'stopped' : 'aborted';
}

function elapsed(since: number): number {
  return Math.round(performance.now() - since);
}
