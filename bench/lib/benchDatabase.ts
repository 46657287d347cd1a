// What every benchmark needs: a database of its own (a fresh one on DATABASE_URL's server, or an embedded cluster
// in a temporary folder), demo recordings loaded inside PostgreSQL, and interleaved timing with medians.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort, startEmbeddedPostgres } from '../../src/db/embeddedPostgres.ts';
import { insertDemoRecordings } from '../../src/sql/insertDemoRecordings.ts';

/** `name` is the database created (anew) on DATABASE_URL's server; without DATABASE_URL a throw-away cluster. */
export async function openBenchDatabase(name: string): Promise<{ url: string; stop: () => Promise<void> }> {
  if (process.env.DATABASE_URL) {
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)}`);
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
    await admin.end();
    const parsed = new URL(process.env.DATABASE_URL);
    parsed.pathname = `/${name}`;
    return { url: parsed.toString(), stop: async () => {} };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'conflag-bench-'));
  fs.chmodSync(dir, 0o755);
  const server = await startEmbeddedPostgres({ dataDir: dir, port: await freePort() });
  return { url: server.url, stop: async () => { await server.stop(); fs.rmSync(dir, { recursive: true, force: true }); } };
}

/** A pool whose idle connections may fail (a server stopping) without crashing the bench: said on stderr. */
export function benchPool(url: string, max: number, options: pg.PoolConfig = {}): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, ...options });
  pool.on('error', (error) => console.error(`an idle database connection failed: ${error.message}`));
  return pool;
}

/** Demo recordings in chunks of 250 000 (same seed as `conflag demo`), change log emptied, table analysed. */
export async function loadDemoRecordings(pool: pg.Pool, rows: number): Promise<void> {
  await addDemoRecordings(pool, rows, 0.42);
  await pool.query(`TRUNCATE conflag.recording_changes`);
  await pool.query(`VACUUM ANALYZE conflag.recordings`);
}

/** More demo recordings, in chunks of 250 000 statements (each logged in the change log like any insert). */
export async function addDemoRecordings(pool: pg.Pool, rows: number, seed: number): Promise<void> {
  const client = await pool.connect();
  try {
    for (let done = 0; done < rows; done += 250_000) await insertDemoRecordings(client, Math.min(250_000, rows - done), seed);
  } finally {
    client.release();
  }
}

/**
 * Runs every variant `repeat` times, interleaved, calling `before` (with the variant's name) ahead of each; returns
 * the median seconds per variant. `alternate` reverses the order on every other round, so no variant always runs on
 * a warmer cache.
 */
export async function measure(
  variants: Record<string, () => Promise<unknown>>,
  before: (variant: string) => Promise<void>,
  options: { repeat: number; alternate?: boolean; digits?: number },
): Promise<Record<string, number>> {
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (let i = 0; i < options.repeat; i++) {
    const order = options.alternate && i % 2 ? Object.entries(variants).reverse() : Object.entries(variants);
    for (const [name, fn] of order) {
      await before(name);
      const t = performance.now();
      await fn();
      times[name].push((performance.now() - t) / 1000);
      console.error(`  ${name}: ${times[name].at(-1)!.toFixed(options.digits ?? 2)} s`);
    }
  }
  return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, v.sort((a, b) => a - b)[Math.floor(v.length / 2)]]));
}

/** Markdown tables of `measure` results: each variant's median and its ratio to the table's first (the baseline). */
export function printRatioTables(tables: (readonly [string, Record<string, number>])[], digits = 2): void {
  for (const [title, table] of tables) {
    console.log(`### ${title}\n\n| variant | median s | ratio |\n|---|---:|---:|`);
    const base = Object.values(table)[0];
    for (const [name, seconds] of Object.entries(table)) console.log(`| ${name} | ${seconds.toFixed(digits)} | ${(seconds / base).toFixed(2)}× |`);
    console.log('');
  }
}
