// The differential property test: for random valid conditions (every attribute and operator, nesting, `not`,
// empty groups, paths into custom) over random recordings (NULLs, edge numbers, unicode, instants near
// midnight and DST changes, raw JSON numbers), the ids the compiled SQL selects equal the ids
// json-rules-engine (with conflag's operators) says true for. Seeded: CONFLAG_PROPERTY_SEED picks the seed,
// CONFLAG_PROPERTY_RUNS the number of conditions (default 3000, each checked against 60 recordings).
import fc from 'fast-check';
import * as assert from 'uvu/assert';
import { conditionEvaluator } from '../../src/condition/createEngine.ts';
import { loadCatalog } from '../../src/condition/loadCatalog.ts';
import { recordingFacts, type RecordingRow } from '../../src/condition/recordingFacts.ts';
import type { Catalog, ConditionContext } from '../../src/condition/types.ts';
import { closePools } from '../lib/db.ts';
import { suite } from '../lib/suite.ts';
import { conditionFor, context, observe, recording, TENANTS } from './arbitraries.ts';
import { insertRecordings, loadRows, openTextTimestampPool, selectStatement } from './helpers.ts';

const SEED = Number(process.env.CONFLAG_PROPERTY_SEED ?? 20240310);
const RUNS = Number(process.env.CONFLAG_PROPERTY_RUNS ?? 3000);
const RECORDINGS = 60;
const CONDITIONS_PER_BATCH = 250;
// Ages observed for value pools are measured to a fixed instant so that generation is reproducible.
const OBSERVED_AS_OF = new Date('2024-06-01T00:00:00Z');

/** Distinct seeds per batch and purpose, so that nearby CONFLAG_PROPERTY_SEEDs share no batch. */
function batchSeed(batch: number, purpose: 0 | 1): number {
  return (Math.imul(SEED, 0x9e3779b1) ^ Math.imul(batch * 2 + purpose + 1, 0x85ebca6b)) >>> 0;
}

const test = suite('condition: differential (SQL vs json-rules-engine)');
test.after(closePools);
const pool = openTextTimestampPool();

interface Stats {
  conditions: number;
  evaluations: number;
  none: number;
  all: number;
  some: number;
  leaves: Map<string, number>;
}

function countLeaves(node: unknown, leaves: Map<string, number>): void {
  if (!node || typeof node !== 'object') return;
  const n = node as Record<string, unknown>;
  if (typeof n.fact === 'string') {
    for (const key of [`${n.fact} ${n.operator}`, ...(n.path ? [`${n.fact} ${n.operator} (path)`] : [])]) leaves.set(key, (leaves.get(key) ?? 0) + 1);
  }
  for (const k of ['all', 'any']) if (Array.isArray(n[k])) for (const c of n[k] as unknown[]) countLeaves(c, leaves);
  if (n.not) countLeaves(n.not, leaves);
}

