// Backoff between attempts to send one notification e-mail: retryDelayMs after the first failed attempt,
// doubling with each further one, never more than retryDelayMaxMs. With the defaults (60 s, 1 h, 10 attempts)
// an e-mail is tried for about four hours before it is marked failed.
import type { EmailConfig } from './emailConfig.ts';

/** Delay after failed attempt number `attempt` (1 = the first). */
export function retryDelayMs(attempt: number, config: Pick<EmailConfig, 'retryDelayMs' | 'retryDelayMaxMs'>): number {
  const doublings = Math.min(Math.max(attempt - 1, 0), 30);
  return Math.min(config.retryDelayMs * 2 ** doublings, config.retryDelayMaxMs);
}
