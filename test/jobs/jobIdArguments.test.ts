// Every SQL function that takes a job accepts its id as a number as well as its name: request_run(7),
// request_run(j.id) over conflag.jobs, reset_incremental_state(5). The catalog check finds any function with a
// job argument of type text that lacks its bigint twin, so a new one cannot forget it.
import * as assert from 'uvu/assert';
import { closePools, openPool } from '../lib/db.ts';
import { suite } from '../lib/suite.ts';
import { expectDatabaseError } from './expectDatabaseError.ts';

const test = suite('jobs: SQL functions take a job id as a number');
test.after(closePools);

const condition = JSON.stringify({ all: [{ fact: 'duration', operator: 'greaterThan', value: 7200 }] });

test('every function with a job argument of type text has an overload taking the id as bigint', async () => {
  const { rows } = await openPool().query<{ name: string; args: string; twin: boolean }>(`
    SELECT p.proname AS name, pg_get_function_identity_arguments(p.oid) AS args,
           EXISTS (SELECT FROM pg_proc q
                    WHERE q.pronamespace = p.pronamespace AND q.proname = p.proname
                      AND q.proargtypes::oid[] = array_replace(p.proargtypes::oid[], 'text'::regtype::oid, 'bigint'::regtype::oid)) AS twin
      FROM pg_proc p
     WHERE p.pronamespace = 'conflag'::regnamespace
       AND EXISTS (SELECT FROM unnest(p.proargnames, p.proargtypes::oid[]) a(n, t) WHERE a.n ~ '^(p_)?job$' AND a.t = 'text'::regtype::oid)
     ORDER BY 1`);
  assert.equal(rows.map((r) => r.name), ['request_run', 'reset_incremental_state'], 'the functions that take a job');
  for (const row of rows) assert.ok(row.twin, `conflag.${row.name}(${row.args}) has no bigint twin`);
});

test('request_run(7), request_run(j.id) and the name still work; an unknown id is CF030', async () => {
  const pool = openPool();
  const { rows: [{ id }] } = await pool.query<{ id: string }>(`INSERT INTO conflag.jobs (name, condition, action) VALUES ('By number', $1, 'set') RETURNING id`, [condition]);
  await pool.query(`INSERT INTO conflag.jobs (name, condition, action) VALUES ($1, $2, 'set')`, [id, condition]);
  const literal = await pool.query(`SELECT conflag.request_run(${Number(id)}) AS request`);
  const fromRows = await pool.query(`SELECT conflag.request_run(j.id) AS request FROM conflag.jobs j WHERE j.name = 'By number'`);
  const byName = await pool.query(`SELECT conflag.request_run('by number') AS request`);
  const { rows } = await pool.query(`SELECT r.id, j.name FROM conflag.run_requests r JOIN conflag.jobs j ON j.id = r.job_id WHERE r.id = ANY($1::bigint[]) ORDER BY r.id`,
    [[literal.rows[0].request, fromRows.rows[0].request, byName.rows[0].request]]);
  assert.equal(rows.map((r) => r.name), ['By number', 'By number', 'By number']);
  // Quoted, the text form: a job NAMED like the number comes first, as before.
  const quoted = (await pool.query(`SELECT conflag.request_run('${id}') AS request`)).rows[0].request;
  const named = await pool.query(`SELECT j.name FROM conflag.run_requests r JOIN conflag.jobs j ON j.id = r.job_id WHERE r.id = $1`, [quoted]);
  assert.equal(named.rows, [{ name: id }]);
  await expectDatabaseError(() => pool.query(`SELECT conflag.request_run(987654)`), { code: 'CF030', includes: ['request_run: no job has id 987654'] });
});

test('reset_incremental_state(5) and (j.id) work like the name; an unknown id is CF301', async () => {
  const pool = openPool();
  const { rows: [{ id }] } = await pool.query<{ id: string }>(`INSERT INTO conflag.jobs (name, condition, action, mode) VALUES ('Resettable by id', $1, 'set', 'incremental') RETURNING id`, [condition]);
  await pool.query(`INSERT INTO conflag.recordings (tenant_id, call_id, started_at, duration) SELECT 'default', 'r-' || i, now(), 60 FROM generate_series(1, 3) i`);
  const remember = () => pool.query(`INSERT INTO conflag.job_processed_recordings (job_id, recording_key, run_id) SELECT $1, jsonb_build_array(id), 0 FROM conflag.recordings ON CONFLICT DO NOTHING`, [id]);
  await remember();
  assert.equal((await pool.query(`SELECT conflag.reset_incremental_state(${Number(id)})::int AS n`)).rows, [{ n: 3 }]);
  await remember();
  assert.equal((await pool.query(`SELECT conflag.reset_incremental_state(j.id)::int AS n FROM conflag.jobs j WHERE j.id = $1`, [id])).rows, [{ n: 3 }]);
  await remember();
  assert.equal((await pool.query(`SELECT conflag.reset_incremental_state('resettable BY id')::int AS n`)).rows, [{ n: 3 }]);
  await expectDatabaseError(() => pool.query(`SELECT conflag.reset_incremental_state(987654)`), { code: 'CF301', includes: ['reset_incremental_state: no job has id 987654'] });
});

test.run();
