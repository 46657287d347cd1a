// The entries of a run's detailed log (conflag.job_run_log), one builder per event, so executeRun only decides
// WHEN to write and the wording and detail keys live in one place (documented in docs/reporting.md "Detailed
// run log"). details use snake_case keys like the SQL around them; ids are text (bigint).
import type { CompiledSql } from '../db/kysely.ts';
import type { RunLogEntry } from '../sql/insertRunLog.ts';
import type { IncrementalStateSeen } from '../sql/incrementalStateOf.ts';
import type { BatchRange } from '../sql/applyBatch.ts';
import { CHANGES_SHARE_LIMIT, type ScanPlan, type ScanReason } from '../sql/prepareScan.ts';
import { describeRange } from './describeRange.ts';
import type { FinalRunStatus, JobRow, ParallelismSource, RunTrigger } from './types.ts';

export function runStartedEntry(input: {
  job: JobRow; trigger: RunTrigger; attempt: number; requestId: string | null; timezone: string; asOf: Date; parallelism: number;
  parallelismFrom: ParallelismSource;
  targetMs: number; fixedUnits?: number; timeDependent: boolean; predicate: CompiledSql; table: string;
}): RunLogEntry {
  const { job } = input;
  const scope = job.access_scope ? job.access_scope.join(', ') : 'all tenants';
  const yields = job.yields_to.length ? `, yields to ${job.yields_to.map((w) => `job ${w.id} ${JSON.stringify(w.name)}`).join(', ')}` : '';
  return {
    level: 'info', event: 'run_started',
    message: `run started (${input.trigger}, attempt ${input.attempt}): ${job.action} confidential, ${job.mode} mode, scope ${scope}, ` +
      `timezone ${input.timezone}, as of ${input.asOf.toISOString()}, table ${input.table}, ${input.parallelism} connection${input.parallelism === 1 ? '' : 's'} (${input.parallelismFrom}), ` +
      (input.fixedUnits ? `fixed batches of ${input.fixedUnits} (blocks of the table, or incremental candidates)` : `batches of about ${input.targetMs} ms`) + yields,
    details: {
      job_id: job.id, job_name: job.name, trigger: input.trigger, attempt: input.attempt, request_id: input.requestId,
      mode: job.mode, action: job.action, access_scope: job.access_scope, timezone: input.timezone, as_of: input.asOf.toISOString(),
      table: input.table, parallelism: input.parallelism, parallelism_from: input.parallelismFrom, batch_target_ms: input.targetMs, batch_units: input.fixedUnits ?? null,
      execution_time_limit_minutes: job.execution_time_limit_minutes,
      keep_alive_timeout_minutes: job.keep_alive_timeout_minutes, condition: job.condition, time_dependent: input.timeDependent,
      // conflag.job_precedence: jobs whose selection this run leaves alone (the predicate has AND NOT theirs).
      yields_to: job.yields_to.map((w) => ({ id: w.id, name: w.name })),
      // As `conflag explain --json` shows them: the predicate over r (scope included) and its bind parameters.
      predicate: input.predicate.sql, parameters: input.predicate.parameters,
    },
  };
}

const WHY: Record<ScanReason, string> = {
  full_mode: 'full mode',
  no_snapshot: 'incremental, but no snapshot of a successful run yet (first incremental run, or first after reset_incremental_state)',
  settings_changed: 'incremental, but the condition, scope, timezone, action or compiled SQL changed since the last successful run',
  time_dependent: 'incremental, but the condition reads the run\'s time (age_minutes/age_days), so any recording may start matching',
  change_log_restarted: 'incremental, but a change-log trigger of the recordings table was put back since the last successful run, so the log may have a gap',
  changes_since_last_run: 'incremental: only recordings added or changed since the last successful run\'s snapshot',
  too_many_changes: `incremental, but more than ${CHANGES_SHARE_LIMIT * 100} % of the table changed since the last successful run: reading the table is cheaper than looking each one up`,
};

/** The run got fewer connections than its parallelism asked for: no more were free in the runner's pool. */
export function fewerConnectionsEntry(input: { parallelism: number; parallelismFrom: ParallelismSource; wanted: number; connections: number }): RunLogEntry {
  return {
    level: 'warn', event: 'fewer_connections',
    message: `working on ${input.connections} connection${input.connections === 1 ? '' : 's'}, not ${input.wanted}: no more were free in the runner's pool ` +
      `within a second (parallelism ${input.parallelism}, ${input.parallelismFrom}; raise CONFLAG_RUN_PARALLELISM on the runners that serve this job)`,
    details: { parallelism: input.parallelism, parallelism_from: input.parallelismFrom, wanted: input.wanted, connections: input.connections },
  };
}

