// The differential property test: for random valid conditions (every attribute and operator, nesting, `not`,
// empty groups, paths into custom) over random recordings (NULLs, edge numbers, unicode, instants near
// midnight and DST changes, raw JSON numbers), the ids the compiled SQL selects equal the ids
// json-rules-engine (with conflag's operators) says true for (test/condition/differentialRun.ts). Seeded:
// CONFLAG_PROPERTY_SEED picks the seed, CONFLAG_PROPERTY_RUNS the number of conditions (default 3000, each checked
// against 60 recordings). differentialMapped.test.ts runs the same check on a mapped platform table.
import { closePools } from '../lib/db.ts';
import { suite } from '../lib/suite.ts';
import { TENANTS } from './arbitraries.ts';
import { runDifferential } from './differentialRun.ts';
import { conflagRecordings } from './differentialTables.ts';
import { openTextTimestampPool } from './helpers.ts';

const SEED = Number(process.env.CONFLAG_PROPERTY_SEED ?? 20240310);
const RUNS = Number(process.env.CONFLAG_PROPERTY_RUNS ?? 3000);

const test = suite('condition: differential (SQL vs json-rules-engine)');
test.after(closePools);
const pool = openTextTimestampPool();

test(`${RUNS} random conditions × 60 random recordings agree (seed ${SEED})`, async () => {
  await pool.query(`INSERT INTO conflag.tenants (id) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING`, [TENANTS]);
  await runDifferential(pool, conflagRecordings(pool), { runs: RUNS, seed: SEED });
});

test.run();
