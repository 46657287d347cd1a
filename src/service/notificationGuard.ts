// What the runner accepts on its NOTIFY channels. PostgreSQL lets any login NOTIFY any channel (there is no
// privilege for it), so a payload is a hint, never trusted: only the exact shapes conflag's own triggers send
// (sql/functions/jobs_notify.sql, run_requests_notify.sql, job_runs_queue_email.sql), at most 200 bytes, are
// passed on. Everything else is dropped and counted; one warning per interval says how many, on which channels,
// with a short sample — a flood of junk costs a counter, not a log line each (the periodic reconcile and polling
// are the safety net for anything a dropped notification would have triggered).
import type { Logger } from '../log.ts';

const MAX_PAYLOAD_BYTES = 200;
const SHAPES: Record<string, RegExp> = {
  conflag_jobs: /^\{"op":"(INSERT|UPDATE|DELETE)","id":[1-9][0-9]{0,18}\}$/,
  conflag_run_requests: /^\{"request_id":[1-9][0-9]{0,18},"job_id":[1-9][0-9]{0,18}\}$/,
  conflag_email_outbox: /^[1-9][0-9]{0,18}$/,
};

export interface NotificationGuard {
  /** True when the notification has the shape conflag sends on that channel. */
  accept(channel: string, payload: string): boolean;
  /** Notifications dropped so far, by channel (for metrics). */
  dropped(): Record<string, number>;
  stop(): void;
}

export function createNotificationGuard(log: Logger, options: { warnIntervalMs?: number; onDrop?: (channel: string) => void } = {}): NotificationGuard {
  const interval = options.warnIntervalMs ?? 60_000;
  const total: Record<string, number> = {};
  let pending: Record<string, number> = {};
  let sample: { channel: string; payload: string } | undefined;
  let timer: NodeJS.Timeout | undefined;

  const report = () => {
    const count = Object.values(pending).reduce((n, c) => n + c, 0);
    if (count === 0) return;
    log.warn({ dropped: pending, sample },
      `ignored ${count} malformed or oversized notification(s) (any login can NOTIFY; see docs/operations.md "Notification channels")`);
    pending = {};
    sample = undefined;
  };
  // The first drop is reported at once; the ones after it are summed and reported when the interval ends, and the
  // next drop after that starts a new interval: at most two warnings per interval, whatever the flood.
  const endInterval = () => {
    timer = undefined;
    report();
  };

  return {
    accept(channel, payload) {
      const shape = SHAPES[channel];
      if (shape && Buffer.byteLength(payload) <= MAX_PAYLOAD_BYTES && shape.test(payload)) return true;
      total[channel] = (total[channel] ?? 0) + 1;
      pending[channel] = (pending[channel] ?? 0) + 1;
      sample ??= { channel, payload: payload.length > 80 ? `${payload.slice(0, 80)}… (${Buffer.byteLength(payload)} bytes)` : payload };
      options.onDrop?.(channel);
      if (!timer) {
        report();
        timer = setTimeout(endInterval, interval);
        timer.unref();
      }
      return false;
    },
    dropped: () => ({ ...total }),
    stop() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      report();
    },
  };
}
