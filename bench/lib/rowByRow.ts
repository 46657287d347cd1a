// The row-by-row baseline: what an application without conflag's compiler does. Every recording is streamed to
// Node through a server-side cursor (FETCH 10 000 at a time, never the whole table in memory), the condition is
// evaluated per row by json-rules-engine with conflag's operators (src/condition/createEngine.ts, the reference
// semantics the compiler is tested against) on the facts it reads (recordingFacts computes them all, the engine
// gets only those: with all 21 it took 72 µs a row instead of 27), and the matching ids whose flag is not yet set
// are written back with UPDATE ... WHERE id = ANY($1) in batches of 10 000 on a second connection.
import type pg from 'pg';
import { conditionEvaluator } from '../../src/condition/createEngine.ts';
import { recordingFacts, type RecordingRow } from '../../src/condition/recordingFacts.ts';
import type { ConditionContext } from '../../src/condition/types.ts';
import { conditionFacts } from '../../src/run/conditionFacts.ts';

const FETCH = 10_000;
const UPDATE_BATCH = 10_000;

export async function rowByRow(pool: pg.Pool, condition: unknown, ctx: ConditionContext): Promise<number> {
  const evaluator = conditionEvaluator(condition, ctx);
  const read = [...conditionFacts(condition)];
  const factsOf = (row: RecordingRow) => {
    const all = recordingFacts(row, ctx);
    return Object.fromEntries(read.map((f) => [f, all[f]]));
  };
  let pending: string[] = [];
  let changed = 0;
  const write = async () => {
    if (!pending.length) return;
    const ids = pending;
    pending = [];
    const result = await pool.query(
      `UPDATE conflag.recordings SET confidential = true, confidential_changed_at = now(), confidential_changed_by_run = 0
        WHERE id = ANY ($1::bigint[]) AND confidential IS DISTINCT FROM true`,
      [ids],
    );
    changed += result.rowCount ?? 0;
  };
  const reader = await pool.connect();
  try {
    await reader.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await reader.query('DECLARE bench_rows NO SCROLL CURSOR FOR SELECT * FROM conflag.recordings');
    for (;;) {
      const { rows } = await reader.query<RecordingRow & { confidential: boolean }>(`FETCH ${FETCH} FROM bench_rows`);
      if (!rows.length) break;
      for (const row of rows) {
        if (!row.confidential && (await evaluator.matches(factsOf(row)))) pending.push(String(row.id));
      }
      if (pending.length >= UPDATE_BATCH) await write();
    }
    await write();
    await reader.query('COMMIT');
  } catch (error) {
    await reader.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    reader.release();
  }
  return changed;
}
