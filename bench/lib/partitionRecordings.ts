// --partitioned: rebuilds conflag.recordings month-partitioned with the DDL of docs/reporting.md ("A
// month-partitioned recordings table", the block test/run/partitioned.test.ts runs) as written, except that its
// four example months are replaced by one partition per month of the loaded data (demo recordings start within
// the last 90 days) up to two months ahead, for the bulk loads and inserts that follow.
import type pg from 'pg';
import { markdownBlocks } from '../../test/lib/markdownBlocks.ts';

const EXAMPLE_PARTITION = /^CREATE TABLE conflag\.recordings_\d{4}_\d{2} PARTITION OF conflag\.recordings\n[^;]*;\n/gm;

export async function partitionRecordings(pool: pg.Pool): Promise<number> {
  const block = markdownBlocks(new URL('../../docs/reporting.md', import.meta.url)).find(
    (b) => b.lang === 'sql' && b.marker?.startsWith('<!-- partition-ddl'),
  );
  if (!block) throw new Error('docs/reporting.md has no partition-ddl block: bench/lib/partitionRecordings.ts must follow it');
  const examples = block.body.match(EXAMPLE_PARTITION) ?? [];
  if (examples.length !== 4) {
    throw new Error(`docs/reporting.md's partition DDL no longer has its 4 example month partitions (found ${examples.length}): update bench/lib/partitionRecordings.ts`);
  }
  const { rows } = await pool.query<{ from: string; to: string; name: string }>(
    `SELECT to_char(m, 'YYYY-MM-DD') AS from, to_char(m + interval '1 month', 'YYYY-MM-DD') AS to, to_char(m, 'YYYY_MM') AS name
       FROM generate_series(date_trunc('month', (SELECT min(started_at) FROM conflag.recordings) AT TIME ZONE 'UTC'),
                            date_trunc('month', now() AT TIME ZONE 'UTC') + interval '2 months', interval '1 month') m`,
  );
  const months = rows.map((m) =>
    `CREATE TABLE conflag.recordings_${m.name} PARTITION OF conflag.recordings\n  FOR VALUES FROM ('${m.from} 00:00+00') TO ('${m.to} 00:00+00') WITH (fillfactor = 90);\n`);
  let first = true;
  const ddl = block.body.replace(EXAMPLE_PARTITION, () => (first ? ((first = false), months.join('')) : ''));
  await pool.query(ddl);
  await pool.query('VACUUM ANALYZE conflag.recordings');
  return months.length;
}
