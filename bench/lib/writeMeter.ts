// What a measured row wrote: WAL bytes (pg_current_wal_lsn before and after: exact, but server-wide, so nothing
// else may run meanwhile), full-page images in it (pg_stat_wal.wal_fpi) and row versions written to
// conflag.recordings (pg_stat_user_tables n_tup_upd / n_tup_hot_upd, summed over partitions). The statistics are
// per backend and reach the shared counters only at most once a second, so before each reading every connection
// of the bench's pool calls pg_stat_force_next_flush() (PostgreSQL 15+); backends of child processes flush when
// they exit. On PostgreSQL 14 the counters cannot be read exactly: they are reported as null, never guessed.
import type pg from 'pg';
import { RECORDING_HEAPS } from './recordingHeaps.ts';

export interface WriteFigures {
  walBytes: number;
  walFullPageImages: number | null;
  rowsWritten: number | null;
  hotWritten: number | null;
}

interface Reading {
  lsn: string;
  fpi: number | null;
  upd: number | null;
  hot: number | null;
}

export interface WriteMeter {
  /** Runs `work` and returns what it wrote. */
  around<T>(work: () => Promise<T>): Promise<{ result: T; writes: WriteFigures }>;
}

/** Reads on `pool`; before each reading the connections of `pool` and of every pool in `others` flush. */
export async function openWriteMeter(pool: pg.Pool, others: pg.Pool[] = []): Promise<WriteMeter> {
  const exact = (await pool.query<{ ok: boolean }>(`SELECT to_regproc('pg_catalog.pg_stat_force_next_flush') IS NOT NULL AS ok`)).rows[0].ok;
  const flush = async () => {
    if (!exact) return;
    // Every connection the pools hold (all idle between rows): each flushes its pending counters.
    await Promise.all([pool, ...others].map(flushPool));
  };
  const read = async (): Promise<Reading> => {
    await flush();
    const { rows } = await pool.query<{ lsn: string; fpi: string; upd: string; hot: string }>(
      `SELECT pg_current_wal_lsn()::text AS lsn, (SELECT wal_fpi FROM pg_stat_wal)::text AS fpi,
              sum(s.n_tup_upd)::text AS upd, sum(s.n_tup_hot_upd)::text AS hot
         FROM pg_stat_user_tables s
        WHERE s.relid IN (${RECORDING_HEAPS})`,
    );
    const r = rows[0];
    return { lsn: r.lsn, fpi: exact ? Number(r.fpi) : null, upd: exact ? Number(r.upd) : null, hot: exact ? Number(r.hot) : null };
  };
  const diff = (a: number | null, b: number | null) => (a === null || b === null ? null : b - a);
  return {
    async around(work) {
      const before = await read();
      const result = await work();
      const after = await read();
      const bytes = await pool.query<{ n: string }>(`SELECT pg_wal_lsn_diff($2::pg_lsn, $1::pg_lsn)::bigint::text AS n`, [before.lsn, after.lsn]);
      return {
        result,
        writes: {
          walBytes: Number(bytes.rows[0].n),
          walFullPageImages: diff(before.fpi, after.fpi),
          rowsWritten: diff(before.upd, after.upd),
          hotWritten: diff(before.hot, after.hot),
        },
      };
    },
  };
}

async function flushPool(pool: pg.Pool): Promise<void> {
  const clients = await Promise.all(Array.from({ length: Math.max(1, pool.totalCount) }, () => pool.connect()));
  try {
    await Promise.all(clients.map((c) => c.query('SELECT pg_stat_force_next_flush()')));
  } finally {
    for (const c of clients) c.release();
  }
}
