// What the change-log triggers (migration 0004, sql/log_inserted_recordings.sql) add to inserts: conflag's
// statement-level trigger, none, and for comparison the obvious alternative, a row-level AFTER INSERT trigger
// doing the same insert per row; bulk INSERT ... SELECT and single-row autocommit inserts. Figures in
// bench/README.md. (Split out of bench/runBench.ts when that became `npm run bench`, issue 14.)
//   node bench/runTriggerBench.ts            (embedded PostgreSQL in a temp folder; BENCH_ROWS, default 1 000 000)
//   DATABASE_URL=... node bench/runTriggerBench.ts   (a database where we may create one: bench_conflag_triggers)
import os from 'node:os';
import pg from 'pg';
import { migrate } from '../src/db/migrate.ts';
import { loadDemoRecordings, measure, openBenchDatabase, printRatioTables } from './lib/benchDatabase.ts';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const REPEAT = Math.max(Number(process.env.BENCH_REPEAT ?? 7), 1);

const { url, stop } = await openBenchDatabase('bench_conflag_triggers');
const pool = new pg.Pool({ connectionString: url, max: 3 });
try {
  await migrate(url);
  console.error(`loading ${ROWS} recordings ...`);
  await loadDemoRecordings(pool, ROWS);
  await pool.query(`CREATE FUNCTION public.bench_log_row() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN INSERT INTO conflag.recording_changes (xid, recording_key) VALUES (pg_current_xact_id(), jsonb_build_array(NEW.id)); RETURN NULL; END $$`);
  await pool.query(`CREATE TRIGGER bench_log_row AFTER INSERT ON conflag.recordings FOR EACH ROW EXECUTE FUNCTION public.bench_log_row()`);
  const setTriggers = async (mode: 'none' | 'statement' | 'row') => {
    await pool.query(`ALTER TABLE conflag.recordings ${mode === 'statement' ? 'ENABLE' : 'DISABLE'} TRIGGER conflag_log_inserts`);
    await pool.query(`ALTER TABLE conflag.recordings ${mode === 'row' ? 'ENABLE' : 'DISABLE'} TRIGGER bench_log_row`);
  };
  // Cheap rows (no random data generation), so the trigger's share is not hidden: the worst case.
  const bulk = (mode: 'none' | 'statement' | 'row') => async () => {
    await setTriggers(mode);
    await pool.query(`INSERT INTO conflag.recordings (tenant_id, call_id, started_at, duration, tags)
                      SELECT 'default', 'bulk-' || g, now(), 60, '{vip}' FROM generate_series(1, 100000) g`);
  };
  const single = (mode: 'none' | 'statement') => async () => {
    await setTriggers(mode);
    for (let i = 0; i < 2000; i++) {
      await pool.query(`INSERT INTO conflag.recordings (tenant_id, call_id, started_at, duration, tags) VALUES ('default', $1, now(), 60, '{vip}')`, [`single-${i}`]);
    }
  };
  const inserts = await measure({
    'INSERT ... SELECT of 100 000 recordings, no trigger (baseline)': bulk('none'),
    'INSERT ... SELECT of 100 000 recordings, conflag\'s statement-level trigger': bulk('statement'),
    'INSERT ... SELECT of 100 000 recordings, a row-level trigger instead (not used)': bulk('row'),
  }, async () => {}, { repeat: REPEAT });
  const singles = await measure({
    '2 000 single-row INSERTs (autocommit), no trigger (baseline)': single('none'),
    '2 000 single-row INSERTs (autocommit), conflag\'s trigger': single('statement'),
  }, async () => {}, { repeat: REPEAT });
  await setTriggers('statement');
  await pool.query(`DROP TRIGGER bench_log_row ON conflag.recordings; DROP FUNCTION public.bench_log_row()`);

  console.log(`\n${ROWS} recordings; median of ${REPEAT}, interleaved; PostgreSQL ${(await pool.query('SHOW server_version')).rows[0].server_version}, ${os.cpus().length} cores (shared)\n`);
  printRatioTables([['Change-log trigger: bulk insert', inserts], ['Change-log trigger: single-row inserts', singles]]);
} finally {
  await pool.end();
  await stop();
}
