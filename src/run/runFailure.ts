// What a run's failure means: the status to record, the message (what happened to the batch in progress and to
// the committed ones), whether it was a stop by the caller's signal (which the caller may retry), and the facts
// of a rolled-back batch for the run log. 57014 (query_canceled) is the batch's statement cancelled — by our
// statement_timeout (the execution time limit), or by whoever asked us to stop (the runner's shutdown cancels a
// batch that takes too long to finish).
import { describeRange } from './describeRange.ts';
import { BatchFailed, describeReason, minutes } from './runBatches.ts';
import type { BatchFacts } from './runLogEntries.ts';
import { RunStopped } from './runStopped.ts';
import type { FinalRunStatus } from './types.ts';

export interface RunFailure {
  status: FinalRunStatus;
  message: string;
  bySignal: boolean;
  /** The batch that was rolled back, if one was in progress. */
  batch?: BatchFacts;
  /** The error itself, in one line (for the rolled-back batch's log entry). */
  cause: string;
  sqlstate: string | null;
}

export function classifyFailure(
  error: unknown,
  facts: { deadline?: number; limitMinutes: number | null; batches: number; signal?: AbortSignal; signalStatus: FinalRunStatus },
): RunFailure {
  if (error instanceof RunStopped) {
    return { status: error.status, message: error.message, bySignal: error.bySignal, cause: error.message, sqlstate: null };
  }
  const failed = error instanceof BatchFailed ? error : undefined;
  const cause = failed ? failed.cause : error;
  const sqlstate = sqlStateOf(cause);
  const cancelled = sqlstate === '57014';
  const timedOut = cancelled && facts.deadline !== undefined && /statement timeout/.test(String((cause as Error)?.message));
  const stopped = cancelled && !timedOut && facts.signal?.aborted === true;
  const committed = `the ${facts.batches} committed batches stay applied`;
  const where = failed ? ` (${describeRange(failed.range)})` : '';
  const message = timedOut
    ? `execution time limit of ${minutes(facts.limitMinutes)} reached: the batch in progress${where} was cancelled and rolled back; ${committed}`
    : stopped
      ? `stopped (${describeReason(facts.signal!.reason)}): the batch in progress${where} was cancelled and rolled back; ${committed}`
      : `${failed ? `batch ${failed.batch}${where} failed and was rolled back: ` : ''}${describeError(cause)}`;
  return {
    status: timedOut ? 'aborted' : stopped ? facts.signalStatus : 'failed',
    message,
    bySignal: stopped,
    ...(failed ? { batch: { batch: failed.batch, range: failed.range, durationMs: failed.durationMs } } : {}),
    cause: describeError(cause),
    sqlstate,
  };
}

function sqlStateOf(error: unknown): string | null {
  const code = (error as { code?: string })?.code;
  return code && /^[0-9A-Z]{5}$/.test(code) ? code : null;
}

function describeError(error: unknown): string {
  const code = sqlStateOf(error);
  const message = error instanceof Error ? error.message : String(error);
  return code ? `${message} (SQLSTATE ${code})` : message;
}
