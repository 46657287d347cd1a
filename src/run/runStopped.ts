// Why a run stopped early without a database error: a stop request, the execution time limit, a deleted job, or a
// run the keep-alive expired meanwhile. Recorded with this status and message.
import type { FinalRunStatus } from './types.ts';

export class RunStopped extends Error {
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
