// The timed groups of `npm run bench`, each a set of rows measured interleaved on the same data from the same
// starting state (see measureRows). The data's state between groups: the first-run group ends with every
// matching flag set, which is what the re-run group needs; the incremental groups add recordings (the bulk group
// deletes its own again).
import { addDemoRecordings } from './benchDatabase.ts';
import { clearFlags, conflagRun, maxRecordingId, type BenchContext } from './benchContext.ts';
import { rowsToRun, type GroupId, type RowId, type RowResult } from './benchRows.ts';
import { blockRanges, idHalves, keysetBatches, oneUpdate } from './handUpdates.ts';
import { measureRows, type GroupPlan, type Timed } from './measureRows.ts';
import { rowByRow } from './rowByRow.ts';

/** Rows per bulk load: +25 % of the table the bench loaded. */
const BULK_SHARE = 0.25;
const NEW_RECORDINGS = 10_000;

function plan(ctx: BenchContext, group: GroupId, all: Partial<Record<RowId, Timed>>, rest: Omit<GroupPlan, 'group' | 'rows' | 'repeat' | 'meter' | 'progress'>): GroupPlan {
  const rows = Object.fromEntries(rowsToRun(group, ctx.options.only).map((id) => [id, all[id]!]));
  return { group, rows, repeat: ctx.options.repeat, meter: ctx.meter, progress: ctx.progress, ...rest };
}

export async function firstRunGroup(ctx: BenchContext): Promise<RowResult[]> {
  const hand = { pool: ctx.pool, predicate: ctx.predicate };
  return measureRows(plan(ctx, 'first-run', {
    'hand-update': () => oneUpdate(hand),
    'keyset-100k': () => keysetBatches(hand, 100_000, 1),
    'keyset-500k': () => keysetBatches(hand, 500_000, 1),
    'block-ranges': () => blockRanges(hand, 1),
    'block-ranges-2conn': () => blockRanges(hand, 2),
    'id-halves-2conn': () => idHalves(hand),
    'keyset-2conn': () => keysetBatches(hand, 100_000, 2),
    'conflag-full': () => conflagRun(ctx, ctx.fullJob),
    'conflag-full-1conn': () => conflagRun(ctx, ctx.fullJob, { parallelism: 1 }),
    // The other conflag rows connect as the bench's superuser, which row-level security never applies to.
    'conflag-full-runner': () => conflagRun(ctx, ctx.fullJob, { pool: ctx.runnerPool }),
    'row-by-row': () => rowByRow(ctx.pool, ctx.condition, ctx.conditionContext),
  }, { before: () => clearFlags(ctx.pool), rounds: { 'row-by-row': 1 } }));
}

export async function reRunGroup(ctx: BenchContext): Promise<RowResult[]> {
  // Every matching flag set (whatever ran before), dead row versions gone.
  await conflagRun(ctx, ctx.fullJob);
  await ctx.pool.query('VACUUM conflag.recordings');
  const hand = { pool: ctx.pool, predicate: ctx.predicate };
  return measureRows(plan(ctx, 're-run', {
    'hand-update-rerun': () => oneUpdate(hand),
    'conflag-rerun': () => conflagRun(ctx, ctx.fullJob),
  }, { before: async () => void (await ctx.pool.query('CHECKPOINT')) }));
}

/**
 * Each round adds 10 000 recordings; before each row their flags are cleared again (not logged: incremental jobs
 * do not see it), so both rows find the same work: the old recordings right, the new ones to do.
 */
export async function incremental10kGroup(ctx: BenchContext): Promise<RowResult[]> {
  await conflagRun(ctx, ctx.fullJob);
  await conflagRun(ctx, ctx.incrementalJob);
  let before = '0';
  let round = 0;
  return measureRows(plan(ctx, 'incremental-10k', {
    'conflag-full-after-10k': () => conflagRun(ctx, ctx.fullJob),
    'conflag-incremental-10k': () => conflagRun(ctx, ctx.incrementalJob),
  }, {
    beforeRound: async () => {
      before = await maxRecordingId(ctx.pool);
      await addDemoRecordings(ctx.pool, NEW_RECORDINGS, 0.1 + 0.01 * round++);
    },
    before: () => clearFlags(ctx.pool, before),
  }));
}

/**
 * Each round loads +25 % rows in one go (the incremental job has just run, so they are all in its change log),
 * VACUUM ANALYZE as autovacuum soon would (and so it does not start in the middle of a timed row); before each
 * row the new recordings' flags are cleared again. The load is deleted before the next round and at the end.
 */
export async function incrementalBulkGroup(ctx: BenchContext): Promise<RowResult[]> {
  const bulk = Math.round(BULK_SHARE * ctx.options.rows);
  let before: string | null = null;
  let round = 0;
  const removeLoad = async () => {
    if (before === null) return;
    await ctx.pool.query(`DELETE FROM conflag.recordings WHERE id > $1::bigint`, [before]);
    await ctx.pool.query('VACUUM ANALYZE conflag.recordings');
  };
  await conflagRun(ctx, ctx.fullJob);
  try {
    return await measureRows(plan(ctx, 'incremental-bulk', {
      'conflag-full-after-bulk': () => conflagRun(ctx, ctx.fullJob),
      'conflag-incremental-bulk': () => conflagRun(ctx, ctx.incrementalJob),
    }, {
      beforeRound: async () => {
        await removeLoad();
        await conflagRun(ctx, ctx.incrementalJob);
        before = await maxRecordingId(ctx.pool);
        ctx.progress(`  loading ${bulk} recordings (+25 %) ...`);
        await addDemoRecordings(ctx.pool, bulk, 0.2 + 0.01 * round++);
        await ctx.pool.query('VACUUM ANALYZE conflag.recordings');
      },
      before: () => clearFlags(ctx.pool, before),
    }));
  } finally {
    await removeLoad();
  }
}
