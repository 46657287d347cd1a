// Shapes shared by the executor (executeRun), the CLI `run` command and the runner service.
import type { Winner } from '../condition/recordingsOfJob.ts';
import type { Logger } from '../log.ts';

export type RunTrigger = 'schedule' | 'manual';
/** aborted: ended early for a reason that is a problem (time limit, runner shutdown, job deleted); stopped: ended
 * early by an operator (Ctrl-C of `conflag run`), not a failure (migrations/0002_run_stopped_by_operator.sql);
 * interrupted: its runner or database session went away before it recorded its end (migrations/0007_run_liveness.sql). */
export type RunStatus = 'running' | 'succeeded' | 'failed' | 'aborted' | 'stopped' | 'skipped' | 'interrupted';
export type FinalRunStatus = Exclude<RunStatus, 'running'>;
/** table: every block of the recordings table as it was when the run started, in block ranges · changes:
 * incremental, only recordings added/changed since the job's last successful run (job_incremental_state). */
export type RunScan = 'table' | 'changes';

/** Who set a run's parallelism (its run log's start entry says which). */
export type ParallelismSource = 'run option' | 'job' | 'runner default';

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
  /** Enabled jobs of the opposite action this one yields to (conflag.job_precedence). */
  yields_to: Winner[];
  /** Connections its runs work on at once; null: the runner's default (ExecuteRunOptions.defaultParallelism). */
  parallelism: number | null;
}

/** Reported after the start and after every committed batch. */
export interface RunProgress {
  runId: string;
  jobId: string;
  scan: RunScan;
  batches: number;
  /** Work to go through (blocks of the table, or candidates) and how much the committed batches covered. */
  units: number;
  scannedUnits: number;
  /** scan = changes (or an incremental run that fell back to the table): recordings added/changed since the last run. */
  candidates: number | null;
  matched: number;
  changed: number;
  skipped: number;
  /** Of `changed`: recordings a run of another job with the opposite action had changed last (a fight). */
  flipFlops: number;
  /** 0..1, for progress displays. */
  fraction: number;
}

export interface ExecuteRunOptions {
  trigger: RunTrigger;
  /** 1 for a first attempt, 2+ for retries (shown in job_runs.attempt). */
  attempt?: number;
  /**
   * Answer run requests: link every request of the job that no run has answered yet (conflag.run_requests.run_id)
   * to this run — the runner's manual runs, which serve all requests that waited together. Default false.
   */
  answerRequests?: boolean;
  /** The queued run (pg-boss job id) this attempt answers: a retry waits for its own earlier attempt to end. */
  queueJobId?: string | null;
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
  /**
   * Connections the run works on at once (each batch one statement in its own transaction), whatever the job says:
   * `conflag run --parallel N`. Without it: the job's parallelism, else defaultParallelism.
   */
  parallelism?: number;
  /** Connections when neither `parallelism` nor the job sets them: the runner's CONFLAG_RUN_PARALLELISM. Default DEFAULT_PARALLELISM. */
  defaultParallelism?: number;
  /** How long a batch should take; sizes adapt to it. Default DEFAULT_BATCH_TARGET_MS. */
  batchTargetMs?: number;
  /** A fixed batch size instead: blocks per batch (table scans) or candidates per batch (incremental changes). */
  batchUnits?: number;
  /**
   * Tests only: compile the job as if its access scope were every tenant, to show that row-level security stops a
   * broken predicate from writing another tenant's recording (the run's own scope is still recorded and enforced).
   */
  testOnlyIgnoreScope?: boolean;
  /** The run's "now" (as_of) for age_* facts; default the start transaction's now(). */
  now?: Date;
  /** Milliseconds clock for the execution time limit; default Date.now. Lets tests move time forward. */
  clock?: () => number;
  /**
   * The caller retries this run if it ends 'failed' or 'interrupted' (the runner, while pg-boss has retries left):
   * recorded as job_runs.retry_planned in the UPDATE that ends the run, so no failure e-mail is queued for it — the
   * last attempt sends it. Also stored as job_runs.retryable when the run starts, for whoever records the run as
   * interrupted should this process not be there to. Default false.
   */
  retryPlannedOnFailure?: boolean;
  /**
   * Likewise for a run stopped by `signal` (status 'aborted', `stopped` in the result): true when whoever aborts
   * the signal retries the run (the runner's shutdown, pg-boss giving up its claim). Never applies to a run
   * aborted by the execution time limit or because its job was deleted. Default false.
   */
  retryPlannedOnStop?: boolean;
  /** false only in bench/runFlagHistoryBench.ts, to measure what the flag history costs: the run's changes go unrecorded. */
  flagHistory?: boolean;
}

export interface RunResult {
  runId: string;
  status: FinalRunStatus;
  matched: number;
  changed: number;
  skipped: number;
  batches: number;
  /** Of `changed`: recordings a run of another job with the opposite action had changed last (job_runs.flip_flops). */
  flipFlops: number;
  scan: RunScan | null;
  error?: string;
  /** status 'skipped': the run that was already in progress. */
  runningRunId?: string;
  /** status 'aborted' because `signal` was aborted (not the execution time limit or a deleted job). */
  stopped?: boolean;
  /** job_runs.retry_planned as this run recorded it (see retryPlannedOnFailure / retryPlannedOnStop). */
  retryPlanned?: boolean;
}

/**
 * Two connections per run by default, like PostgreSQL's max_parallel_workers_per_gather: block ranges on two
 * connections took 0.65x the time of one UPDATE of the whole table (docs/performance.md).
 */
export const DEFAULT_PARALLELISM = 2;
export const MAX_PARALLELISM = 16;
/** Batches aim at about a second: short lock times and frequent stop points, little per-batch overhead. */
export const DEFAULT_BATCH_TARGET_MS = 1_000;
export const MAX_BATCH_UNITS = 1 << 20;

/**
 * The longest a run may last, and the largest execution_time_limit_minutes a job may set (CF015): the run queue
 * (pg-boss) holds a run for at most 24 hours and then gives up on it; the last 5 minutes are the run's own, to stop
 * at its limit and record its end. Every statement of a run is bounded by its limit, or by this.
 */
export const MAX_RUN_MINUTES = 24 * 60 - 5;
