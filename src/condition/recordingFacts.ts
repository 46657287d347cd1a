// Every fact of the attribute catalog for one recording, computed in JavaScript — the input of the
// reference semantics (createEngine). Derived facts are taken in the job's timezone (Intl) and ages are
// whole units (floor) from the call's start to the run's fixed as_of, at microsecond precision.
import { formatInstant, instantOf, localParts } from './temporal.ts';
import type { ConditionContext, Json } from './types.ts';

/** A conflag.recordings row as node-postgres returns it (timestamps as Date, or as text to keep microseconds). */
export interface RecordingRow {
  id: number | string | bigint;
  tenant_id: string;
  call_id: string | null;
  started_at: Date | string;
  ended_at: Date | string | null;
  duration: number | null;
  direction: string | null;
  caller_number: string | null;
  caller_name: string | null;
  callee_number: string | null;
  callee_name: string | null;
  user_name: string | null;
  group_name: string | null;
  tags: (string | null)[] | null;
  notes: string | null;
  custom: Json;
}

/** Floor division for bigint (BigInt division truncates towards zero). */
function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q;
}

export function recordingFacts(row: RecordingRow, ctx: ConditionContext): Record<string, unknown> {
  const started = instantOf(row.started_at);
  const local = localParts(started, ctx.timezone);
  const age = BigInt(ctx.asOf.getTime()) * 1000n - started;
  return {
    id: Number(row.id),
    tenant_id: row.tenant_id,
    call_id: row.call_id,
    started_at: formatInstant(started),
    ended_at: row.ended_at === null ? null : formatInstant(instantOf(row.ended_at)),
    duration: row.duration,
    direction: row.direction,
    caller_number: row.caller_number,
    caller_name: row.caller_name,
    callee_number: row.callee_number,
    callee_name: row.callee_name,
    user_name: row.user_name,
    group_name: row.group_name,
    tags: row.tags,
    notes: row.notes,
    custom: row.custom,
    start_date: local.date,
    start_time: local.time,
    start_weekday: local.weekday,
    age_minutes: Number(floorDiv(age, 60_000_000n)),
    age_days: Number(floorDiv(age, 86_400_000_000n)),
  };
}
