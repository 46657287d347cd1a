// What a run's failure means: the status to record, the message (what happened to the batch in progress and to
// the committed ones), whether it was a stop by the caller's signal (which the caller may retry), and the facts
// of a rolled-back batch for the run log. A connection of the run that is gone (the keep-alive terminated it, the
// database restarted, the network dropped it) means 'interrupted': nothing about the job is wrong, and the
// runner retries at once. 57014 (query_canceled) is the batch's statement cancelled — by our statement_timeout
// (the run's time limit), or by whoever asked us to stop (the runner's shutdown cancels a batch that takes too
// long to finish).
import { describeRange } from './describeRange.ts';
import { BatchFailed, describeReason } from './runBatches.ts';
import { describeLimit, type RunLimit } from './runLimit.ts';
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
  facts: { limit: RunLimit; batches: number; signal?: AbortSignal; signalStatus: FinalRunStatus; sessionBroken: boolean },
): RunFailure {
  if (error instanceof RunStopped) {
    return { status: error.status, message: error.message, bySignal: error.bySignal, cause: error.message, sqlstate: null };
  }
  const failed = error instanceof BatchFailed ? error : undefined;
  const cause = failed ? failed.cause : error;
  const sqlstate = sqlStateOf(cause);
  const interrupted = facts.sessionBroken || sessionLost(cause);
  const cancelled = !interrupted && sqlstate === '57014';
  const timedOut = cancelled && /statement timeout/.test(String((cause as Error)?.message));
  const stopped = cancelled && !timedOut && facts.signal?.aborted === true;
  const committed = `the ${facts.batches} committed batches stay applied`;
  const where = failed ? ` (${describeRange(failed.range)})` : '';
  const message = interrupted
    ? `interrupted: the run's database session ended (${describeError(cause)})${failed ? `; the batch in progress${where} was rolled back` : ''}; ${committed}`
    : timedOut
      ? `${describeLimit(facts.limit)} reached: the batch in progress${where} was cancelled and rolled back; ${committed}`
      : stopped
        ? `stopped (${describeReason(facts.signal!.reason)}): the batch in progress${where} was cancelled and rolled back; ${committed}`
        : `${failed ? `batch ${failed.batch}${where} failed and was rolled back: ` : ''}${describeError(cause)}`;
  return {
    status: interrupted ? 'interrupted' : timedOut ? 'aborted' : stopped ? facts.signalStatus : 'failed',
    message,
    bySignal: stopped,
    ...(failed ? { batch: { batch: failed.batch, range: failed.range, durationMs: failed.durationMs } } : {}),
    cause: describeError(cause),
    sqlstate,
  };
}

/** A connection that is gone: a connection error, or the server ending the session (57P01 terminated by the
 * keep-alive or an administrator, 57P02/57P03 a shutdown or restart). */
export function sessionLost(error: unknown): boolean {
  const code = (error as { code?: string } | undefined)?.code ?? '';
  if (/^08|^57P0[123]$/.test(code) || ['ECONNRESET', 'EPIPE', 'ECONNREFUSED', 'ETIMEDOUT'].includes(code)) return true;
  return /Connection terminated|not queryable/.test(String((error as Error | undefined)?.message));
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
