// A periodic background task: runs one pass, waits, runs again; a failing pass is logged with context and the
// loop keeps going. wake() runs a pass soon (a NOTIFY arrived); passes never overlap; stop() waits for the
// pass in flight, so the service can close its pools after it.
import type { Logger } from '../log.ts';

export interface BackgroundLoop {
  /** Run a pass as soon as the current one (if any) ends. */
  wake(): void;
  /** Resolves after the next complete pass (for tests and start-up ordering). */
  runNow(): Promise<void>;
  stop(): Promise<void>;
}

export interface LoopOptions {
  name: string;
  log: Logger;
  /** One pass. May return how long to wait before the next one (ms); otherwise intervalMs. */
  pass(): Promise<number | void>;
  intervalMs: number;
  /** Delay before the first pass (default 0: at once). */
  firstPassAfterMs?: number;
  /** Called after every pass, successful or not (metrics). */
  onPass?(ok: boolean): void;
}

export function startBackgroundLoop(options: LoopOptions): BackgroundLoop {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  let waiters: Array<() => void> = [];

  const arm = (ms: number) => {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(start, Math.max(0, ms));
  };

  function start() {
    timer = undefined;
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      let next = options.intervalMs;
      const finished = waiters;
      waiters = [];
      try {
        const wanted = await options.pass();
        if (typeof wanted === 'number') next = Math.min(wanted, options.intervalMs);
        options.onPass?.(true);
      } catch (error) {
        options.onPass?.(false);
        options.log.error({ err: error, loop: options.name }, `${options.name} failed; will retry`);
      } finally {
        running = undefined;
        for (const resolve of finished) resolve();
      }
      if (again) {
        again = false;
        arm(0);
      } else {
        arm(next);
      }
    })();
  }

  arm(options.firstPassAfterMs ?? 0);
  return {
    wake: () => {
      if (stopped) return;
      if (running) again = true;
      else arm(0);
    },
    runNow: () =>
      new Promise<void>((resolve) => {
        if (stopped) return resolve();
        waiters.push(resolve);
        if (running) again = true;
        else arm(0);
      }),
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
      for (const resolve of waiters.splice(0)) resolve();
    },
  };
}
