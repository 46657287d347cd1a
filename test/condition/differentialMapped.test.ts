// The differential property test (differentialRun.ts) on a platform table mapped in conflag.recordings' place
// (differentialTables.ts: uuid key, other column names, facts of its own, two of them DBA expressions): the compiled
// SQL selects what json-rules-engine says, there too. Fewer conditions than on conflag.recordings (the compiler is
// the same; what differs is the table and the facts): CONFLAG_PROPERTY_RUNS / 5, at least 600 (fewer leave fact/operator pairs untried).
import { closePools } from '../lib/db.ts';
import { suite } from '../lib/suite.ts';
import { runDifferential } from './differentialRun.ts';
import { mappedPlatformTable } from './differentialTables.ts';
import { openTextTimestampPool } from './helpers.ts';

const SEED = Number(process.env.CONFLAG_PROPERTY_SEED ?? 20240310) + 13;
const RUNS = Math.max(600, Math.round(Number(process.env.CONFLAG_PROPERTY_RUNS ?? 3000) / 5));

const test = suite('condition: differential on a mapped platform table');
test.after(closePools);
const pool = openTextTimestampPool();

test(`${RUNS} random conditions × 60 random recordings of platform.call_log agree (seed ${SEED})`, async () => {
  await runDifferential(pool, await mappedPlatformTable(pool), { runs: RUNS, seed: SEED });
});

test.run();
