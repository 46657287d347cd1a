// The reference rows: what a DBA writes by hand instead of conflag. Every statement is the same guarded UPDATE —
// `... WHERE <condition> AND confidential IS DISTINCT FROM true`, setting the same three columns conflag sets so
// the row versions (and their WAL) have the same width — cut in different ways:
// - one statement over the whole table;
// - keyset batches: primary-key ranges (id > lo AND id <= hi), each its own autocommit statement;
// - block ranges: ctid >= '(b,0)' AND ctid < '(b+n,0)' on each heap (each leaf partition), which PostgreSQL 14+
//   runs as a TID Range Scan: a sequential read of just those blocks, for any key type;
// - the same on two connections at once (workers taking the next range from one shared list), and two id halves
//   in parallel.
// Each returns the number of recordings it changed (the UPDATE row counts).
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type pg from 'pg';
import { compileSql, type CompiledSql } from '../../src/db/kysely.ts';
import { RECORDING_HEAPS } from './recordingHeaps.ts';

const SET = sql`confidential = true, confidential_changed_at = now(), confidential_changed_by_run = 0`;
/** Rows per batch of the batched variants, as in conflag's default batch of 100 000 ids. */
export const BATCH_ROWS = 100_000;

export interface HandContext {
  pool: pg.Pool;
  /** Scope and condition over alias r, as conflag compiles them. */
  predicate: RawBuilder<SqlBool>;
}

/** The guarded UPDATE of `target` (the table, or a heap by its catalog name) over the rows `where` selects. */
export function handStatement(target: RawBuilder<unknown>, where: RawBuilder<SqlBool>, predicate: RawBuilder<SqlBool>): CompiledSql {
  return compileSql(sql`UPDATE ${target} r SET ${SET} WHERE ${where} AND (${predicate}) AND r.confidential IS DISTINCT FROM true`);
}

async function update(pool: pg.Pool, target: RawBuilder<unknown>, where: RawBuilder<SqlBool>, predicate: RawBuilder<SqlBool>): Promise<number> {
  const q = handStatement(target, where, predicate);
  return (await pool.query(q.sql, q.parameters)).rowCount ?? 0;
}

export const RECORDINGS = sql.raw('conflag.recordings');

export function idRange(after: number, upTo: number): RawBuilder<SqlBool> {
  return sql<SqlBool>`r.id > ${after}::bigint AND r.id <= ${upTo}::bigint`;
}

export function blockRange(from: number, to: number): RawBuilder<SqlBool> {
  return sql<SqlBool>`r.ctid >= ${`(${from},0)`}::tid AND r.ctid < ${`(${to},0)`}::tid`;
}

export function oneUpdate(ctx: HandContext): Promise<number> {
  return update(ctx.pool, RECORDINGS, sql<SqlBool>`true`, ctx.predicate);
}

/** Runs `work` on every item, `connections` at a time (each pool.query takes its own connection); sums the results. */
async function onConnections<T>(items: T[], connections: number, work: (item: T) => Promise<number>): Promise<number> {
  let next = 0;
  let total = 0;
  await Promise.all(Array.from({ length: connections }, async () => {
    while (next < items.length) {
      const changed = await work(items[next++]);
      total += changed; // not `total += await ...`: that reads total before the await and loses the other worker's sum
    }
  }));
  return total;
}

async function idBounds(pool: pg.Pool): Promise<{ min: number; max: number } | undefined> {
  const { rows } = await pool.query<{ min: string | null; max: string | null }>(`SELECT min(id)::text AS min, max(id)::text AS max FROM conflag.recordings`);
  return rows[0].min === null ? undefined : { min: Number(rows[0].min), max: Number(rows[0].max) };
}

export async function keysetBatches(ctx: HandContext, size: number, connections: number): Promise<number> {
  const bounds = await idBounds(ctx.pool);
  if (!bounds) return 0;
  const ranges: [number, number][] = [];
  for (let lo = bounds.min - 1; lo < bounds.max; lo += size) ranges.push([lo, Math.min(lo + size, bounds.max)]);
  return onConnections(ranges, connections, ([lo, hi]) => update(ctx.pool, RECORDINGS, idRange(lo, hi), ctx.predicate));
}

export async function idHalves(ctx: HandContext): Promise<number> {
  const bounds = await idBounds(ctx.pool);
  if (!bounds) return 0;
  const mid = Math.floor((bounds.min + bounds.max) / 2);
  const halves = [sql<SqlBool>`r.id <= ${mid}::bigint`, sql<SqlBool>`r.id > ${mid}::bigint`];
  return onConnections(halves, 2, (half) => update(ctx.pool, RECORDINGS, half, ctx.predicate));
}

interface Heap {
  /** Quoted, schema-qualified name from the catalog, never from input. */
  name: string;
  blocks: number;
  rowsPerBlock: number;
}

/** The heaps holding recordings (the table, or each leaf partition), with their size in blocks now. */
async function heaps(pool: pg.Pool): Promise<Heap[]> {
  const { rows } = await pool.query<{ name: string; blocks: string; tuples: string }>(
    `SELECT h.relid::regclass::text AS name,
            (pg_relation_size(h.relid) / current_setting('block_size')::int)::text AS blocks,
            greatest(c.reltuples, 0)::text AS tuples
       FROM (${RECORDING_HEAPS}) h JOIN pg_class c ON c.oid = h.relid
      ORDER BY 1`,
  );
  return rows.map((r) => {
    const blocks = Number(r.blocks);
    return { name: r.name, blocks, rowsPerBlock: blocks ? Math.max(1, Number(r.tuples) / blocks) : 1 };
  });
}

/** Block ranges of about BATCH_ROWS rows each (from the planner's reltuples/relpages), over every heap. */
export async function blockRanges(ctx: HandContext, connections: number): Promise<number> {
  const ranges: { heap: string; from: number; to: number }[] = [];
  for (const heap of await heaps(ctx.pool)) {
    const step = blocksPerBatch(heap);
    for (let b = 0; b < heap.blocks; b += step) ranges.push({ heap: heap.name, from: b, to: Math.min(b + step, heap.blocks) });
  }
  return onConnections(ranges, connections, (r) => update(ctx.pool, sql.raw(r.heap), blockRange(r.from, r.to), ctx.predicate));
}

function blocksPerBatch(heap: Heap): number {
  return Math.max(1, Math.ceil(BATCH_ROWS / heap.rowsPerBlock));
}
