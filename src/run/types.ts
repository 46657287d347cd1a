// Shapes shared by the executor (executeRun), the CLI `run` command and the runner service.
import type { Logger } from '../log.ts';

export type RunTrigger = 'schedule' | 'manual';
export type RunStatus = 'running' | 'succeeded' | 'failed' | 'aborted' | 'skipped';
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
  /** Stops the run between batches (status 'aborted'); the batch in progress finishes and stays committed. */
  signal?: AbortSignal;
  onProgress?: (progress: RunProgress) => void;
  log?: Logger;
  /** Recording ids per batch (each batch one transaction). Default DEFAULT_BATCH_SIZE. */
  batchSize?: number;
  /** The run's "now" (as_of) for age_* facts; default the start transaction's now(). */
  now?: Date;
  /** Milliseconds clock for the execution time limit; default Date.now. Lets tests move time forward. */
  clock?: () => number;
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
}

/** Default batch: 100 000 recording ids per transaction (bench/README.md has the measurements behind it). */
export const DEFAULT_BATCH_SIZE = 100_000;
export const MAX_BATCH_SIZE = 10_000_000;
