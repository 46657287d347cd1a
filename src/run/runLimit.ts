// How long a run may take: the job's execution_time_limit_minutes, or — when it sets none — the longest a run may
// last at all (MAX_RUN_MINUTES: the run queue holds a run for 24 hours at most). Every run has a deadline, and
// every statement of it a bound.
import { MAX_RUN_MINUTES } from './types.ts';

export interface RunLimit {
  minutes: number;
  /** The job set it (execution_time_limit_minutes); false: the longest a run may last. */
  fromJob: boolean;
}

export function runLimit(jobMinutes: number | null): RunLimit {
  return jobMinutes === null ? { minutes: MAX_RUN_MINUTES, fromJob: false } : { minutes: jobMinutes, fromJob: true };
}

/** "execution time limit of 2 minutes", or the longest time a run may last, with why. */
export function describeLimit(limit: RunLimit): string {
  const minutes = limit.minutes === 1 ? '1 minute' : `${limit.minutes} minutes`;
  return limit.fromJob
    ? `execution time limit of ${minutes}`
    : `longest time a run may last (${minutes}: the job has no execution time limit, and the run queue holds a run for at most 24 hours)`;
}
