// A dedicated connection that LISTENs to conflag's NOTIFY channels (conflag_jobs, conflag_run_requests) and
// reconnects when it drops. Notifications sent while it was away are lost, so every (re)connect calls
// onConnected, which the service answers with a full reconcile: the periodic reconcile and polling stay the
// safety net, LISTEN only makes changes take effect within a second.
import pg from 'pg';
import type { Logger } from '../log.ts';

export interface NotificationListener {
  /** True while the LISTEN connection is up. */
  readonly connected: boolean;
  close(): Promise<void>;
}

export interface ListenerOptions {
  databaseUrl: string;
  channels: string[];
  onNotification(channel: string, payload: string): void;
  /** After each successful (re)connect and LISTEN. */
  onConnected(): void;
  log: Logger;
  /** First reconnect delay; doubles up to maxDelayMs. */
  minDelayMs?: number;
  maxDelayMs?: number;
}

export function startNotificationListener(options: ListenerOptions): NotificationListener {
  const minDelay = options.minDelayMs ?? 500;
  const maxDelay = options.maxDelayMs ?? 15_000;
  let client: pg.Client | undefined;
  let connected = false;
  let closed = false;
  let delay = minDelay;
  let timer: NodeJS.Timeout | undefined;
  let connecting: Promise<void> | undefined;

  const scheduleReconnect = () => {
    if (closed || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      connecting = connect();
    }, delay);
    delay = Math.min(delay * 2, maxDelay);
  };

  const connect = async () => {
    const c = new pg.Client({ connectionString: options.databaseUrl, application_name: 'conflag-listener' });
    client = c;
    // One handler for both: a dropped connection emits 'error' and/or 'end', and must reconnect once.
    let lost = false;
    const onLost = (error?: Error) => {
      if (lost) return;
      lost = true;
      connected = false;
      if (closed) return;
      options.log.warn({ err: error }, 'LISTEN connection lost; reconnecting');
      c.end().catch(() => {});
      scheduleReconnect();
    };
    c.on('error', onLost);
    c.on('end', () => onLost());
    c.on('notification', (message) => {
      try {
        options.onNotification(message.channel, message.payload ?? '');
      } catch (error) {
        options.log.error({ err: error, channel: message.channel }, 'notification handler failed');
      }
    });
    try {
      await c.connect();
      for (const channel of options.channels) await c.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      if (closed) {
        await c.end().catch(() => {});
        return;
      }
      connected = true;
      delay = minDelay;
      options.log.debug({ channels: options.channels }, 'listening');
      options.onConnected();
    } catch (error) {
      onLost(error as Error);
    }
  };

  connecting = connect();
  return {
    get connected() {
      return connected;
    },
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await connecting?.catch(() => {});
      connected = false;
      await client?.end().catch(() => {});
    },
  };
}
