// The entries of a run's detailed log (conflag.job_run_log), one builder per event, so executeRun only decides
// WHEN to write and the wording and detail keys live in one place (documented in docs/reporting.md "Detailed
// run log"). details use snake_case keys like the SQL around them; ids are text (bigint).
import type { CompiledSql } from '../db/kysely.ts';
import type { RunLogEntry } from '../sql/insertRunLog.ts';
import type { IncrementalStateSeen } from '../sql/incrementalStateOf.ts';
import type { PreparedScan } from '../sql/prepareScan.ts';
import type { FinalRunStatus, JobRow, RunTrigger } from './types.ts';

export function runStartedEntry(input: {
  job: JobRow; trigger: RunTrigger; attempt: number; requestId: string | null; timezone: string; asOf: Date; batchSize: number;
  timeDependent: boolean; predicate: CompiledSql;
}): RunLogEntry {
  const { job } = input;
  const scope = job.access_scope ? job.access_scope.join(', ') : 'all tenants';
  return {
    level: 'info', event: 'run_started',
    message: `run started (${input.trigger}, attempt ${input.attempt}): ${job.action} confidential, ${job.mode} mode, scope ${scope}, ` +
      `timezone ${input.timezone}, as of ${input.asOf.toISOString()}, batches of ${input.batchSize} ids`,
    details: {
      job_id: job.id, job_name: job.name, trigger: input.trigger, attempt: input.attempt, request_id: input.requestId,
      mode: job.mode, action: job.action, access_scope: job.access_scope, timezone: input.timezone, as_of: input.asOf.toISOString(),
      batch_size: input.batchSize, execution_time_limit_minutes: job.execution_time_limit_minutes,
      keep_alive_timeout_minutes: job.keep_alive_timeout_minutes, condition: job.condition, time_dependent: input.timeDependent,
      // As `conflag explain --json` shows them: the predicate over r (scope included) and its bind parameters.
      predicate: input.predicate.sql, parameters: input.predicate.parameters,
    },
  };
}

export type ScanReason = 'full_mode' | 'no_snapshot' | 'settings_changed' | 'time_dependent' | 'changes_since_last_run';

/** Why prepareScan chose its scan, by the same tests in the same order. */
export function scanReason(incremental: boolean, scan: PreparedScan['scan'], state: IncrementalStateSeen | undefined, timeDependent: boolean): ScanReason {
  if (scan === 'changes') return 'changes_since_last_run';
  if (!incremental) return 'full_mode';
  if (!state?.hasSnapshot) return 'no_snapshot';
  if (!state.sameFingerprint) return 'settings_changed';
  return timeDependent ? 'time_dependent' : 'no_snapshot';
}

const WHY: Record<ScanReason, string> = {
  full_mode: 'full mode',
  no_snapshot: 'incremental, but no snapshot of a successful run yet (first incremental run, or first after reset_incremental_state)',
  settings_changed: 'incremental, but the condition, scope, timezone, action or compiled SQL changed since the last successful run',
  time_dependent: 'incremental, but the condition reads the run\'s time (age_minutes/age_days), so any recording may start matching',
  changes_since_last_run: 'incremental: only recordings added or changed since the last successful run\'s snapshot',
};

export function scanPlannedEntry(prepared: PreparedScan, reason: ScanReason, incremental: boolean, state: IncrementalStateSeen | undefined): RunLogEntry {
  const what = prepared.scan === 'changes'
    ? `${prepared.candidates} candidate recordings from the change log`
    : prepared.maxId === null
      ? 'the whole table, which is empty'
      : `the whole table, ids ${prepared.minId} to ${prepared.maxId}${incremental ? ', minus recordings processed before' : ''}`;
  return {
    level: 'info', event: 'scan_planned',
    message: `scan: ${what} (${WHY[reason]})`,
    details: {
      scan: prepared.scan, incremental, reason, min_id: prepared.minId, max_id: prepared.maxId, candidates: prepared.candidates,
      ...(incremental ? {
        previous_run_id: state?.lastRunId ?? null, previous_snapshot_at: state?.lastSnapshotAt?.toISOString() ?? null,
        remembered_recordings: state?.processedCount ?? 0,
      } : {}),
    },
  };
}

export interface BatchFacts {
  batch: number;
  /** Exclusive lower bound; null for the first batch (from the start). */
  after: string | null;
  upTo: string;
  candidates: number | null;
  durationMs: number;
}

export function batchEntry(facts: BatchFacts, counts: { matched: number; changed: number; skipped: number; remembered: number }): RunLogEntry {
  return {
    level: 'info', event: 'batch',
    message: `batch ${facts.batch}: ids ${range(facts)}: matched ${counts.matched}, changed ${counts.changed}, skipped ${counts.skipped} (${facts.durationMs} ms)`,
    details: {
      batch: facts.batch, after_id: facts.after, up_to_id: facts.upTo, candidates: facts.candidates, matched: counts.matched,
      changed: counts.changed, skipped: counts.skipped, remembered: counts.remembered, duration_ms: facts.durationMs,
    },
  };
}

export function batchRolledBackEntry(facts: BatchFacts, status: FinalRunStatus, error: { message: string; sqlstate: string | null }): RunLogEntry {
  return {
    level: status === 'failed' ? 'error' : 'warn', event: 'batch_rolled_back',
    message: `batch ${facts.batch}: ids ${range(facts)} rolled back after ${facts.durationMs} ms: ${error.message}`,
    details: {
      batch: facts.batch, after_id: facts.after, up_to_id: facts.upTo, candidates: facts.candidates, duration_ms: facts.durationMs,
      error: error.message, sqlstate: error.sqlstate,
    },
  };
}

export function runFinishedEntry(input: {
  status: FinalRunStatus; batches: number; matched: number; changed: number; skipped: number; durationMs: number;
  error: string | null; sqlstate: string | null;
}): RunLogEntry {
  const totals = `matched ${input.matched}, changed ${input.changed}, skipped ${input.skipped} in ${input.batches} batches (${input.durationMs} ms)`;
  return {
    level: input.status === 'succeeded' ? 'info' : input.status === 'failed' ? 'error' : 'warn', event: 'run_finished',
    message: `run ${input.status}: ${totals}${input.error ? `: ${input.error}` : ''}`,
    details: {
      status: input.status, batches: input.batches, matched: input.matched, changed: input.changed, skipped: input.skipped,
      duration_ms: input.durationMs, error: input.error, sqlstate: input.sqlstate,
    },
  };
}

export function runSkippedEntry(runningRunId: string, error: string): RunLogEntry {
  return { level: 'warn', event: 'run_skipped', message: `run skipped: ${error}`, details: { running_run_id: runningRunId, error } };
}

function range(facts: BatchFacts): string {
  return `${facts.after === null ? 'from the start' : `after ${facts.after}`} up to ${facts.upTo}`;
}
