// The differential property check, for any recordings table (test/condition/differentialTables.ts): for random
// valid conditions over random recordings, the recordings the compiled SQL selects equal those json-rules-engine
// (with conflag's operators) says true for. Used by differential.test.ts (conflag.recordings) and
// differentialMapped.test.ts (a platform table mapped with facts of its own). Not a test file itself.
import fc from 'fast-check';
import * as assert from 'uvu/assert';
import type pg from 'pg';
import { conditionEvaluator } from '../../src/condition/createEngine.ts';
import { loadCatalog } from '../../src/condition/loadCatalog.ts';
import { recordingFacts } from '../../src/condition/recordingFacts.ts';
import type { Catalog, ConditionContext } from '../../src/condition/types.ts';
import { conditionFor, context, observe, recording } from './arbitraries.ts';
import type { DifferentialTable, LoadedRecording } from './differentialTables.ts';

const RECORDINGS = 60;
const CONDITIONS_PER_BATCH = 250;
// Ages observed for value pools are measured to a fixed instant so that generation is reproducible.
const OBSERVED_AS_OF = new Date('2024-06-01T00:00:00Z');

/** Distinct seeds per batch and purpose, so that nearby CONFLAG_PROPERTY_SEEDs share no batch. */
function batchSeed(seed: number, batch: number, purpose: 0 | 1): number {
  return (Math.imul(seed, 0x9e3779b1) ^ Math.imul(batch * 2 + purpose + 1, 0x85ebca6b)) >>> 0;
}

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

interface CheckInput {
  pool: pg.Pool;
  table: DifferentialTable;
  catalog: Catalog;
  loaded: LoadedRecording[];
  stats: Stats;
}

async function check({ pool, table, catalog, loaded, stats }: CheckInput, condition: unknown, ctx: ConditionContext) {
  // Only conditions the database accepts: it is the judge of what a job may hold.
  await pool.query('SELECT conflag.validate_condition($1::jsonb)', [JSON.stringify(condition)]).catch((error: Error) => {
    throw new Error(`the generator produced a condition the database rejects: ${error.message}\n${JSON.stringify(condition)}`);
  });
  const keys = loaded.map((l) => l.key);
  const statement = table.selectStatement(condition, catalog, ctx, keys);
  const selected = new Set((await pool.query<{ key: string }>(statement.sql, statement.parameters)).rows.map((r) => r.key));
  const evaluator = conditionEvaluator(condition, ctx);
  const mismatches: string[] = [];
  let matched = 0;
  for (const { key, row } of loaded) {
    const facts = recordingFacts(row, ctx);
    const js = await evaluator.matches(facts);
    const inSql = selected.has(key);
    if (js) matched += 1;
    if (js !== inSql && mismatches.length < 3) {
      mismatches.push(`recording ${key}: json-rules-engine ${js}, SQL ${inSql}\n  row: ${JSON.stringify(row)}\n  facts: ${JSON.stringify(facts)}`);
    } else if (js !== inSql) mismatches.push('…');
  }
  stats.conditions += 1;
  stats.evaluations += loaded.length;
  if (matched === 0) stats.none += 1;
  else if (matched === loaded.length) stats.all += 1;
  else stats.some += 1;
  countLeaves(condition, stats.leaves);
  if (mismatches.length) {
    throw new Error(
      [
        `SQL and json-rules-engine disagree on ${mismatches.length} recording(s) of ${table.name}`,
        `condition: ${JSON.stringify(condition)}`,
        `context: timezone ${ctx.timezone}, asOf ${ctx.asOf.toISOString()}`,
        `sql: ${statement.sql}`,
        `parameters: ${JSON.stringify(statement.parameters.map((p, i) => (i === 0 ? `[the ${keys.length} keys of this batch]` : p)))}`,
        ...mismatches.filter((m) => m !== '…'),
      ].join('\n'),
    );
  }
}

/** Runs `runs` random conditions in batches of 250, each against 60 fresh random recordings, and asserts coverage. */
export async function runDifferential(pool: pg.Pool, table: DifferentialTable, options: { runs: number; seed: number }): Promise<void> {
  const started = Date.now();
  const catalog = await loadCatalog(pool);
  const stats: Stats = { conditions: 0, evaluations: 0, none: 0, all: 0, some: 0, leaves: new Map() };
  const batches = Math.ceil(options.runs / CONDITIONS_PER_BATCH);
  for (let batch = 0; batch < batches; batch++) {
    const recordings = fc.sample(recording, { numRuns: RECORDINGS, seed: batchSeed(options.seed, batch, 0) });
    const loaded = await table.load(recordings);
    const rows = loaded.map((l) => l.row);
    const observed = observe(rows.flatMap((row) => [recordingFacts(row, { timezone: 'UTC', asOf: OBSERVED_AS_OF }), recordingFacts(row, { timezone: 'America/New_York', asOf: OBSERVED_AS_OF })]));
    const numRuns = Math.min(CONDITIONS_PER_BATCH, options.runs - batch * CONDITIONS_PER_BATCH);
    const input = { pool, table, catalog, loaded, stats };
    const details = await fc.check(
      fc.asyncProperty(conditionFor(catalog, observed), context, (condition, ctx) => check(input, condition, ctx)),
      { numRuns, seed: batchSeed(options.seed, batch, 1) },
    );
    if (details.failed) {
      // fast-check has shrunk the condition to a minimal one; its error carries the SQL and the recordings.
      const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
      assert.unreachable(
        `minimal reproduction (CONFLAG_PROPERTY_SEED=${options.seed}, batch ${batch}, fast-check seed ${details.seed}, path ${details.counterexamplePath}):\n${cause}`,
      );
    }
  }
  const seconds = (Date.now() - started) / 1000;
  console.log(
    `  differential on ${table.name}: ${stats.conditions} conditions (shrinking included), ${stats.evaluations} recording evaluations in ${seconds.toFixed(1)} s; ` +
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
}
