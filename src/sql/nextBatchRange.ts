// The next keyset batch of a run, as the id range (after, upTo]:
// - scan = table: starts at the first existing id after the last batch (one index probe, so gaps in the id
//   sequence cost nothing) and spans batchSize ids, capped at the run's max_id;
// - scan = changes: the next batchSize candidate ids of the run (run_candidates' primary key).
// Returns undefined when nothing is left.
import type pg from 'pg';
import type { RunScan } from '../run/types.ts';

export interface BatchRange {
  /** Exclusive lower bound (the previous batch's upTo). */
  after: string;
  /** Inclusive upper bound. */
  upTo: string;
  /** scan = changes: candidates in the range. */
  candidates: number | null;
}

export const BEFORE_FIRST_ID = '-9223372036854775808';

export async function nextBatchRange(
  client: pg.ClientBase,
  input: { scan: RunScan; runId: string; after: string; maxId: string | null; batchSize: number },
): Promise<BatchRange | undefined> {
  if (input.scan === 'table') {
    if (input.maxId === null) return undefined;
    const { rows } = await client.query<{ up_to: string | null }>(
      `SELECT least(s.first + ($2::bigint - 1), $3::bigint)::text AS up_to
         FROM (SELECT min(id) AS first FROM conflag.recordings WHERE id > $1::bigint) s
        WHERE s.first <= $3::bigint`,
      [input.after, input.batchSize, input.maxId],
    );
    const upTo = rows[0]?.up_to;
    return upTo ? { after: input.after, upTo, candidates: null } : undefined;
  }
  const { rows } = await client.query<{ up_to: string | null; n: number }>(
    `SELECT max(c.recording_id)::text AS up_to, count(*)::integer AS n
       FROM (SELECT recording_id FROM conflag.run_candidates
              WHERE run_id = $1::bigint AND recording_id > $2::bigint
              ORDER BY recording_id LIMIT $3) c`,
    [input.runId, input.after, input.batchSize],
  );
  const upTo = rows[0]?.up_to;
  return upTo ? { after: input.after, upTo, candidates: rows[0].n } : undefined;
}
