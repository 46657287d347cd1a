// CPU time spent by a set of processes over a window: the runner processes themselves and the PostgreSQL backends
// serving them (sessions whose application_name starts with "conflag": the runner's pool, pg-boss, the listener,
// runs). Sampled every 2 s from /proc, so a backend that ends between samples loses at most its last 2 s; a
// backend first seen during the window counts from zero. Only for a server on this machine (a backend is known by
// its working directory, the server's data directory); otherwise null.
import fs from 'node:fs';
import type pg from 'pg';
import { cpuSeconds } from './conflagProcess.ts';

export interface CpuSampler {
  /** CPU seconds used since the sampler started: by the given processes, and by the database backends. */
  stop(): Promise<{ processes: number | null; database: number | null }>;
}

/** The server's data directory, which is every backend's working directory: how a local backend is recognised. */
export async function dataDirectory(pool: pg.Pool): Promise<string> {
  return (await pool.query<{ d: string }>(`SELECT current_setting('data_directory') AS d`)).rows[0].d;
}

/** CPU seconds of a backend (pg_backend_pid()) of the server in `dataDir`; null when it is not on this machine (or gone). */
export function backendCpuSeconds(pid: number, dataDir: string): number | null {
  try {
    if (fs.realpathSync(`/proc/${pid}/cwd`) !== fs.realpathSync(dataDir)) return null;
  } catch {
    return null;
  }
  return cpuSeconds(pid);
}

export async function startCpuSampler(pool: pg.Pool, pids: number[]): Promise<CpuSampler> {
  const processStart = pids.map((pid) => cpuSeconds(pid));
  const backends = new Map<number, { first: number; last: number }>();
  const dataDir = await dataDirectory(pool);
  const sample = async (initial: boolean) => {
    const { rows } = await pool.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'conflag%'`);
    for (const { pid } of rows) {
      const now = backendCpuSeconds(pid, dataDir);
      if (now === null) continue;
      const seen = backends.get(pid);
      if (seen) seen.last = now;
      else backends.set(pid, { first: initial ? now : 0, last: now });
    }
  };
  await sample(true);
  let sampling = Promise.resolve();
  const timer = setInterval(() => (sampling = sampling.then(() => sample(false)).catch(() => {})), 2_000);
  return {
    async stop() {
      clearInterval(timer);
      await sampling;
      await sample(false);
      const ends = pids.map((pid) => cpuSeconds(pid));
      const processes = ends.every((e, i) => e !== null && processStart[i] !== null)
        ? ends.reduce((sum, e, i) => sum! + e! - processStart[i]!, 0)
        : null;
      const database = backends.size ? [...backends.values()].reduce((sum, b) => sum + b.last - b.first, 0) : null;
      return { processes, database };
    },
  };
}
