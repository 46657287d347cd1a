// Runs one job once: the heart of conflag's executor. Loads the job, fixes the run's timezone and as_of, records
// the run (or a 'skipped' one when the job is already running), compiles scope AND condition with the compiler
// (src/condition), then works through keyset batches of the recordings' primary key — each batch ONE statement
// in its own transaction with its progress row update — so a run bounds its lock time, can stop between
// batches and shows progress. The run row never stays 'running' on an error this process sees: the failing
// batch rolls back and the run is marked 'failed' (or 'aborted' for a stop request or the execution time limit,
// 'stopped' for a stop by an operator).
// A job with log_enabled also gets a detailed log in conflag.job_run_log (start with settings and compiled SQL,
// scan plan, each batch — inside the batch's transaction —, a rolled-back batch, the end); without it nothing
// is written there.
import type pg from 'pg';
import { loadCatalog } from '../condition/loadCatalog.ts';
import { recordingsOfJob } from '../condition/recordingsOfJob.ts';
import { compileSql } from '../db/kysely.ts';
import { ConflagError, SQLSTATE } from '../errors.ts';
import { applyBatch, type BatchCounts } from '../sql/applyBatch.ts';
import { incrementalStateOf } from '../sql/incrementalStateOf.ts';
import { insertRunLog, type RunLogEntry } from '../sql/insertRunLog.ts';
import { loadJob } from '../sql/loadJob.ts';
import { markRunFinished } from '../sql/markRunFinished.ts';
import { BEFORE_FIRST_ID, nextBatchRange } from '../sql/nextBatchRange.ts';
import { prepareScan, type PreparedScan } from '../sql/prepareScan.ts';
import { recordBatchProgress } from '../sql/recordBatchProgress.ts';
import { resolveTimezone } from '../sql/resolveTimezone.ts';
import { startRun } from '../sql/startRun.ts';
import { dependsOnRunTime } from './conditionFacts.ts';
import { progressFraction } from './progressFraction.ts';
import {
  batchEntry, batchRolledBackEntry, runFinishedEntry, runSkippedEntry, runStartedEntry, scanPlannedEntry, scanReason, type BatchFacts,
} from './runLogEntries.ts';
import { runFingerprint } from './runFingerprint.ts';
import { DEFAULT_BATCH_SIZE, MAX_BATCH_SIZE, type ExecuteRunOptions, type FinalRunStatus, type RunProgress, type RunResult } from './types.ts';

/** Why a run stopped early, recorded as status 'aborted' with this message. */
class RunStopped extends Error {
  override name = 'RunStopped';
  readonly status: FinalRunStatus;
  /** Stopped by options.signal (whoever aborted it may retry the run), not by the time limit or a deleted job. */
  readonly bySignal: boolean;
  constructor(message: string, status: FinalRunStatus = 'aborted', bySignal = false) {
    super(message);
    this.status = status;
    this.bySignal = bySignal;
  }
}

