// Two refreshes of conflag.job_predicates at once (two runners, or a runner's reconcile and its job sync): the one
// that meets a write conflict must not give up, since the other may have started before the newest job change and
// not seen it. CI once waited 10 s for job_conflicts because the second job's predicate was never stored. Here a
// transaction holds a job's predicate row while a refresh wants it, then commits: the refresh gets 40001, and must
// retry with a fresh snapshot and store every job's current predicate.
import * as assert from 'uvu/assert';
import pg from 'pg';
import { refreshJobPredicates } from '../../src/conflict/refreshJobPredicates.ts';
import { createLogger } from '../../src/log.ts';
import { closePools, databaseUrl, openPool } from '../lib/db.ts';
import { suite } from '../lib/suite.ts';
import { waitFor } from '../lib/waitFor.ts';
import { insertJob, longCalls } from '../run/fixtures.ts';

const test = suite('conflicts: concurrent refreshes of the stored predicates');
test.after(closePools);
const pool = openPool();
const log = createLogger({ level: 'silent' });

/** Jobs whose stored predicate is missing or older than their current selection. */
async function outOfDate(): Promise<string[]> {
  const { rows } = await pool.query<{ id: string }>(
    `SELECT j.id::text FROM conflag.jobs j LEFT JOIN conflag.job_predicates p ON p.job_id = j.id
      WHERE j.enabled AND p.digest IS DISTINCT FROM conflag.job_selection_digest(j.id) ORDER BY j.id`,
  );
  return rows.map((r) => r.id);
}

test('a refresh that loses a write conflict retries with a fresh snapshot and stores every current predicate', async () => {
  const first = await insertJob(pool, { name: 'Flag calls over 2 hours', condition: longCalls });
  const second = await insertJob(pool, { name: 'Unflag internal calls', action: 'clear', condition: { all: [{ fact: 'direction', operator: 'equal', value: 'internal' }] } });
  assert.equal(await outOfDate(), [first, second]);

  const holder = new pg.Client({ connectionString: databaseUrl(), application_name: 'conflag test: row holder' });
  await holder.connect();
  try {
    await holder.query('BEGIN');
    await holder.query(`INSERT INTO conflag.job_predicates (job_id, predicate, parameters, digest, compiled_by) VALUES ($1, 'false', '{}', 'stale', 'test')`, [first]);
    const refresh = refreshJobPredicates(pool, { log });
    // The refresh has taken its snapshot and waits for the held row; committing it now makes its upsert fail.
    await waitFor(
      async () =>
        (await pool.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO conflag.job_predicates%'`))
          .rowCount === 1,
      { what: 'the refresh to wait for the held predicate row' },
    );
    await holder.query('COMMIT');
    const result = await refresh;
    assert.equal(result, { compiled: 2, removed: 0, failed: 0 }, 'both predicates compiled once the conflict was retried');
  } finally {
    await holder.end();
  }
  assert.equal(await outOfDate(), [], 'no job is left with a missing or stale predicate');
  const stored = (await pool.query(`SELECT count(*)::int AS n FROM conflag.job_predicates WHERE predicate <> 'false'`)).rows[0].n;
  assert.is(stored, 2, "the held row's placeholder was replaced by the compiled predicate");
});

test.run();