export function scanPlannedEntry(plan: ScanPlan, incremental: boolean, state: IncrementalStateSeen | undefined): RunLogEntry {
  const heaps = plan.heaps.filter((h) => h.blocks > 0);
  const what = plan.scan === 'changes'
    ? `${plan.candidates} candidate recordings from the change log${plan.changes ? ', read from the log in one batch' : ''}`
    : plan.units === 0
      ? 'the whole table, which is empty'
      : `the whole table, ${plan.units} blocks${heaps.length > 1 ? ` in ${heaps.length} partitions` : ''}` +
        `${plan.candidates !== null ? ` (${plan.candidates} recordings changed)` : ''}${incremental ? ', minus recordings processed before' : ''}`;
  return {
    level: 'info', event: 'scan_planned',
    message: `scan: ${what} (${WHY[plan.reason]})`,
    details: {
      scan: plan.scan, incremental, reason: plan.reason, units: plan.units, candidates: plan.candidates, listed: plan.scan === 'changes' && !plan.changes,
      heaps: plan.heaps.map((h) => ({ name: h.name, blocks: h.blocks })),
      ...(incremental ? {
        previous_run_id: state?.lastRunId ?? null, previous_snapshot_at: state?.lastSnapshotAt?.toISOString() ?? null,
        remembered_recordings: state?.processedCount ?? 0,
      } : {}),
    },
  };
}

export interface BatchFacts {
  batch: number;
  range: BatchRange;
  durationMs: number;
}

/** ", N of them flip-flops (...)" when a run undid changes of a job with the opposite action. */
function flipFlopText(n: number): string {
  return n ? `, ${n} of them flip-flops (last changed by a job with the opposite action)` : '';
}

function rangeDetails(range: BatchRange): Record<string, unknown> {
  switch (range.kind) {
    case 'blocks': return { heap: range.heap, from_block: range.from, to_block: range.to };
    case 'candidates': return { from_candidate: range.after + 1, to_candidate: range.upTo };
    case 'changes': return { changes_since_snapshot: range.since, changes_until_snapshot: range.until };
  }
}

export function batchEntry(facts: BatchFacts, counts: { matched: number; changed: number; skipped: number; remembered: number; flipFlops: number }): RunLogEntry {
  return {
    level: 'info', event: 'batch',
    message: `batch ${facts.batch}: ${describeRange(facts.range)}: matched ${counts.matched}, changed ${counts.changed}${flipFlopText(counts.flipFlops)}, skipped ${counts.skipped} (${facts.durationMs} ms)`,
    details: {
      batch: facts.batch, ...rangeDetails(facts.range), matched: counts.matched, changed: counts.changed, skipped: counts.skipped,
      remembered: counts.remembered, flip_flops: counts.flipFlops, duration_ms: facts.durationMs,
    },
  };
}

export function batchRolledBackEntry(facts: BatchFacts, status: FinalRunStatus, error: { message: string; sqlstate: string | null }): RunLogEntry {
  return {
    level: status === 'failed' ? 'error' : 'warn', event: 'batch_rolled_back',
    message: `batch ${facts.batch}: ${describeRange(facts.range)} rolled back after ${facts.durationMs} ms: ${error.message}`,
    details: { batch: facts.batch, ...rangeDetails(facts.range), duration_ms: facts.durationMs, error: error.message, sqlstate: error.sqlstate },
  };
}

export function runFinishedEntry(input: {
  status: FinalRunStatus; batches: number; matched: number; changed: number; skipped: number; flip_flops: number; durationMs: number;
  error: string | null; sqlstate: string | null;
}): RunLogEntry {
  const totals = `matched ${input.matched}, changed ${input.changed}${flipFlopText(input.flip_flops)}, skipped ${input.skipped} in ${input.batches} batches (${input.durationMs} ms)`;
  return {
    level: input.status === 'succeeded' ? (input.flip_flops ? 'warn' : 'info') : input.status === 'failed' ? 'error' : 'warn', event: 'run_finished',
    message: `run ${input.status}: ${totals}${input.error ? `: ${input.error}` : ''}`,
    details: {
      status: input.status, batches: input.batches, matched: input.matched, changed: input.changed, skipped: input.skipped,
      flip_flops: input.flip_flops, duration_ms: input.durationMs, error: input.error, sqlstate: input.sqlstate,
    },
  };
}

export function runSkippedEntry(runningRunId: string, error: string): RunLogEntry {
  return { level: 'warn', event: 'run_skipped', message: `run skipped: ${error}`, details: { running_run_id: runningRunId, error } };
}