export async function executeRun(pool: pg.Pool, jobId: string | number | bigint, options: ExecuteRunOptions): Promise<RunResult> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
    throw new ConflagError(SQLSTATE.runBadOption, `batch size ${batchSize} is not valid: use a whole number from 1 to ${MAX_BATCH_SIZE}`);
  }
  const attempt = options.attempt ?? 1;
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new ConflagError(SQLSTATE.runBadOption, `attempt ${attempt} is not valid: use a whole number from 1 up`);
  }
  const clock = options.clock ?? Date.now;
  // How a stop by options.signal is recorded: an operator's stop is not a failure (RunStatus).
  const signalStatus: FinalRunStatus = options.stopByOperator ? 'stopped' : 'aborted';
  const log = options.log;
  const client = await pool.connect();
  let broken: Error | undefined;
  const onClientError = (error: Error) => (broken = error);
  client.on('error', onClientError);
  try {
    const job = await loadJob(client, jobId);
    if (!job) throw new ConflagError(SQLSTATE.runJobNotFound, `job ${jobId} does not exist`);
    const timezone = await resolveTimezone(client, job.timezone);
    const started = await startRun(client, {
      job, trigger: options.trigger, attempt, requestId: options.requestId == null ? null : String(options.requestId),
      timezone, batchSize, now: options.now ?? null,
    });
    if (started.kind === 'skipped') {
      log?.info({ jobId: job.id, job: job.name, runId: started.runId, runningRunId: started.runningRunId }, 'run skipped: the job is already running');
      const error = `job is already running (run ${started.runningRunId})`;
      if (job.log_enabled) {
        await insertRunLog(client, started.runId, [runSkippedEntry(started.runningRunId, error)]).catch((failure: unknown) =>
          log?.warn({ jobId: job.id, runId: started.runId, err: failure }, 'could not write the run log'));
      }
      return { runId: started.runId, status: 'skipped', matched: 0, changed: 0, skipped: 0, batches: 0, scan: null,
        error, runningRunId: started.runningRunId };
    }
    const { runId } = started;
    const startMs = clock();
    const runLog = job.log_enabled;
    const startPerf = performance.now();
    const limitMinutes = job.execution_time_limit_minutes;
    const deadline = limitMinutes ? startMs + limitMinutes * 60_000 : undefined;
    const batchLog = job.log_enabled ? log?.info.bind(log) : log?.debug.bind(log);
    const context = { runId, jobId: job.id, job: job.name };
    // The last entries of a run, once its status is recorded: a failure to write them is logged, never changes
    // the run's outcome. On the run's own session, or another one when that session is gone.
    const writeLog = async (entries: RunLogEntry[]) => {
      try {
        if (!broken) return await insertRunLog(client, runId, entries);
        const other = await pool.connect();
        try {
          await insertRunLog(other, runId, entries);
        } finally {
          other.release();
        }
      } catch (failure) {
        log?.warn({ ...context, err: failure }, 'could not write the run log');
      }
    };
    log?.info({ ...context, trigger: options.trigger, attempt, mode: job.mode, action: job.action, timezone, asOf: started.asOf }, 'run started');

    const progress: RunProgress = {
      runId, jobId: job.id, scan: 'table', batches: 0, lastId: null, minId: null, maxId: null, candidates: null, considered: 0,
      matched: 0, changed: 0, skipped: 0, fraction: 0,
    };
    // A progress display that throws must not fail the run.
    const notify = () => {
      try {
        options.onProgress?.({ ...progress });
      } catch (error) {
        log?.warn({ ...context, err: error }, 'onProgress callback failed');
      }
    };
    let fingerprint: string | null = null;
    let range: { after: string; upTo: string; candidates: number | null } | undefined;
    let batchStart = 0;
    try {
      const catalog = await loadCatalog(client);
      const predicate = recordingsOfJob(job, catalog, { timezone, asOf: started.asOf });
      const compiled = compileSql(predicate);
      fingerprint = runFingerprint(job, timezone, compiled.sql);
      const incremental = job.mode === 'incremental';
      const timeDependent = dependsOnRunTime(job.condition, catalog);
      if (runLog) {
        await insertRunLog(client, runId, [runStartedEntry({
          job, trigger: options.trigger, attempt, requestId: options.requestId == null ? null : String(options.requestId), timezone,
          asOf: started.asOf, batchSize, timeDependent, predicate: compiled,
        })]);
      }
      const prepared: PreparedScan = await prepareScan(client, { runId, jobId: job.id, incremental, fingerprint, timeDependent });
      Object.assign(progress, { scan: prepared.scan, minId: prepared.minId, maxId: prepared.maxId, candidates: prepared.candidates });
      if (runLog) {
        const state = incremental ? await incrementalStateOf(client, job.id, fingerprint) : undefined;
        await insertRunLog(client, runId, [scanPlannedEntry(prepared, scanReason(incremental, prepared.scan, state, timeDependent), incremental, state)]);
      }
      notify();
      batchLog?.({ ...context, ...prepared }, 'run scan prepared');

      let after = BEFORE_FIRST_ID;
      for (;;) {
        if (options.signal?.aborted) {
          throw new RunStopped(`stopped between batches (${describeReason(options.signal.reason)}) after ${progress.batches} batches; the committed batches stay applied`, signalStatus, true);
        }
        if (deadline !== undefined && clock() >= deadline) {
          throw new RunStopped(`execution time limit of ${minutes(limitMinutes)} reached after ${progress.batches} batches; the committed batches stay applied`);
        }
        const next = await nextBatchRange(client, { scan: prepared.scan, runId, after, maxId: prepared.maxId, batchSize });
        if (!next) break;
        range = next;
        let counts: BatchCounts;
        batchStart = performance.now();
        await client.query('BEGIN');
        try {
          if (deadline !== undefined) {
            const remaining = Math.max(1, Math.ceil(deadline - clock()));
            await client.query(`SELECT set_config('statement_timeout', $1, true)`, [`${remaining}ms`]);
          }
          counts = await applyBatch(client, {
            runId, jobId: job.id, scan: prepared.scan, incremental, target: job.action === 'set', predicate,
            after: next.after, upTo: next.upTo,
          });
          const outcome = await recordBatchProgress(client, { runId, jobId: job.id, lastId: next.upTo, counts, incremental });
          if (outcome !== 'ok') {
            await client.query('ROLLBACK');
            throw outcome === 'job-deleted'
              ? new RunStopped(`the job was deleted during the run; stopped after ${progress.batches} batches`)
              : new RunStopped('the run is no longer running (expired by the keep-alive timeout?)', 'failed');
          }
          // In the batch's transaction: the entry exists exactly when the batch's work does.
          if (runLog) await insertRunLog(client, runId, [batchEntry(batchFacts(progress.batches + 1, next, batchStart), counts)]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(() => {});
          throw error;
        }
        range = undefined;
        after = next.upTo;
        progress.batches++;
        progress.lastId = next.upTo;
        progress.considered += next.candidates ?? 0;
        progress.matched += counts.matched;
        progress.changed += counts.changed;
        progress.skipped += counts.skipped;
        progress.fraction = progressFraction(progress);
        batchLog?.({ ...context, batch: progress.batches, upTo: next.upTo, ...counts }, 'run batch committed');
        notify();
      }
      const finished = await markRunFinished(client, { runId, jobId: job.id, status: 'succeeded', fingerprint });
      const final = finished.status === 'running' ? 'failed' : finished.status as FinalRunStatus;
      if (runLog) {
        await writeLog([runFinishedEntry({ ...finished, status: final, durationMs: elapsed(startPerf), sqlstate: null })]);
      }
      return report(runId, progress, final, finished.error);
    } catch (error) {
      // 57014: the batch's statement was cancelled — by our statement_timeout (the time limit), or by whoever
      // asked us to stop (the runner's shutdown cancels a batch that takes too long to finish).
      const cancelled = (error as { code?: string }).code === '57014';
      const timedOut = cancelled && deadline !== undefined && /statement timeout/.test(String((error as Error).message));
      const stopped = cancelled && !timedOut && options.signal?.aborted === true;
      const status: FinalRunStatus = error instanceof RunStopped ? error.status : timedOut ? 'aborted' : stopped ? signalStatus : 'failed';
      const bySignal = (status === 'aborted' || status === 'stopped') && (error instanceof RunStopped ? error.bySignal : stopped);
      // Written with the status, so the e-mail trigger knows whether a later attempt answers this tick.
      const retryPlanned = status === 'failed' ? options.retryPlannedOnFailure === true : bySignal && options.retryPlannedOnStop === true;
      const committed = `the ${progress.batches} committed batches stay applied`;
      const message = error instanceof RunStopped
        ? error.message
        : timedOut
          ? `execution time limit of ${minutes(limitMinutes)} reached: the batch in progress${describeRange(range)} was cancelled and rolled back; ${committed}`
          : stopped
            ? `stopped (${describeReason(options.signal!.reason)}): the batch in progress${describeRange(range)} was cancelled and rolled back; ${committed}`
            : `${range ? `batch ${progress.batches + 1}${describeRange(range)} failed and was rolled back: ` : ''}${describeError(error)}`;
      let finished;
      try {
        if (broken) throw broken;
        finished = await markRunFinished(client, { runId, jobId: job.id, status, error: message, retryPlanned });
      } catch (connectionError) {
        // The run's own session is gone (terminated by expire_stalled_runs, or the network): record it on another.
        broken ??= connectionError as Error;
        const other = await pool.connect();
        try {
          finished = await markRunFinished(other, { runId, jobId: job.id, status, error: message, retryPlanned });
        } finally {
          other.release();
        }
      }
      const level = finished.status === 'failed' ? 'error' : 'warn';
      log?.[level]({ ...context, status: finished.status, error: finished.error, batches: progress.batches, retryPlanned: finished.retry_planned }, `run ${finished.status}`);
      const final = finished.status === 'running' ? status : finished.status as FinalRunStatus;
      if (runLog) {
        // After the rollback, so the failure itself is logged; the batch's own entry went with its transaction.
        const sqlstate = error instanceof RunStopped ? null : sqlStateOf(error);
        const entries: RunLogEntry[] = [];
        if (range) entries.push(batchRolledBackEntry(batchFacts(progress.batches + 1, range, batchStart), final, { message: describeError(error), sqlstate }));
        entries.push(runFinishedEntry({ ...finished, status: final, durationMs: elapsed(startPerf), sqlstate }));
        await writeLog(entries);
      }
      return { ...report(runId, progress, final, finished.error), stopped: final === signalStatus && bySignal, retryPlanned: finished.retry_planned };
    }
  } finally {
    client.off('error', onClientError);
    if (!broken) await client.query('RESET application_name').catch((error: Error) => (broken = error));
    client.release(broken);
  }
}

