// How long a FAILED run waits before its retry (an interrupted or stopped one is retried at once): pg-boss's own
// backoff formula, applied by the runner because the queue itself retries without delay. With backoff, attempt n
// waits retryDelay × 2^n / 2 × (1 + random), at most retryDelayMax: 30-60 s, then 60-120 s with the defaults.
import type { RunnerConfig } from './runnerConfig.ts';

/** Seconds before the retry that follows failed attempt number `attempt` (1 = the first). */
export function failureRetryDelaySeconds(
  attempt: number,
  config: Pick<RunnerConfig, 'retryDelaySeconds' | 'retryBackoff' | 'retryDelayMaxSeconds'>,
  random: () => number = Math.random,
): number {
  if (!config.retryBackoff) return config.retryDelaySeconds;
  const base = Math.max(config.retryDelaySeconds, 1) * 2 ** Math.min(16, attempt) / 2;
  return Math.min(config.retryDelayMaxSeconds, Math.round(base * (1 + random())));
}
