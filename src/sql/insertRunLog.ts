// Appends entries to a run's detailed log (conflag.job_run_log) in ONE statement,
// on whatever connection and transaction the caller is in: executeRun writes a batch's entry inside the batch's
// transaction, so a batch that rolls back takes its entry with it. Entry ids follow the order given.
import type pg from 'pg';

export type RunLogLevel = 'info' | 'warn' | 'error';
export type RunLogEvent = 'run_started' | 'scan_planned' | 'fewer_connections' | 'batch' | 'batch_rolled_back' | 'run_finished' | 'run_skipped';

export interface RunLogEntry {
  level: RunLogLevel;
  event: RunLogEvent;
  message: string;
  details: Record<string, unknown>;
}

/** JSON for jsonb: bigint values (bound parameters may be bigints) become numbers when exact, else strings. */
export function detailsJson(details: Record<string, unknown>): string {
  return JSON.stringify(details, (_key, value: unknown) =>
    typeof value === 'bigint' ? (Number.isSafeInteger(Number(value)) ? Number(value) : value.toString()) : value,
  );
}

export async function insertRunLog(db: pg.ClientBase, runId: string, entries: readonly RunLogEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await db.query(
    `INSERT INTO conflag.job_run_log (run_id, level, event, message, details)
     SELECT $1::bigint, u.level, u.event, u.message, u.details::jsonb
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS u(level, event, message, details, n)
      ORDER BY u.n`,
    [runId, entries.map((e) => e.level), entries.map((e) => e.event), entries.map((e) => e.message), entries.map((e) => detailsJson(e.details))],
  );
}