function report(runId: string, progress: RunProgress, status: FinalRunStatus, error: string | null): RunResult {
  return {
    runId, status, matched: progress.matched, changed: progress.changed, skipped: progress.skipped, batches: progress.batches,
    scan: progress.scan, ...(error ? { error } : {}),
  };
}

function describeRange(range: { after: string; upTo: string } | undefined): string {
  return range ? ` (ids after ${range.after === BEFORE_FIRST_ID ? 'the start' : range.after} up to ${range.upTo})` : '';
}

function batchFacts(batch: number, range: { after: string; upTo: string; candidates: number | null }, startedAt: number): BatchFacts {
  return { batch, after: range.after === BEFORE_FIRST_ID ? null : range.after, upTo: range.upTo, candidates: range.candidates, durationMs: elapsed(startedAt) };
}

function elapsed(since: number): number {
  return Math.round(performance.now() - since);
}

function sqlStateOf(error: unknown): string | null {
  const code = (error as { code?: string })?.code;
  return code && /^[0-9A-Z]{5}$/.test(code) ? code : null;
}

function minutes(n: number | null): string {
  return n === 1 ? '1 minute' : `${n} minutes`;
}

function describeReason(reason: unknown): string {
  if (reason instanceof Error) return reason.message;
  return reason === undefined ? 'stop requested' : String(reason);
}

function describeError(error: unknown): string {
  const code = (error as { code?: string })?.code;
  const message = error instanceof Error ? error.message : String(error);
  return code && /^[0-9A-Z]{5}$/.test(code) ? `${message} (SQLSTATE ${code})` : message;
}
