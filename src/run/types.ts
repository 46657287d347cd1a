// Shapes shared by the executor (executeRun), the CLI `run` command and the runner service.
import type { Logger } from '../log.ts';

export type RunTrigger = 'schedule' | 'manual';
/** aborted: ended early for a reason that is a problem (time limit, runner shutdown, job deleted); stopped: ended
 * early by an operator (Ctrl-C of `conflag run`), not a failure (migrations/0002_run_stopped_by_operator.sql). */
export type RunStatus = 'running' | 'succeeded' | 'failed' | 'aborted' | 'stopped' | 'skipped';
export type FinalRunStatus = Exclude<RunStatus, 'running'>;
/** table: every recording up to max_id in id batches · changes: incremental, only recordings added/changed since
 * the job's last successful run (job_incremental_state.last_snapshot). */
export type RunScan = 'table' | 'changes';

/** The columns of conflag.jobs a run reads. */
export interface JobRow {
  id: string;
  name: string;
  access_scope: string[] | null;
  mode: 'full' | 'incremental';
  condition: unknown;
  action: 'set' | 'clear';
  log_enabled: boolean;
  timezone: string | null;
  execution_time_limit_minutes: number | null;
  keep_alive_timeout_minutes: number;
}

/** Reported after the start and after every committed batch. */
export interface RunProgress {
  runId: string;
  jobId: string;
  scan: RunScan;
  batches: number;
  /** Keyset position: the highest recording id covered by committed batches (null before the first). */
  lastId: string | null;
  /** scan = table: the lowest and highest recording id when the run started. */
  minId: string | null;
  maxId: string | null;
  /** scan = changes: recordings to consider, and how many of them the committed batches covered. */
  candidates: number | null;
  considered: number;
  matched: number;
  changed: number;
  skipped: number;
  /** 0..1, for progress displays. */
  fraction: number;
}

export interface ExecuteRunOptions {
  trigger: RunTrigger;
  /** 1 for a first attempt, 2+ for retries (shown in job_runs.attempt). */
  attempt?: number;
  /** conflag.run_requests.id of the manual request this run answers. */
  requestId?: string | number | bigint | null;
  /** Stops the run between batches (status 'aborted', or 'stopped' with stopByOperator); the batch in progress
   * finishes and stays committed. */
  signal?: AbortSignal;
  /**
   * Whoever aborts `signal` is an operator deciding to stop this run (Ctrl-C of `conflag run`): the run ends
   * 'stopped' — not a failure: no failure e-mail, not counted in consecutive_failures — instead of 'aborted'.
   * Default false (the runner's signals are its shutdown and pg-boss giving up a claim: aborted, and retried).
   */
  stopByOperator?: boolean;
  onProgress?: (progress: RunProgress) => void;
  log?: Logger;
  /** Recording ids per batch (each batch one transaction). Default DEFAULT_BATCH_SIZE. */
  batchSize?: number;
  /** The run's "now" (as_of) for age_* facts; default the start transaction's now(). */
  now?: Date;
  /** Milliseconds clock for the execution time limit; default Date.now. Lets tests move time forward. */
  clock?: () => number;
  /**
   * The caller retries this run if it ends 'failed' (the runner, while pg-boss has retries left): recorded as
   * job_runs.retry_planned in the UPDATE that ends the run, so no failure e-mail is queued for it — the last
   * attempt sends it. Default false.
   */
  retryPlannedOnFailure?: boolean;
  /**
   * Likewise for a run stopped by `signal` (status 'aborted', `stopped` in the result): true when whoever aborts
   * the signal retries the run (the runner's shutdown, pg-boss giving up its claim). Never applies to a run
   * aborted by the execution time limit or because its job was deleted. Default false.
   */
  retryPlannedOnStop?: boolean;
}

export interface RunResult {
  runId: string;
  status: FinalRunStatus;
  matched: number;
  changed: number;
  skipped: number;
  batches: number;
  scan: RunScan | null;
  error?: string;
  /** status 'skipped': the run that was already in progress. */
  runningRunId?: string;
  /** status 'aborted' because `signal` was aborted (not the execution time limit or a deleted job). */
  stopped?: boolean;
  /** job_runs.retry_planned as this run recorded it (see retryPlannedOnFailure / retryPlannedOnStop). */
  retryPlanned?: boolean;
}

/** Default batch: 100 000 recording ids per transaction (bench/README.md has the measurements behind it). */
export const DEFAULT_BATCH_SIZE = 100_000;
export const MAX_BATCH_SIZE = 10_000_000;