async function check(catalog: Catalog, rows: RecordingRow[], ids: number[], condition: unknown, ctx: ConditionContext, stats: Stats) {
  // Only conditions the database accepts: it is the judge of what a job may hold.
  await pool.query('SELECT conflag.validate_condition($1::jsonb)', [JSON.stringify(condition)]).catch((error: Error) => {
    throw new Error(`the generator produced a condition the database rejects: ${error.message}\n${JSON.stringify(condition)}`);
  });
  const statement = selectStatement(condition, catalog, ctx, ids);
  const selected = new Set((await pool.query<{ id: string }>(statement.sql, statement.parameters)).rows.map((r) => Number(r.id)));
  const evaluator = conditionEvaluator(condition, ctx);
  const mismatches: string[] = [];
  let matched = 0;
  for (const row of rows) {
    const facts = recordingFacts(row, ctx);
    const js = await evaluator.matches(facts);
    const inSql = selected.has(Number(row.id));
    if (js) matched += 1;
    if (js !== inSql && mismatches.length < 3) {
      mismatches.push(`recording ${row.id}: json-rules-engine ${js}, SQL ${inSql}\n  row: ${JSON.stringify(row)}\n  facts: ${JSON.stringify(facts)}`);
    } else if (js !== inSql) mismatches.push('…');
  }
  stats.conditions += 1;
  stats.evaluations += rows.length;
  if (matched === 0) stats.none += 1;
  else if (matched === rows.length) stats.all += 1;
  else stats.some += 1;
  countLeaves(condition, stats.leaves);
  if (mismatches.length) {
    throw new Error(
      [
        `SQL and json-rules-engine disagree on ${mismatches.length} recording(s)`,
        `condition: ${JSON.stringify(condition)}`,
        `context: timezone ${ctx.timezone}, asOf ${ctx.asOf.toISOString()}`,
        `sql: ${statement.sql}`,
        `parameters: ${JSON.stringify(statement.parameters.map((p, i) => (i === 0 ? `[the ${ids.length} ids of this batch]` : p)))}`,
        ...mismatches.filter((m) => m !== '…'),
      ].join('\n'),
    );
  }
}

test(`${RUNS} random conditions × ${RECORDINGS} random recordings agree (seed ${SEED})`, async () => {
  const started = Date.now();
  const catalog = await loadCatalog(pool);
  await pool.query(`INSERT INTO conflag.tenants (id) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING`, [TENANTS]);
  const stats: Stats = { conditions: 0, evaluations: 0, none: 0, all: 0, some: 0, leaves: new Map() };
  const batches = Math.ceil(RUNS / CONDITIONS_PER_BATCH);
  for (let batch = 0; batch < batches; batch++) {
    const recordings = fc.sample(recording, { numRuns: RECORDINGS, seed: batchSeed(batch, 0) });
    await pool.query('DELETE FROM conflag.recordings');
    const ids = await insertRecordings(pool, recordings);
    const rows = await loadRows(pool, ids);
    const observed = observe(rows.flatMap((row) => [recordingFacts(row, { timezone: 'UTC', asOf: OBSERVED_AS_OF }), recordingFacts(row, { timezone: 'America/New_York', asOf: OBSERVED_AS_OF })]));
    const numRuns = Math.min(CONDITIONS_PER_BATCH, RUNS - batch * CONDITIONS_PER_BATCH);
    const details = await fc.check(
      fc.asyncProperty(conditionFor(catalog, observed), context, (condition, ctx) => check(catalog, rows, ids, condition, ctx, stats)),
      { numRuns, seed: batchSeed(batch, 1) },
    );
    if (details.failed) {
      // fast-check has shrunk the condition to a minimal one; its error carries the SQL and the recordings.
      const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
      assert.unreachable(
        `minimal reproduction (CONFLAG_PROPERTY_SEED=${SEED}, batch ${batch}, fast-check seed ${details.seed}, path ${details.counterexamplePath}):\n${cause}`,
      );
    }
  }
  const seconds = (Date.now() - started) / 1000;
  console.log(
    `  differential: ${stats.conditions} conditions (shrinking included), ${stats.evaluations} recording evaluations in ${seconds.toFixed(1)} s; ` +
      `selected none ${stats.none}, all ${stats.all}, some ${stats.some}; ${stats.leaves.size} fact/operator combinations`,
  );
  // The test must be able to see differences: most conditions must split the recordings, and every
  // attribute × operator combination of the catalog must have been tried.
  assert.ok(stats.some >= stats.conditions * 0.3, `only ${stats.some} of ${stats.conditions} conditions selected a proper subset`);
  for (const a of catalog.attributes.values()) {
    for (const o of catalog.operators.values()) {
      if (o.types.includes(a.type)) assert.ok(stats.leaves.has(`${a.name} ${o.name}`), `never generated: ${a.name} ${o.name}`);
    }
  }
});

test.run();
