// Plans with their real costs, for bench/profileRun.ts: EXPLAIN (ANALYZE, BUFFERS, WAL) of a hand-written
// statement (in a transaction that is rolled back, so the data stays as it was), the plans of the statements a
// conflag run itself issues (auto_explain in the run's sessions, reported to the client as NOTICEs, so nothing in
// the executor changes), and WAL by record type between two LSNs (pg_walinspect, PostgreSQL 15+).
import type pg from 'pg';
import { benchPool } from './benchDatabase.ts';

/** A pool whose sessions report every statement's plan (auto_explain: analyze, buffers, wal) into `plans`. */
export function explainingPool(url: string, plans: string[], max = 4): pg.Pool {
  const pool = benchPool(url, max);
  pool.on('connect', (client) => {
    client.on('notice', (notice) => {
      if (notice.message?.startsWith('duration:')) plans.push(notice.message);
    });
    // Queued ahead of whatever the pool's user sends first on this client.
    client.query(`LOAD 'auto_explain';
      SET auto_explain.log_min_duration = 0; SET auto_explain.log_analyze = on; SET auto_explain.log_buffers = on;
      SET auto_explain.log_wal = on; SET auto_explain.log_timing = on; SET auto_explain.log_triggers = on;
      SET auto_explain.log_level = notice`).catch((error: Error) => plans.push(`auto_explain could not be loaded: ${error.message}`));
  });
  return pool;
}

/** The nth captured plan whose query text matches (the last one when there are fewer, said in the text). */
export function planOf(plans: string[], pattern: RegExp, nth = 0): string {
  const matching = plans.filter((p) => pattern.test(p));
  if (!matching.length) throw new Error(`no captured plan matches ${pattern} (${plans.length} captured)`);
  if (nth < matching.length) return matching[nth];
  return `(only ${matching.length} such statement${matching.length > 1 ? 's' : ''}: the last one)\n${matching.at(-1)}`;
}

export async function explainRolledBack(pool: pg.Pool, statement: { sql: string; parameters: unknown[] }): Promise<string> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS, WAL) ${statement.sql}`, statement.parameters);
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
}

export interface WalByRecordType {
  type: string;
  records: number;
  recordBytes: number;
  fullPageImageBytes: number;
}

/** WAL between two LSNs by resource manager and record type, largest first; undefined without pg_walinspect. */
export async function walByRecordType(pool: pg.Pool, from: string, to: string): Promise<WalByRecordType[] | undefined> {
  const available = await pool.query(`SELECT 1 FROM pg_available_extensions WHERE name = 'pg_walinspect'`);
  if (!available.rowCount) return undefined;
  await pool.query('CREATE EXTENSION IF NOT EXISTS pg_walinspect');
  // pg_walinspect reads only WAL on disk: WAL of a transaction still open is flushed by the WAL writer shortly.
  for (let waited = 0; ; waited += 50) {
    const flushed = (await pool.query<{ ok: boolean }>('SELECT pg_current_wal_flush_lsn() >= $1::pg_lsn AS ok', [to])).rows[0].ok;
    if (flushed) break;
    if (waited > 10_000) throw new Error(`the WAL up to ${to} was not flushed within 10 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const { rows } = await pool.query<{ type: string; n: string; rec: string; fpi: string }>(
    `SELECT "resource_manager/record_type" AS type, count::text AS n, record_size::text AS rec, fpi_size::text AS fpi
       FROM pg_get_wal_stats($1::pg_lsn, $2::pg_lsn, true)
      WHERE count > 0 ORDER BY combined_size DESC`,
    [from, to],
  );
  return rows.map((r) => ({ type: r.type, records: Number(r.n), recordBytes: Number(r.rec), fullPageImageBytes: Number(r.fpi) }));
}

export async function currentLsn(pool: pg.Pool): Promise<string> {
  return (await pool.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0].lsn;
}
